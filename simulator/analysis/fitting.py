"""Input and output analysis: fit service-time distributions, choose the warm-up and the replications.

Fitting turns an observed sample of durations (minutes) into a distribution spec that a
scenario file accepts as it is, e.g. ``{"dist": "gamma", "mean_min": 42.0, "cv": 0.5}``:

>>> import numpy as np
>>> from simulator.analysis.fitting import fit_distribution
>>> sample = np.random.default_rng(1).gamma(4.0, 10.0, size=500)
>>> fit = fit_distribution(sample)
>>> fit.best.dist
'gamma'
>>> fit.best.yaml  # doctest: +SKIP
'{dist: gamma, mean_min: 40.3, cv: 0.49}'

Each candidate is fitted by maximum likelihood with :mod:`scipy.stats` (or
:func:`scipy.optimize.minimize` on a ``scipy.stats`` log-density where the simulator's
parametrisation has no closed-form estimator), converted to the simulator's spec and
validated against :data:`simulator.scenario.distributions.Distribution`. The log-likelihood, AIC and
Kolmogorov-Smirnov test are then computed from the **spec itself** (its equivalent frozen
``scipy.stats`` distribution), so they describe exactly the distribution the model will
sample.

Output analysis (:func:`mser`, :func:`relative_half_width`, :func:`replications_needed`) lives in
:mod:`simulator.analysis.output_analysis` and is re-exported here.

This module never imports SimPy or the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import TypeAdapter, ValidationError
from scipy import optimize, special, stats

from simulator.analysis.output_analysis import MserResult, mser, relative_half_width, replications_needed
from simulator.scenario.distributions import Distribution

__all__ = [
    "CANDIDATES",
    "CandidateFit",
    "FitResult",
    "MserResult",
    "fit_distribution",
    "frozen",
    "mser",
    "parameter_ci",
    "qq_points",
    "relative_half_width",
    "replications_needed",
    "validate_spec",
]

CANDIDATES = ("exponential", "gamma", "lognormal", "truncnormal", "triangular", "uniform")
"""The kinds :func:`fit_distribution` fits: every simulator kind but ``deterministic`` and ``empirical``."""

_ADAPTER: TypeAdapter[Any] = TypeAdapter(Distribution)
_N_PARAMS = {"exponential": 1, "gamma": 2, "lognormal": 2, "truncnormal": 2, "triangular": 3, "uniform": 2}
_POSITIVE_ONLY = {"gamma", "lognormal"}
MIN_SAMPLES = 8
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def validate_spec(spec: dict[str, Any]) -> Any:
    """Build the simulator's distribution from a spec dict, or raise :class:`pydantic.ValidationError`.

    Parameters
    ----------
    spec : dict
        A distribution as written in a scenario file, e.g. ``{"dist": "exponential", "mean_min": 30}``.

    Returns
    -------
    simulator.scenario.distributions.Distribution
        The validated, frozen distribution (it has ``mean()``, ``var()``, ``ppf()`` and ``sample()``).
    """
    return _ADAPTER.validate_python(spec)


def _round(value: float, direction: str = "nearest") -> float:
    """Six significant digits (enough for any duration, short enough for a YAML file).

    ``direction`` "down" or "up" rounds towards minus or plus infinity, so that a fitted
    support (``low_min``, ``high_min``) still covers every observation after rounding.
    """
    if value == 0 or not math.isfinite(value):
        return float(value)
    step = 10.0 ** (math.floor(math.log10(abs(value))) - 5)
    if direction == "down":
        return float(f"{math.floor(value / step) * step:.6g}")
    if direction == "up":
        return float(f"{math.ceil(value / step) * step:.6g}")
    return float(f"{value:.6g}")


def frozen(spec: dict[str, Any]) -> Any:
    """The frozen :mod:`scipy.stats` distribution equal to a simulator spec.

    Supports the kinds in :data:`CANDIDATES`; the spec is validated first.

    Raises
    ------
    ValueError
        For a kind with no parametric ``scipy.stats`` equivalent (``deterministic``, ``empirical``).
    """
    d = validate_spec(spec)
    kind = d.dist
    if kind == "exponential":
        return stats.expon(scale=d.mean_min)
    if kind == "gamma":
        shape = 1.0 / d.cv**2
        return stats.gamma(shape, scale=d.mean_min / shape)
    if kind == "lognormal":
        s2 = math.log1p((d.sd_min / d.mean_min) ** 2)
        return stats.lognorm(math.sqrt(s2), scale=math.exp(math.log(d.mean_min) - s2 / 2))
    if kind == "truncnormal":
        high = np.inf if d.high_min is None else (d.high_min - d.mean_min) / d.sd_min
        return stats.truncnorm((d.low_min - d.mean_min) / d.sd_min, high, loc=d.mean_min, scale=d.sd_min)
    if kind == "triangular":
        width = d.high_min - d.low_min
        return stats.triang((d.mode_min - d.low_min) / width, loc=d.low_min, scale=width)
    if kind == "uniform":
        return stats.uniform(loc=d.low_min, scale=d.high_min - d.low_min)
    raise ValueError(f"no parametric scipy.stats equivalent for dist '{kind}'")


def _nelder_mead(nll: Callable[[np.ndarray], float], start: Sequence[float]) -> np.ndarray:
    """Minimise a negative log-likelihood from ``start`` (non-finite values count as +inf)."""

    def safe(p: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            value = float(nll(p))
        return value if math.isfinite(value) else 1e300

    res = optimize.minimize(
        safe,
        np.asarray(start, dtype=float),
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000, "maxfev": 8000},
    )
    return np.asarray(res.x, dtype=float)


def _fit_truncnormal(x: np.ndarray) -> dict[str, Any]:
    """Normal(mean, sd) truncated to [0, inf): maximum likelihood over the parent mean and log sd."""

    def nll(p: np.ndarray) -> float:  # the density of scipy.stats.truncnorm on [0, inf), vectorised
        mu, sd = p[0], math.exp(p[1])
        z = (x - mu) / sd
        return float(0.5 * (z * z).sum() + len(x) * (p[1] + _LOG_SQRT_2PI + special.log_ndtr(mu / sd)))

    mu, log_sd = _nelder_mead(nll, (x.mean(), math.log(x.std(ddof=1))))
    return {"dist": "truncnormal", "mean_min": _round(mu), "sd_min": _round(math.exp(log_sd)), "low_min": 0.0}


def _triangular_loglik(x: np.ndarray, low: float, mode: float, high: float) -> float:
    """Log-likelihood of ``x`` under a triangular (the same density as ``scipy.stats.triang``, vectorised)."""
    if not low <= mode <= high or not low < high:
        return -math.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(x < mode, (x - low) / (mode - low), (high - x) / (high - mode))
    if (x < low).any() or (x > high).any() or (left <= 0).any():
        return -math.inf
    return float(np.log(2.0 * left / (high - low)).sum())


def _fit_triangular(x: np.ndarray) -> dict[str, Any]:
    """Triangular by maximum likelihood with ``0 <= low < min(x)`` and ``high > max(x)``.

    The support is kept strictly around the data (a triangular density is 0 at its ends),
    by optimising ``low = min(x) (1 - sigmoid(a))``, ``high = max(x) + range exp(b)`` and
    ``mode = low + sigmoid(c) (high - low)``.
    """
    lo, hi = float(x.min()), float(x.max())
    span = hi - lo

    def unpack(p: np.ndarray) -> tuple[float, float, float]:
        low = lo * (1.0 - 1.0 / (1.0 + math.exp(-p[0])))
        high = hi + span * math.exp(p[1])
        return low, low + (high - low) / (1.0 + math.exp(-p[2])), high

    c0 = float(np.clip((3 * x.mean() - 2 * lo - hi) / span, 0.05, 0.95))
    low, mode, high = unpack(
        _nelder_mead(lambda p: -_triangular_loglik(x, *unpack(p)), (0.0, -4.0, math.log(c0 / (1 - c0))))
    )
    return {
        "dist": "triangular",
        "low_min": _round(low, "down"),
        "mode_min": _round(mode),
        "high_min": _round(high, "up"),
    }


def _fit_spec(kind: str, x: np.ndarray) -> dict[str, Any]:
    """Maximum-likelihood parameters of ``kind`` for ``x``, as a simulator spec."""
    if kind == "exponential":
        _, scale = stats.expon.fit(x, floc=0)
        return {"dist": "exponential", "mean_min": _round(scale)}
    if kind == "gamma":
        shape, _, scale = stats.gamma.fit(x, floc=0)
        return {"dist": "gamma", "mean_min": _round(shape * scale), "cv": _round(1.0 / math.sqrt(shape))}
    if kind == "lognormal":
        s, _, scale = stats.lognorm.fit(x, floc=0)
        mean = scale * math.exp(s * s / 2)
        return {"dist": "lognormal", "mean_min": _round(mean), "sd_min": _round(mean * math.sqrt(math.expm1(s * s)))}
    if kind == "truncnormal":
        return _fit_truncnormal(x)
    if kind == "triangular":
        return _fit_triangular(x)
    if kind == "uniform":
        low, width = stats.uniform.fit(x)
        return {"dist": "uniform", "low_min": _round(max(low, 0.0), "down"), "high_min": _round(low + width, "up")}
    raise ValueError(f"unknown candidate '{kind}' (known: {', '.join(CANDIDATES)})")


@dataclass(frozen=True)
class CandidateFit:
    """One fitted candidate.

    Attributes
    ----------
    dist : str
        The distribution kind (the spec's ``dist``).
    spec : dict
        The fitted distribution as a scenario file writes it (validated).
    n_params : int
        Parameters estimated from the sample.
    loglik, aic, bic : float
        Log-likelihood of the sample under ``spec``; ``AIC = 2k - 2 loglik``; ``BIC = k ln n - 2 loglik``.
    ks_statistic, ks_pvalue : float
        One-sample Kolmogorov-Smirnov test of the sample against ``spec``. The p-value assumes
        the parameters were known in advance; since they were estimated from the same
        sample it is **optimistic** (too large).
    """

    dist: str
    spec: dict[str, Any]
    n_params: int
    loglik: float
    aic: float
    bic: float
    ks_statistic: float
    ks_pvalue: float

    @property
    def yaml(self) -> str:
        """The spec in YAML flow style, ready for a scenario file or a ``--set KEY.PATH=...`` value."""
        return yaml.safe_dump(self.spec, default_flow_style=True, sort_keys=False, width=10**6).strip()

    def distribution(self) -> Any:
        """The simulator's distribution object for ``spec``."""
        return validate_spec(self.spec)


@dataclass(frozen=True)
class FitResult:
    """All candidates fitted to one sample, best (lowest AIC) first.

    Attributes
    ----------
    n : int
        Sample size.
    candidates : tuple of CandidateFit
        Sorted by AIC, best first.
    skipped : dict of str to str
        Candidates that could not be fitted, with the reason (e.g. zeros in the sample).
    """

    n: int
    candidates: tuple[CandidateFit, ...]
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def best(self) -> CandidateFit:
        """The candidate with the lowest AIC."""
        return self.candidates[0]

    def __getitem__(self, dist: str) -> CandidateFit:
        for fit in self.candidates:
            if fit.dist == dist:
                return fit
        raise KeyError(f"no fitted candidate '{dist}' (fitted: {', '.join(f.dist for f in self.candidates)})")

    def table(self) -> pd.DataFrame:
        """One row per candidate: ``dist, n_params, loglik, aic, delta_aic, bic, ks_statistic, ks_pvalue, spec``."""
        rows = [
            {
                **{k: getattr(f, k) for k in ("dist", "n_params", "loglik", "aic")},
                "delta_aic": f.aic - self.best.aic,
                "bic": f.bic,
                "ks_statistic": f.ks_statistic,
                "ks_pvalue": f.ks_pvalue,
                "spec": f.yaml,
            }
            for f in self.candidates
        ]
        return pd.DataFrame(rows)


def _sample(samples_min: Any) -> np.ndarray:
    """The sample as a 1-D float array, checked: finite, >= 0, at least ``MIN_SAMPLES`` values, not constant."""
    x = np.asarray(samples_min, dtype=float).ravel()
    if len(x) < MIN_SAMPLES:
        raise ValueError(f"need at least {MIN_SAMPLES} observations to fit a distribution, got {len(x)}")
    if not np.isfinite(x).all() or (x < 0).any():
        raise ValueError("durations must be finite numbers >= 0 (minutes)")
    if np.ptp(x) == 0:
        raise ValueError(f"every observation is {x[0]:g}: use {{dist: deterministic, value_min: {x[0]:g}}}")
    return x


def _score(kind: str, spec: dict[str, Any], x: np.ndarray) -> CandidateFit:
    """Log-likelihood, AIC, BIC and KS test of the sample under the spec's own distribution."""
    dist = frozen(spec)
    loglik = float(dist.logpdf(x).sum())
    k = _N_PARAMS[kind]
    ks = stats.kstest(x, dist.cdf)
    aic, bic = 2 * k - 2 * loglik, k * math.log(len(x)) - 2 * loglik
    return CandidateFit(kind, spec, k, loglik, aic, bic, float(ks.statistic), float(ks.pvalue))


def fit_distribution(samples_min: Any, candidates: Sequence[str] = CANDIDATES) -> FitResult:
    """Fit candidate distributions to observed durations and rank them by AIC.

    Parameters
    ----------
    samples_min : array-like
        Observed durations in minutes (finite, >= 0), e.g. the service times of one stage
        measured in a Time Release Study.
    candidates : sequence of str
        Kinds to try, from :data:`CANDIDATES`. ``gamma`` and ``lognormal`` (support
        ``(0, inf)``) are skipped when the sample holds zeros; ``exponential``, ``gamma`` and
        ``lognormal`` are fitted with the location fixed at 0, ``truncnormal`` is truncated
        to ``[0, inf)``, ``uniform`` and ``triangular`` cover the sample's range.

    Returns
    -------
    FitResult
        Each candidate's spec (a dict usable in a scenario file, validated against
        :data:`simulator.scenario.distributions.Distribution`), log-likelihood, AIC, BIC and
        Kolmogorov-Smirnov statistic and p-value, best (lowest AIC) first.

    Notes
    -----
    The KS p-values are **optimistic**: the test assumes a distribution fixed in advance,
    but here its parameters were estimated from the same sample, which moves the fitted
    CDF towards the data. A small p-value is still evidence against a candidate; a large
    one is weaker evidence for it than it looks (a Lilliefors-type correction or a
    parametric bootstrap gives calibrated p-values). Rank candidates by AIC, and check the
    fit by eye with :func:`qq_points`, especially in the upper tail that drives queues.

    Raises
    ------
    ValueError
        For fewer than ``MIN_SAMPLES`` observations, negative or non-finite values, a
        constant sample, an unknown candidate, or when no candidate could be fitted.
    """
    x = _sample(samples_min)
    unknown = [c for c in candidates if c not in CANDIDATES]
    if unknown:
        raise ValueError(f"unknown candidate(s) {', '.join(unknown)} (known: {', '.join(CANDIDATES)})")
    fits, skipped = [], {}
    for kind in dict.fromkeys(candidates):
        if kind in _POSITIVE_ONLY and (x <= 0).any():
            skipped[kind] = "the sample holds zeros and this distribution lives on (0, inf)"
            continue
        try:
            fits.append(_score(kind, _fit_spec(kind, x), x))
        except ValidationError as exc:
            skipped[kind] = f"the fitted parameters are not a valid spec: {exc.errors()[0]['msg']}"
        except (ValueError, FloatingPointError) as exc:
            skipped[kind] = str(exc).splitlines()[0]
    if not fits:
        raise ValueError(f"no candidate could be fitted: {skipped}")
    return FitResult(len(x), tuple(sorted(fits, key=lambda f: (not math.isfinite(f.aic), f.aic))), skipped)


def parameter_ci(
    samples_min: Any, dist: str, n_boot: int = 200, level: float = 0.95, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """Bootstrap percentile confidence intervals of a candidate's fitted spec parameters.

    Parameters
    ----------
    samples_min : array-like
        The observed durations (minutes).
    dist : str
        One kind of :data:`CANDIDATES`.
    n_boot : int
        Bootstrap resamples (each is refitted).
    level : float
        Confidence level.
    seed : int
        Seed of the resampling, for reproducible intervals.

    Returns
    -------
    dict
        ``{parameter: (low, high)}`` for every numeric spec key (``mean_min``, ``cv``, ...).
    """
    x = _sample(samples_min)
    rng = np.random.default_rng(seed)
    specs = [_fit_spec(dist, x[rng.integers(0, len(x), len(x))]) for _ in range(n_boot)]
    keys = [k for k, v in specs[0].items() if k != "dist" and isinstance(v, float | int)]
    tail = 100 * (1 - level) / 2
    bounds = {k: np.percentile([s[k] for s in specs], [tail, 100 - tail]) for k in keys}
    return {k: (float(lo), float(hi)) for k, (lo, hi) in bounds.items()}


def qq_points(samples: Any, spec: dict[str, Any] | Any) -> tuple[np.ndarray, np.ndarray]:
    """Points of a Q-Q plot of a sample against a simulator distribution.

    Parameters
    ----------
    samples : array-like
        Observed durations (minutes).
    spec : dict or Distribution
        The distribution (a spec dict, or an already built simulator distribution).

    Returns
    -------
    tuple of numpy.ndarray
        ``(theoretical, observed)``: the distribution's quantiles at the plotting positions
        ``(i - 0.5) / n``, computed with the simulator's own inverse CDF, and the sorted sample.
        On a good fit the points lie on the line ``y = x``.
    """
    observed = np.sort(np.asarray(samples, dtype=float).ravel())
    dist = validate_spec(spec) if isinstance(spec, dict) else spec
    positions = (np.arange(1, len(observed) + 1) - 0.5) / len(observed)
    return np.asarray(dist.ppf(positions), dtype=float), observed
