"""Statistics of an uncertainty study: two sources of spread, decision robustness, which inputs matter.

An uncertainty study runs every sample of the uncertain inputs with ``R`` replications. For one
KPI, ``y[i, r]`` is replication ``r`` of sample ``i`` and ``m_i`` its mean over replications.

- :func:`decompose` splits the spread of ``m_i``: the Monte-Carlo part is ``mean_i var_r(y) / R``
  (what more replications would remove), the rest comes from the inputs. The combined 90%
  interval is the 5th to 95th percentile of ``m_i`` (inputs and Monte-Carlo error together);
  the mean over the inputs has a Student-t 95% CI over samples.
- :func:`probability` is the share of samples where a statement holds, with a Wilson 95% CI.
- :func:`srrc` gives standardised rank regression coefficients (with plain Latin hypercube
  samples), :func:`sobol` first-order and total Sobol indices (with Saltelli samples, through
  SALib); both with bootstrap CIs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["Spread", "decompose", "probability", "sobol", "srrc"]


@dataclass(frozen=True)
class Spread:
    """One KPI over the inputs: see :func:`decompose`."""

    n_samples: int
    mean: float
    mean_ci_low: float
    mean_ci_high: float
    p05: float
    p50: float
    p95: float
    input_sd: float
    mc_sd: float
    input_share: float

    def as_dict(self) -> dict[str, float]:
        """The fields by name (the columns of ``uncertainty_summary.csv``)."""
        return dict(self.__dict__)


def decompose(values: Any, level: float = 0.95) -> Spread:
    """Spread of a KPI over input samples (rows) and replications (columns).

    Parameters
    ----------
    values : array-like, shape (samples, replications)
        NaN where a replication has no value (it is left out of that sample's mean).
    level : float
        Confidence level of the mean's interval.
    """
    y = np.asarray(values, dtype=float)
    y = y.reshape(len(y), -1)
    keep = ~np.all(np.isnan(y), axis=1)
    y = y[keep]
    n = len(y)
    if n == 0:
        nan = float("nan")
        return Spread(0, nan, nan, nan, nan, nan, nan, nan, nan, nan)
    means = np.nanmean(y, axis=1)
    counts = np.sum(~np.isnan(y), axis=1)
    within = np.array([np.nanvar(row, ddof=1) / c if c > 1 else np.nan for row, c in zip(y, counts)])
    mc_var = float(np.nanmean(within)) if np.any(~np.isnan(within)) else float("nan")
    total = float(np.var(means, ddof=1)) if n > 1 else 0.0
    input_var = max(total - mc_var, 0.0) if mc_var == mc_var else total
    share = input_var / total if total > 0 else float("nan")
    mean = float(means.mean())
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * math.sqrt(total / n)) if n > 1 else float("nan")
    p05, p50, p95 = (float(q) for q in np.quantile(means, [0.05, 0.5, 0.95]))
    mc_sd = math.sqrt(mc_var) if mc_var == mc_var else float("nan")
    return Spread(n, mean, mean - half, mean + half, p05, p50, p95, math.sqrt(input_var), mc_sd, share)


def probability(holds: Any) -> tuple[float, float, float, int, int]:
    """Share of samples where a statement holds: ``(p, ci_low, ci_high, holds, n)``, Wilson 95%."""
    flags = np.asarray(holds, dtype=bool).ravel()
    n, k = len(flags), int(flags.sum())
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0, 0
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return k / n, float(ci.low), float(ci.high), k, n


def _standard_ranks(a: np.ndarray) -> np.ndarray:
    """Ranks along axis -2 (average ranks for ties), centred and scaled; a constant column is 0."""
    r = stats.rankdata(a, axis=-2)
    sd = r.std(axis=-2, keepdims=True)
    return np.where(sd > 0, (r - r.mean(axis=-2, keepdims=True)) / np.where(sd > 0, sd, 1), 0.0)


def _srrc_batch(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """SRRC of each stacked data set: ``x`` (B, n, d), ``y`` (B, n) -> (B, d), by least squares (pinv)."""
    rx, ry = _standard_ranks(x), _standard_ranks(y[..., None])
    return (np.linalg.pinv(rx) @ ry)[..., 0]


def srrc(x: Any, y: Any, resamples: int = 500, seed: int = 0) -> dict[str, np.ndarray]:
    """Standardised rank regression coefficients of ``y`` on the columns of ``x``.

    Returns ``index``, ``ci_low``, ``ci_high`` (bootstrap percentile 95%) and ``share`` =
    ``index**2`` (for independent inputs, each input's part of the rank variance the regression
    explains; the shares sum to the regression's R²). A constant input gets NaN.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = ~np.isnan(y)
    x, y = x[ok], y[ok]
    live = np.array([len(np.unique(col)) > 1 for col in x.T], dtype=bool)
    nan = np.full(x.shape[1], np.nan)
    if len(y) < 3 or not live.any() or len(np.unique(y)) < 2:
        return {"index": nan, "ci_low": nan, "ci_high": nan, "share": nan}
    xs = x[:, live]
    index, low, high = nan.copy(), nan.copy(), nan.copy()
    index[live] = _srrc_batch(xs[None], y[None])[0]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5EC,)))
    pick = rng.integers(0, len(y), (resamples, len(y)))
    boots = _srrc_batch(xs[pick], y[pick])
    low[live], high[live] = np.percentile(boots, [2.5, 97.5], axis=0)
    return {"index": index, "ci_low": low, "ci_high": high, "share": index**2}


def sobol(unit_problem: dict[str, Any], y: Any, resamples: int = 500, seed: int = 0) -> dict[str, dict[str, Any]]:
    """First-order (``S1``) and total (``ST``) Sobol indices from Saltelli samples (SALib), with bootstrap CIs.

    ``y`` holds the outputs in the order of :func:`SALib.sample.sobol.sample` rows. Returns
    ``{"sobol_s1": {...}, "sobol_st": {...}}``, each with ``index``, ``ci_low``, ``ci_high`` and
    ``share`` (S1 clipped at 0; ST divided by the sum of ST).
    """
    from SALib.analyze import sobol as analyze

    y = np.asarray(y, dtype=float)
    d = unit_problem["num_vars"]
    if np.nanstd(y) == 0 or np.isnan(y).any():
        nan = np.full(d, np.nan)
        blank = {"index": nan, "ci_low": nan, "ci_high": nan, "share": nan}
        return {"sobol_s1": blank, "sobol_st": dict(blank)}
    res = analyze.analyze(unit_problem, y, calc_second_order=False, num_resamples=resamples, seed=seed)
    out = {}
    for name, key in (("sobol_s1", "S1"), ("sobol_st", "ST")):
        index, half = np.asarray(res[key], dtype=float), np.asarray(res[f"{key}_conf"], dtype=float)
        share = np.clip(index, 0, None) if key == "S1" else index / max(float(np.nansum(index)), 1e-300)
        out[name] = {"index": index, "ci_low": index - half, "ci_high": index + half, "share": share}
    return out
