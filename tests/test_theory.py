"""Closed-form queueing results in simulator.analysis.theory against textbook values and independent formulas."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator import theory


def erlang_c_exact(c: int, a: Fraction) -> Fraction:
    """Erlang C from its defining sum, in exact rational arithmetic (independent of the B recursion)."""
    top = a**c / math.factorial(c) * Fraction(c) / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(
    ("c", "a", "expected"),
    [
        (1, 0.85, 0.85),  # M/M/1: P(wait) = rho
        (2, 1.0, 1 / 3),  # (1/2 * 2) / (1 + 1 + 1)
        (3, 2.0, 4 / 9),  # (8/6 * 3) / (1 + 2 + 2 + 4)
        (2, 1.5, 9 / 14),  # 2 rho^2 / (1 + rho) with rho = 0.75
        (3, 2.55, 0.7303766105),  # the mmc.yaml example
        (3, 0.0, 0.0),  # no traffic, nobody waits
    ],
)
def test_erlang_c_textbook_values(c: int, a: float, expected: float) -> None:
    assert theory.erlang_c(c, a) == pytest.approx(expected, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(("c", "a"), [(5, Fraction(7, 2)), (30, Fraction(27)), (200, Fraction(190)), (500, 499)])
def test_erlang_c_matches_exact_sum_even_for_many_servers(c: int, a: Fraction | int) -> None:
    exact = float(erlang_c_exact(c, Fraction(a)))
    assert theory.erlang_c(c, float(a)) == pytest.approx(exact, rel=1e-11)


@given(c=st.integers(1, 60), load=st.floats(0.001, 0.999))
def test_erlang_c_is_a_probability_matching_the_exact_sum(c: int, load: float) -> None:
    a = Fraction(load) * c
    value = theory.erlang_c(c, float(a))
    assert 0.0 < value < 1.0
    assert value == pytest.approx(float(erlang_c_exact(c, a)), rel=1e-9)


def test_mm1_textbook_value() -> None:
    # lambda = 0.085/min, 1/mu = 10 min: Wq = rho / (mu - lambda) = 0.85 / 0.015
    assert theory.mm1_wait(0.085, 10) == pytest.approx(56.6666666667, rel=1e-10)
    assert theory.mm1_wait(0.05, 10) == pytest.approx(10.0, rel=1e-12)


@given(rate=st.floats(1e-4, 10.0), rho=st.floats(0.01, 0.99))
def test_mm1_is_mmc_with_one_server_and_equals_lq_over_lambda(rate: float, rho: float) -> None:
    mean = rho / rate
    wq = theory.mm1_wait(rate, mean)
    assert theory.mmc_wait(rate, mean, 1) == pytest.approx(wq, rel=1e-9)
    assert wq == pytest.approx(rho**2 / (1 - rho) / rate, rel=1e-9)  # Lq = rho^2 / (1 - rho)


@pytest.mark.parametrize(("rate", "mean"), [(0.075, 20), (0.05, 30), (0.0999, 19.9)])
def test_mm2_closed_form(rate: float, mean: float) -> None:
    # M/M/2: Wq = rho^2 / (mu (1 - rho^2)) with rho = lambda / (2 mu)
    rho = rate * mean / 2
    assert theory.mmc_wait(rate, mean, 2) == pytest.approx(rho**2 * mean / (1 - rho**2), rel=1e-10)


def test_mmc_examples() -> None:
    assert theory.mmc_wait(0.075, 20, 2) == pytest.approx(180 / 7, rel=1e-12)  # tandem.yaml inspection, 25.71
    assert theory.mmc_wait(0.085, 30, 3) == pytest.approx(0.7303766105 / 0.015, rel=1e-9)  # mmc.yaml, 48.69
    assert theory.mmc_wait(0.05, 30, 3) == pytest.approx((9 / 38) / 0.05, rel=1e-12)  # C(3, 1.5) = 9/38


def test_more_servers_wait_less() -> None:
    # the same arrivals and service times, more servers
    waits = [theory.mmc_wait(0.085, 10, c) for c in (1, 2, 3, 5)]
    assert waits == sorted(waits, reverse=True)
    # pooling: c times the traffic on c servers, at the same utilisation rho = 0.85
    pooled = [theory.mmc_wait(0.085 * c, 10, c) for c in (1, 2, 3, 5, 10)]
    assert pooled == sorted(pooled, reverse=True)
    assert pooled[0] == pytest.approx(theory.mm1_wait(0.085, 10), rel=1e-12)


def test_md1_is_half_of_mm1() -> None:
    for rate, service in [(0.085, 10), (0.05, 10), (1.0, 0.5), (0.0999, 10)]:
        assert theory.md1_wait(rate, service) == pytest.approx(theory.mm1_wait(rate, service) / 2, rel=1e-12)
    assert theory.md1_wait(0.085, 10) == pytest.approx(0.85 / (2 * 0.1 * 0.15), rel=1e-12)  # 28.33


def test_mg1_pollaczek_khinchine() -> None:
    rate, mean = 0.085, 10.0
    # exponential service (var = mean^2) gives M/M/1; zero variance gives M/D/1
    assert theory.mg1_wait(rate, mean, mean**2) == pytest.approx(theory.mm1_wait(rate, mean), rel=1e-12)
    assert theory.mg1_wait(rate, mean, 0.0) == pytest.approx(theory.md1_wait(rate, mean), rel=1e-12)
    # Erlang-k service (var = mean^2 / k): Wq = (1 + 1/k) / 2 * M/M/1 wait
    for k in (2, 4):
        expected = (1 + 1 / k) / 2 * theory.mm1_wait(rate, mean)
        assert theory.mg1_wait(rate, mean, mean**2 / k) == pytest.approx(expected, rel=1e-12)
    # uniform(0, 20): E[S^2] = 400 / 3, Wq = lambda E[S^2] / (2 (1 - rho))
    assert theory.mg1_wait(rate, mean, 100 / 3) == pytest.approx(0.085 * 400 / 3 / 0.3, rel=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda: theory.mm1_wait(0.1, 10),  # rho = 1
        lambda: theory.mm1_wait(0.2, 10),
        lambda: theory.mmc_wait(0.3, 10, 3),  # rho = 1
        lambda: theory.mmc_wait(1.0, 10, 3),
        lambda: theory.md1_wait(0.1, 10),
        lambda: theory.mg1_wait(0.1, 10, 5.0),
        lambda: theory.erlang_c(3, 3.0),
        lambda: theory.erlang_c(3, 4.0),
    ],
)
def test_unstable_queues_raise(call: object) -> None:
    with pytest.raises(ValueError, match="unstable"):
        call()  # type: ignore[operator]


@pytest.mark.parametrize(
    "call",
    [
        lambda: theory.mm1_wait(0.0, 10),
        lambda: theory.mm1_wait(-0.1, 10),
        lambda: theory.mm1_wait(0.05, 0),
        lambda: theory.mm1_wait(math.nan, 10),
        lambda: theory.mm1_wait(0.05, math.inf),
        lambda: theory.mmc_wait(0.05, 10, 0),
        lambda: theory.mmc_wait(0.05, 10, 2.0),
        lambda: theory.mmc_wait(0.05, 10, True),
        lambda: theory.mg1_wait(0.05, 10, -1.0),
        lambda: theory.mg1_wait(0.05, 10, math.nan),
        lambda: theory.erlang_c(0, 0.5),
        lambda: theory.erlang_c(2, -0.5),
        lambda: theory.erlang_c(2, math.nan),
    ],
)
def test_out_of_range_parameters_raise(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]
