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

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["Spread", "decompose", "probability", "sobol", "srrc", "srrc_min_samples"]


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


@functools.lru_cache(maxsize=256)
def _t_quantile(q: float, df: int) -> float:
    return float(stats.t.ppf(q, df))


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
    with np.errstate(all="ignore"):
        centred = np.where(np.isnan(y), 0.0, y - means[:, None])
        within = np.where(counts > 1, (centred**2).sum(axis=1) / np.maximum(counts - 1, 1) / counts, np.nan)
    mc_var = float(np.nanmean(within)) if np.any(~np.isnan(within)) else float("nan")
    total = float(np.var(means, ddof=1)) if n > 1 else 0.0
    input_var = max(total - mc_var, 0.0) if mc_var == mc_var else total
    share = input_var / total if total > 0 else float("nan")
    mean = float(means.mean())
    half = _t_quantile(0.5 + level / 2, n - 1) * math.sqrt(total / n) if n > 1 else float("nan")
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


@dataclass(frozen=True)
class _RankBasis:
    """The ``x`` half of SRRC for one set of rows: what every KPI regressed on the same design shares."""

    live: np.ndarray  # inputs that vary
    full: np.ndarray  # pinv of the standardised ranks, (d_live, n)
    pick: np.ndarray  # bootstrap rows, (B, n)
    boot: np.ndarray  # pinv of each resample's ranks, (B, d_live, n)


def _rank_basis(x: np.ndarray, resamples: int, seed: int) -> _RankBasis:
    live = np.array([len(np.unique(col)) > 1 for col in x.T], dtype=bool)
    xs = x[:, live]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5EC,)))
    pick = rng.integers(0, len(x), (resamples, len(x)))
    full = np.linalg.pinv(_standard_ranks(xs[None]))[0]
    return _RankBasis(live, full, pick, np.linalg.pinv(_standard_ranks(xs[pick])))


def srrc_min_samples(inputs: int) -> int:
    """The fewest samples a rank regression on ``inputs`` varying inputs is computed from: ``2 * inputs + 2``.

    With ``inputs + 1`` samples or fewer the regression passes through every point whatever the
    inputs do, so its coefficients say nothing. Just above that, the chance correlations between
    the inputs of a small sample are as large as the effects being ranked, and SRRC² "shares"
    exceed 1 (16 samples of the 13 shipped Lạng Sơn inputs gave 154%). Two samples per input and
    two to spare is the least this module ranks from; several times more gives intervals worth
    reading.

    >>> srrc_min_samples(13)
    28
    """
    return 2 * inputs + 2


def srrc(
    x: Any, y: Any, resamples: int = 500, seed: int = 0, bases: dict[bytes, Any] | None = None
) -> dict[str, np.ndarray]:
    """Standardised rank regression coefficients of ``y`` on the columns of ``x``.

    Returns ``index``, ``ci_low``, ``ci_high`` (bootstrap percentile 95%) and ``share`` =
    ``index**2`` (for independent inputs, each input's part of the rank variance the regression
    explains; the shares sum to the regression's R²). A constant input gets NaN, and so does
    every input when there are fewer samples (with a value of ``y``) than
    :func:`srrc_min_samples` of the varying inputs. ``bases``, a dict the caller keeps, lets many
    ``y`` on the same ``x`` (and seed) share the work on ``x``.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = ~np.isnan(y)
    x, y = x[ok], y[ok]
    nan = np.full(x.shape[1], np.nan)
    if len(y) < 3 or len(np.unique(y)) < 2:
        return {"index": nan, "ci_low": nan, "ci_high": nan, "share": nan}
    key = ok.tobytes() + bytes(str((resamples, seed)), "ascii")
    basis = bases.get(key) if bases is not None else None
    if basis is None:
        basis = _rank_basis(x, resamples, seed)
        if bases is not None:
            bases[key] = basis
    if not basis.live.any() or len(y) < srrc_min_samples(int(basis.live.sum())):
        return {"index": nan, "ci_low": nan, "ci_high": nan, "share": nan}
    index, low, high = nan.copy(), nan.copy(), nan.copy()
    index[basis.live] = basis.full @ _standard_ranks(y[:, None])[:, 0]
    boots = (basis.boot @ _standard_ranks(y[basis.pick][..., None]))[..., 0]
    low[basis.live], high[basis.live] = np.percentile(boots, [2.5, 97.5], axis=0)
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
