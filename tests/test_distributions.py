"""Duration distributions: sampled moments against closed forms, ppf against scipy, scaling, validation.

Sampled moments are judged with t-statistics at fixed seeds, never with loose tolerances:

- mean: ``t = (xbar - mean()) / (s / sqrt(n))``; with n = 200 000 the CLT makes ``t`` close to N(0, 1)
  even for the skewed cases, and ``|t| < 4`` has a false-alarm rate of 6e-5 per case.
- variance: the unbiased sample variance ``s2`` has ``Var(s2) = mu4 / n - sigma^4 (n - 3) / (n (n - 1))``
  (mu4 the fourth central moment), and is asymptotically normal, so ``z = (s2 - var()) / se(s2)`` is
  judged by ``|z| < 4`` too. ``mu4`` comes from scipy's exact kurtosis of an independently parametrised
  reference distribution (or directly from the values of an empirical one), not from the sample, whose
  fourth moment is badly underestimated for heavy tails. For the normal-ish cases this reduces to the
  chi-square bound: ``(n-1) s2 / sigma^2 ~ chi2(n-1)`` has sd ``sqrt(2 (n-1))``, i.e. mu4 = 3 sigma^4.
  For the heavy-tailed lognormal (cv 3, excess kurtosis ~1.2e4) ``s2`` is right-skewed, which makes the
  two-sided 4-sigma bound conservative rather than liberal.

Each case also checks the closed forms against scipy's exact moments at 1e-9, so a wrong formula fails
even where sampling noise could hide it.
"""

from __future__ import annotations

import math
import zlib
from functools import cache
from typing import Any

import numpy as np
import pydantic
import pytest
import scipy.stats as st

from simulator.scenario.distributions import (
    Deterministic,
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Lognormal,
    Triangular,
    TruncatedNormal,
    Uniform,
)

N = 200_000
T_LIMIT = 4.0
QUANTILES = np.array([1e-4, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999])
ADAPTER: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(Distribution)

# id -> spec; several parameter sets per kind, including strongly skewed ones.
CASES: dict[str, dict[str, Any]] = {
    "exp_1": {"dist": "exponential", "mean_min": 1.0},
    "exp_10": {"dist": "exponential", "mean_min": 10.0},
    "exp_250": {"dist": "exponential", "mean_min": 250.0},
    "det_0": {"dist": "deterministic", "value_min": 0.0},
    "det_7.5": {"dist": "deterministic", "value_min": 7.5},
    "unif_0_1": {"dist": "uniform", "low_min": 0.0, "high_min": 1.0},
    "unif_2_5": {"dist": "uniform", "low_min": 2.0, "high_min": 5.0},
    "unif_10_100": {"dist": "uniform", "low_min": 10.0, "high_min": 100.0},
    "tri_sym": {"dist": "triangular", "low_min": 0.0, "mode_min": 5.0, "high_min": 10.0},
    "tri_mode_low": {"dist": "triangular", "low_min": 0.0, "mode_min": 0.0, "high_min": 10.0},
    "tri_mode_high": {"dist": "triangular", "low_min": 1.0, "mode_min": 10.0, "high_min": 10.0},
    "tri_skew": {"dist": "triangular", "low_min": 2.0, "mode_min": 3.0, "high_min": 12.0},
    "tn_light": {"dist": "truncnormal", "mean_min": 10.0, "sd_min": 2.0},
    "tn_half": {"dist": "truncnormal", "mean_min": 0.0, "sd_min": 5.0},
    "tn_heavy_cut": {"dist": "truncnormal", "mean_min": 2.0, "sd_min": 5.0},
    "tn_neg_parent": {"dist": "truncnormal", "mean_min": -5.0, "sd_min": 3.0},
    "tn_two_sided": {"dist": "truncnormal", "mean_min": 30.0, "sd_min": 10.0, "low_min": 20.0, "high_min": 35.0},
    "tn_tail_5sd": {"dist": "truncnormal", "mean_min": 2.0, "sd_min": 1.0, "low_min": 7.0},
    "logn_cv0.2": {"dist": "lognormal", "mean_min": 10.0, "sd_min": 2.0},
    "logn_cv1": {"dist": "lognormal", "mean_min": 60.0, "sd_min": 60.0},
    "logn_cv3": {"dist": "lognormal", "mean_min": 10.0, "sd_min": 30.0},
    "gamma_cv0.2": {"dist": "gamma", "mean_min": 10.0, "cv": 0.2},
    "gamma_cv1": {"dist": "gamma", "mean_min": 10.0, "cv": 1.0},
    "gamma_cv2.5": {"dist": "gamma", "mean_min": 5.0, "cv": 2.5},
    "emp_single": {"dist": "empirical", "values_min": [5.0]},
    "emp_1234": {"dist": "empirical", "values_min": [1.0, 2.0, 3.0, 4.0]},
    "emp_skew": {"dist": "empirical", "values_min": [0.0, 0.0, 0.0, 100.0]},
    "emp_unsorted": {"dist": "empirical", "values_min": [60.0, 3.5, 7.0, 20.0, 7.0]},
}
CONSTANT_CASES = ["det_0", "det_7.5", "emp_single"]
RANDOM_CASES = [k for k in CASES if k not in CONSTANT_CASES]
SCIPY_KINDS = {"exponential", "uniform", "triangular", "truncnormal", "lognormal", "gamma"}
SCIPY_CASES = [k for k, v in CASES.items() if v["dist"] in SCIPY_KINDS]


