"""simulator.analysis.fitting: distribution fits as scenario specs, Q-Q points, MSER-5 and the replication rule.

Every sample has a fixed seed, so every assertion is deterministic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter
from scipy import stats

import simulator
from simulator import fitting
from simulator.analysis.stats import t_interval
from simulator.scenario.distributions import Distribution

from .conftest import SCENARIOS

ADAPTER: TypeAdapter[object] = TypeAdapter(Distribution)


def _gamma(n: int, mean: float = 40.0, cv: float = 0.5, seed: int = 1) -> np.ndarray:
    shape = 1 / cv**2
    return np.random.default_rng(seed).gamma(shape, mean / shape, size=n)


SAMPLES = {
    "exponential": lambda rng, n: rng.exponential(30.0, n),
    "gamma": lambda rng, n: rng.gamma(4.0, 10.0, n),
    "lognormal": lambda rng, n: rng.lognormal(3.0, 0.5, n),
    "truncnormal": lambda rng, n: np.abs(rng.normal(20.0, 10.0, n)),
    "triangular": lambda rng, n: rng.triangular(20.0, 30.0, 45.0, n),
    "uniform": lambda rng, n: rng.uniform(5.0, 10.0, n),
}


@pytest.mark.parametrize("family", list(SAMPLES))
def test_every_spec_validates_and_matches_its_scipy_twin(family: str) -> None:
    x = SAMPLES[family](np.random.default_rng(3), 400)
    fit = fitting.fit_distribution(x)
    assert fit.n == 400
    assert len(fit.candidates) + len(fit.skipped) == len(fitting.CANDIDATES)
    u = np.linspace(0.001, 0.999, 41)
    for cand in fit.candidates:
        model = ADAPTER.validate_python(cand.spec)  # the spec is what a scenario file holds
        assert cand.spec["dist"] == cand.dist == model.dist  # type: ignore[attr-defined]
        assert np.allclose(model.ppf(u), fitting.frozen(cand.spec).ppf(u), rtol=1e-6, atol=1e-6)  # type: ignore[attr-defined]
        assert math.isfinite(cand.loglik), cand
        assert cand.aic == pytest.approx(2 * cand.n_params - 2 * cand.loglik)
        assert cand.loglik == pytest.approx(float(fitting.frozen(cand.spec).logpdf(x).sum()))
        assert 0 <= cand.ks_pvalue <= 1 and 0 <= cand.ks_statistic <= 1
    aics = [c.aic for c in fit.candidates]
    assert aics == sorted(aics)


def test_the_best_candidate_for_a_gamma_sample_is_gamma() -> None:
    fit = fitting.fit_distribution(_gamma(2000))
    assert fit.best.dist == "gamma"
    assert fit.best.ks_pvalue > 0.05
    table = fit.table()
    assert list(table.dist)[0] == "gamma" and table.delta_aic.iloc[0] == 0
    assert fit["gamma"] is fit.best


@pytest.mark.parametrize("family", ["lognormal", "triangular", "uniform"])
def test_clear_cut_families_are_recognised(family: str) -> None:
    x = SAMPLES[family](np.random.default_rng(5), 3000)
    assert fitting.fit_distribution(x).best.dist == family


def test_exponential_mean_recovered_within_its_confidence_interval() -> None:
    x = np.random.default_rng(11).exponential(30.0, 20_000)
    spec = fitting.fit_distribution(x, candidates=["exponential"]).best.spec
    half = 2.576 * spec["mean_min"] / math.sqrt(len(x))  # 99% asymptotic CI of the MLE (the sample mean)
    assert abs(spec["mean_min"] - 30.0) < half


@pytest.mark.parametrize(
    ("family", "truth"),
    [("gamma", {"mean_min": 40.0, "cv": 0.5}), ("lognormal", {"mean_min": 22.7, "sd_min": 12.1})],
)
def test_parameters_recovered_within_bootstrap_confidence_intervals(family: str, truth: dict[str, float]) -> None:
    if family == "gamma":
        x = _gamma(20_000, seed=2)
    else:  # lognormal(mu=3, sigma=0.5): mean = exp(3.125) = 22.76, sd = mean * sqrt(exp(0.25) - 1) = 12.13
        x = np.random.default_rng(2).lognormal(3.0, 0.5, 20_000)
        truth = {"mean_min": math.exp(3.125), "sd_min": math.exp(3.125) * math.sqrt(math.expm1(0.25))}
    ci = fitting.parameter_ci(x, family, n_boot=200, level=0.99, seed=0)
    assert set(ci) == set(truth)
    for key, value in truth.items():
        low, high = ci[key]
        assert low < value < high, (key, value, ci[key])
        assert (high - low) / value < 0.1  # a large sample pins the parameter down


def test_truncnormal_and_triangular_parameters_recovered() -> None:
    rng = np.random.default_rng(8)
    tn = fitting.fit_distribution(np.abs(rng.normal(20.0, 10.0, 20_000)), ["truncnormal"]).best.spec
    # |N(20, 10)| is not N(20, 10) truncated at 0, but the folded mass below 0 is only 2.3%
    assert tn["mean_min"] == pytest.approx(20.0, abs=1.0) and tn["sd_min"] == pytest.approx(10.0, abs=0.7)
    tri = fitting.fit_distribution(rng.triangular(20.0, 30.0, 45.0, 20_000), ["triangular"]).best.spec
    assert tri["low_min"] == pytest.approx(20.0, abs=0.2)
    assert tri["mode_min"] == pytest.approx(30.0, abs=1.0)
    assert tri["high_min"] == pytest.approx(45.0, abs=0.2)


def test_supports_cover_the_sample_after_rounding() -> None:
    x = np.random.default_rng(4).uniform(5.123456789, 9.87654321, 500)
    fit = fitting.fit_distribution(x, ["uniform", "triangular"])
    for cand in fit.candidates:
        lo = cand.spec["low_min"]
        hi = cand.spec["high_min"]
        assert lo <= x.min() and hi >= x.max()
        assert math.isfinite(cand.loglik)


def test_ks_test_rejects_a_wrong_family() -> None:
    fit = fitting.fit_distribution(np.random.default_rng(6).uniform(5.0, 10.0, 2000))
    assert fit["exponential"].ks_pvalue < 1e-6
    assert fit.best.dist == "uniform" and fit.best.ks_pvalue > 0.01


def test_zeros_skip_the_positive_only_candidates() -> None:
    x = np.concatenate([[0.0, 0.0], _gamma(200, seed=9)])
    fit = fitting.fit_distribution(x)
    assert set(fit.skipped) >= {"gamma", "lognormal"}
    assert "exponential" in {c.dist for c in fit.candidates}


def test_a_degenerate_fit_is_skipped_with_its_reason() -> None:
    fit = fitting.fit_distribution(np.random.default_rng(1).exponential(30.0, 2000))
    # a normal truncated at 0 fitted to exponential data runs its mean towards minus infinity
    assert fit.skipped.get("truncnormal", "").startswith("the fitted parameters are not a valid spec")


@pytest.mark.parametrize(
    ("sample", "candidates", "message"),
    [
        ([1.0, 2.0, 3.0], fitting.CANDIDATES, "at least 8"),
        ([1.0] * 5 + [-1.0, 2.0, 3.0], fitting.CANDIDATES, ">= 0"),
        ([1.0] * 7 + [float("nan")], fitting.CANDIDATES, "finite"),
        ([4.0] * 10, fitting.CANDIDATES, "deterministic"),
        (list(range(1, 20)), ["weibull"], "unknown candidate"),
    ],
)
def test_bad_samples_are_refused(sample: list[float], candidates: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fitting.fit_distribution(sample, candidates)


def test_yaml_spec_drops_into_a_scenario_override() -> None:
    best = fitting.fit_distribution(_gamma(500)).best
    sc = simulator.load_scenario(
        SCENARIOS / "examples" / "mm1.yaml", overrides=[f"gates.gate.stages.server.service={best.yaml}"]
    )
    service = sc.gates["gate"].stages["server"].service
    assert service == best.distribution()
    assert service.model_dump() == best.spec  # type: ignore[union-attr]


def test_qq_points_lie_on_the_diagonal_for_the_exact_quantiles() -> None:
    spec = {"dist": "gamma", "mean_min": 40.0, "cv": 0.5}
    n = 200
    exact = fitting.validate_spec(spec).ppf((np.arange(1, n + 1) - 0.5) / n)
    theoretical, observed = fitting.qq_points(exact[::-1], spec)
    assert np.allclose(theoretical, observed)
    assert np.all(np.diff(observed) >= 0)
    theoretical2, _ = fitting.qq_points(exact, fitting.validate_spec(spec))  # a built distribution works too
    assert np.allclose(theoretical2, theoretical)


def test_mser5_finds_the_end_of_a_transient() -> None:
    rng = np.random.default_rng(12)
    series = np.concatenate([np.linspace(0.0, 100.0, 60), 100.0 + rng.normal(0.0, 5.0, 540)])
    result = fitting.mser(series)
    assert result.batch == 5 and result.truncation % 5 == 0
    assert 40 <= result.truncation <= 80
    assert not result.at_limit
    assert result.kept_mean == pytest.approx(100.0, abs=1.0)
    assert len(result.statistic) == 60 + 1  # d = 0 .. m/2 batches
    assert np.argmin(result.statistic) * 5 == result.truncation


def test_mser5_keeps_a_stationary_series_and_flags_a_trend() -> None:
    noise = np.random.default_rng(13).normal(50.0, 5.0, 500)
    assert fitting.mser(noise).truncation <= 50
    trend = np.linspace(0.0, 100.0, 500)
    assert fitting.mser(trend).at_limit
    with pytest.raises(ValueError, match="at least 4 batches"):
        fitting.mser(noise[:15])


def t_half(n: int, sd: float) -> float:
    """Half-width of a 95% Student-t interval of ``n`` values with standard deviation ``sd``."""
    return float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n))


def test_relative_half_width_and_replications_needed() -> None:
    values = np.array([10.0, 11.0, 9.0, 10.5, 9.5])
    mean, low, high = t_interval(values)
    assert fitting.relative_half_width(values) == pytest.approx((high - low) / 2 / mean)
    for relative in (0.1, 0.05, 0.01):
        n = fitting.replications_needed(values, relative=relative)
        s, gamma = values.std(ddof=1), relative / (1 + relative)
        half = [t_half(k, s) for k in (n - 1, n)]
        assert half[1] <= gamma * mean  # n is enough...
        assert n == 2 or half[0] > gamma * mean  # ...and n - 1 is not
    assert fitting.replications_needed([5.0, 5.0, 5.0]) == 2
    assert fitting.replications_needed([1.0, -1.0], relative=0.01, max_n=50) == 50
    with pytest.raises(ValueError):
        fitting.replications_needed([1.0])