def build(spec: dict[str, Any]) -> Any:
    return ADAPTER.validate_python(spec)


def reference(spec: dict[str, Any]) -> Any:
    """The same distribution as a frozen scipy.stats object, parametrised independently of the simulator."""
    kind = spec["dist"]
    if kind == "exponential":
        return st.expon(scale=spec["mean_min"])
    if kind == "uniform":
        return st.uniform(loc=spec["low_min"], scale=spec["high_min"] - spec["low_min"])
    if kind == "triangular":
        lo, mode, hi = spec["low_min"], spec["mode_min"], spec["high_min"]
        return st.triang((mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    if kind == "truncnormal":
        mu, sd = spec["mean_min"], spec["sd_min"]
        lo, hi = spec.get("low_min", 0.0), spec.get("high_min")
        b = math.inf if hi is None else (hi - mu) / sd
        return st.truncnorm((lo - mu) / sd, b, loc=mu, scale=sd)
    if kind == "lognormal":
        m, s = spec["mean_min"], spec["sd_min"]
        sigma2 = math.log(1.0 + (s / m) ** 2)
        return st.lognorm(math.sqrt(sigma2), scale=m * math.exp(-sigma2 / 2))
    if kind == "gamma":
        shape = 1.0 / spec["cv"] ** 2
        return st.gamma(shape, scale=spec["mean_min"] / shape)
    raise AssertionError(f"no scipy reference for {kind}")


def fourth_central_moment(spec: dict[str, Any]) -> float:
    if spec["dist"] == "empirical":
        v = np.asarray(spec["values_min"], dtype=float)
        return float(np.mean((v - v.mean()) ** 4))
    ref = reference(spec)
    var, kurt = (float(x) for x in ref.stats(moments="vk"))
    return (kurt + 3.0) * var**2


@cache
def draws(case: str) -> np.ndarray:
    """N draws for a case from a fixed per-case seed (shared by the mean and the variance test)."""
    rng = np.random.default_rng(zlib.crc32(case.encode()))
    return build(CASES[case]).sample(rng, N)


# ---------------------------------------------------------------- sampled moments


@pytest.mark.parametrize("case", RANDOM_CASES)
def test_sample_mean_matches_closed_form(case: str) -> None:
    dist = build(CASES[case])
    x = draws(case)
    t = (x.mean() - dist.mean()) / (x.std(ddof=1) / math.sqrt(len(x)))
    assert abs(t) < T_LIMIT, f"{case}: sample mean {x.mean():.6g} vs mean() {dist.mean():.6g}, t = {t:.2f}"


@pytest.mark.parametrize("case", RANDOM_CASES)
def test_sample_variance_matches_closed_form(case: str) -> None:
    dist = build(CASES[case])
    x = draws(case)
    n = len(x)
    sigma2 = dist.var()
    s2 = x.var(ddof=1)
    se = math.sqrt(fourth_central_moment(CASES[case]) / n - sigma2**2 * (n - 3) / (n * (n - 1)))
    z = (s2 - sigma2) / se
    assert abs(z) < T_LIMIT, f"{case}: sample variance {s2:.6g} vs var() {sigma2:.6g}, z = {z:.2f}"


@pytest.mark.parametrize("case", CONSTANT_CASES)
def test_constant_cases(case: str) -> None:
    """Zero-variance distributions (no t-statistic exists): every draw equals the value exactly."""
    dist = build(CASES[case])
    value = CASES[case].get("value_min", CASES[case].get("values_min", [None])[0])
    x = dist.sample(np.random.default_rng(3), 1000)
    assert x.shape == (1000,)
    assert np.all(x == value)
    assert dist.mean() == value
    assert dist.var() == 0.0


@pytest.mark.parametrize("case", RANDOM_CASES)
def test_samples_stay_in_support(case: str) -> None:
    spec = CASES[case]
    x = draws(case)
    assert x.shape == (N,)
    assert np.all(np.isfinite(x))
    assert np.all(x >= 0), "durations must be non-negative"
    kind = spec["dist"]
    if kind in ("uniform", "triangular"):
        assert x.min() >= spec["low_min"] and x.max() <= spec["high_min"]
    elif kind == "truncnormal":
        assert x.min() >= spec.get("low_min", 0.0)
        if spec.get("high_min") is not None:
            assert x.max() <= spec["high_min"]
    elif kind == "empirical":
        assert set(np.unique(x)) <= set(spec["values_min"])


@pytest.mark.parametrize("case", ["emp_1234", "emp_skew", "emp_unsorted"])
def test_empirical_values_equally_likely(case: str) -> None:
    """Each listed value (with multiplicity) has probability 1/k: binomial z-test per distinct value."""
    values = np.asarray(CASES[case]["values_min"])
    x = draws(case)
    for v in np.unique(values):
        p = float(np.mean(values == v))
        z = (np.mean(x == v) - p) / math.sqrt(p * (1 - p) / len(x))
        assert abs(z) < T_LIMIT, f"{case}: value {v} frequency z = {z:.2f}"


# ---------------------------------------------------------------- closed forms and ppf against scipy


@pytest.mark.parametrize("case", SCIPY_CASES)
def test_closed_form_moments_match_scipy(case: str) -> None:
    """Exact moments: any formula slip is off by far more than 1e-6; floating error is far less.

    (The tightest case is tn_tail_5sd, whose cancellation-prone variance formula is good to ~1e-7.)
    """
    dist = build(CASES[case])
    ref = reference(CASES[case])
    assert dist.mean() == pytest.approx(float(ref.mean()), rel=1e-6)
    assert dist.var() == pytest.approx(float(ref.var()), rel=1e-6)


@pytest.mark.parametrize("case", SCIPY_CASES)
def test_ppf_matches_scipy(case: str) -> None:
    dist = build(CASES[case])
    ref = reference(CASES[case])
    np.testing.assert_allclose(dist.ppf(QUANTILES), ref.ppf(QUANTILES), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("low_sd", [6.5, 7.0])
def test_truncnormal_far_tail_accuracy(low_sd: float) -> None:
    """A lower bound 6.5 or 7 parent sds above the parent mean keeps mass 4e-11 or 1.3e-12, which validation
    accepts (it only rejects mass < 1e-12), so mean(), var() and ppf must be as accurate there as elsewhere.
    scipy's truncnorm is the reference (checked against 50-digit mpmath: for the 7-sd bound, var = 0.0182619117).
    """
    spec = {"dist": "truncnormal", "mean_min": 0.0, "sd_min": 1.0, "low_min": low_sd}
    dist = build(spec)
    ref = reference(spec)
    assert dist.mean() == pytest.approx(float(ref.mean()), rel=1e-6)
    assert dist.var() == pytest.approx(float(ref.var()), rel=1e-6)
    np.testing.assert_allclose(dist.ppf(QUANTILES), ref.ppf(QUANTILES), rtol=1e-7)


@pytest.mark.parametrize("case", ["emp_1234", "emp_skew", "emp_unsorted"])
def test_empirical_ppf_is_the_quantile_function(case: str) -> None:
    """ppf is documented as the inverse CDF: non-decreasing in u, equal to the sorted values' quantiles.

    Between the jumps (u strictly inside ((k-1)/n, k/n)) the inverse CDF is the k-th smallest value.
    """
    dist = build(CASES[case])
    values = np.sort(np.asarray(CASES[case]["values_min"], dtype=float))
    n = len(values)
    u = (np.arange(n) + 0.5) / n
    np.testing.assert_array_equal(dist.ppf(u), values)
    grid = np.linspace(0.0, 1.0, 1001, endpoint=False)
    assert np.all(np.diff(dist.ppf(grid)) >= 0)


@pytest.mark.parametrize("case", list(CASES))
def test_sample_is_inversion_of_one_uniform_each(case: str) -> None:
    """sample(rng, n) == ppf of the next n uniforms of rng, and uses exactly n of them (the CRN contract)."""
    dist = build(CASES[case])
    rng = np.random.default_rng(11)
    reference_rng = np.random.default_rng(11)
    np.testing.assert_array_equal(dist.sample(rng, 500), dist.ppf(reference_rng.random(500)))
    assert rng.random() == reference_rng.random(), "sample() consumed a different number of uniforms"


# ---------------------------------------------------------------- scaling


@pytest.mark.parametrize("factor", [0.25, 0.8, 3.0])
@pytest.mark.parametrize("case", list(CASES))
def test_scaled_scales_mean_var_and_quantiles(case: str, factor: float) -> None:
    dist = build(CASES[case])
    scaled = dist.scaled(factor)
    assert type(scaled) is type(dist)
    assert scaled.mean() == pytest.approx(factor * dist.mean(), rel=1e-12, abs=1e-12)
    assert scaled.var() == pytest.approx(factor**2 * dist.var(), rel=1e-10, abs=1e-12)
    u = np.linspace(0.0005, 0.9995, 41)
    np.testing.assert_allclose(scaled.ppf(u), factor * dist.ppf(u), rtol=1e-10, atol=1e-12)
    assert build(CASES[case]) == dist, "scaled() must not modify the original"


@pytest.mark.parametrize("factor", [0.0, -1.0])
def test_scaled_rejects_non_positive_factor(factor: float) -> None:
    with pytest.raises(ValueError, match="scale factor"):
        build(CASES["exp_10"]).scaled(factor)


# ---------------------------------------------------------------- validation

VALID_KINDS = {
    "exponential": Exponential,
    "deterministic": Deterministic,
    "uniform": Uniform,
    "triangular": Triangular,
    "truncnormal": TruncatedNormal,
    "lognormal": Lognormal,
    "gamma": Gamma,
    "empirical": Empirical,
}


@pytest.mark.parametrize("case", list(CASES))
def test_valid_specs_validate_to_their_class(case: str) -> None:
    dist = build(CASES[case])
    assert type(dist) is VALID_KINDS[CASES[case]["dist"]]


INVALID: dict[str, dict[str, Any]] = {
    "exp_negative_mean": {"dist": "exponential", "mean_min": -1.0},
    "exp_zero_mean": {"dist": "exponential", "mean_min": 0.0},
    "det_negative": {"dist": "deterministic", "value_min": -0.5},
    "logn_negative_mean": {"dist": "lognormal", "mean_min": -10.0, "sd_min": 2.0},
    "gamma_negative_mean": {"dist": "gamma", "mean_min": -10.0, "cv": 0.5},
    "unif_negative_low": {"dist": "uniform", "low_min": -1.0, "high_min": 5.0},
    "tn_sd_zero": {"dist": "truncnormal", "mean_min": 10.0, "sd_min": 0.0},
    "tn_sd_negative": {"dist": "truncnormal", "mean_min": 10.0, "sd_min": -2.0},
    "logn_sd_zero": {"dist": "lognormal", "mean_min": 10.0, "sd_min": 0.0},
    "logn_sd_negative": {"dist": "lognormal", "mean_min": 10.0, "sd_min": -1.0},
    "unif_low_eq_high": {"dist": "uniform", "low_min": 5.0, "high_min": 5.0},
    "unif_low_gt_high": {"dist": "uniform", "low_min": 6.0, "high_min": 5.0},
    "tri_low_eq_high": {"dist": "triangular", "low_min": 4.0, "mode_min": 4.0, "high_min": 4.0},
    "tri_low_gt_high": {"dist": "triangular", "low_min": 9.0, "mode_min": 8.0, "high_min": 7.0},
    "tn_low_eq_high": {"dist": "truncnormal", "mean_min": 10.0, "sd_min": 2.0, "low_min": 5.0, "high_min": 5.0},
    "tn_low_gt_high": {"dist": "truncnormal", "mean_min": 10.0, "sd_min": 2.0, "low_min": 12.0, "high_min": 8.0},
    "tn_no_mass": {"dist": "truncnormal", "mean_min": 0.0, "sd_min": 1.0, "low_min": 50.0},
    "tri_mode_above": {"dist": "triangular", "low_min": 0.0, "mode_min": 11.0, "high_min": 10.0},
    "tri_mode_below": {"dist": "triangular", "low_min": 2.0, "mode_min": 1.0, "high_min": 10.0},
    "gamma_cv_zero": {"dist": "gamma", "mean_min": 10.0, "cv": 0.0},
    "gamma_cv_negative": {"dist": "gamma", "mean_min": 10.0, "cv": -0.5},
    "emp_empty": {"dist": "empirical", "values_min": []},
    "emp_negative_value": {"dist": "empirical", "values_min": [1.0, -2.0, 3.0]},
    "emp_nan_value": {"dist": "empirical", "values_min": [1.0, float("nan")]},
    "exp_infinite_mean": {"dist": "exponential", "mean_min": float("inf")},
    "unknown_dist": {"dist": "weibull", "mean_min": 10.0},
    "missing_dist": {"mean_min": 10.0},
    "extra_key": {"dist": "exponential", "mean_min": 10.0, "sd_min": 3.0},
    "missing_parameter": {"dist": "gamma", "mean_min": 10.0},
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_specs_raise_validation_error(case: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        ADAPTER.validate_python(INVALID[case])


def test_distributions_are_frozen() -> None:
    dist = build(CASES["exp_10"])
    with pytest.raises(pydantic.ValidationError):
        dist.mean_min = 5.0  # type: ignore[misc]
