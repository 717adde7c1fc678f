"""``capacity --scale each``: every gate's capacity in one command, checked against Erlang C.

Two independent M/M/c gates, one FIFO queue each, exponential service, Poisson arrivals:

* gate ``a``: c = 2 servers, mean service 30 min (μ = 48 trucks/day per server);
* gate ``b``: c = 3 servers, mean service 20 min (μ = 72 trucks/day per server).

The target is a mean time in system of at most 0.75 h = 45 min, applied by ``--scale each`` to
each gate's own trucks. For M/M/c, W = Wq + 1/μ with Wq = C(c, λ/μ) / (cμ − λ) (Erlang C), so
the capacity is the λ solving Wq(λ) = 45 min − 1/μ, found below with ``brentq`` on
:func:`simulator.analysis.theory.mmc_wait`: about 55.4 trucks/day at ``a`` and 176.9 at ``b``.

Gate ``b`` is given 250 trucks/day today, more than its 216 trucks/day of service capacity: it
is overloaded when ``a`` is scaled, which must not stop ``a``'s answer; its own search halves
its demand until the target holds and must still find its analytic capacity.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from scipy.optimize import brentq

import simulator
from simulator.analysis.theory import mmc_wait
from simulator.cli.commands import main
from simulator.experiments.capacity import parse_target
from simulator.experiments.capacity_each import find_capacities, gate_target
from simulator.experiments.capacity_table import capacity_table, paired_ratio
from simulator.scenario.errors import ScenarioError

TWO_GATES = """\
name: {name}
run: {{start_date: 2024-01-01, days: 40, warmup_days: 3, replications: 10, seed: 12}}
cargo_classes: {{general: {{}}}}
gates:
  a:
    stages: {{server: {{servers: {servers_a}, service: {{dist: exponential, mean_min: 30}}}}}}
    flows: {{arrivals: {{direction: export, trucks_per_day: 40, class_mix: {{general: 1.0}}, route: [server]}}}}
  b:
    stages: {{server: {{servers: 3, service: {{dist: exponential, mean_min: 20}}}}}}
    flows: {{arrivals: {{direction: export, trucks_per_day: {demand_b}, class_mix: {{general: 1.0}}, route: [server]}}}}
"""
TARGET_H = 0.75


def analytic_capacity(servers: int, service_min: float, target_min: float = TARGET_H * 60) -> float:
    """Trucks/day at which the M/M/c mean time in system equals the target (Erlang C)."""
    top = servers / service_min * (1 - 1e-9)
    return 1440.0 * brentq(lambda lam: mmc_wait(lam, service_min, servers) + service_min - target_min, 1e-9, top)


def _write(tmp_path: Path, name: str, servers_a: int = 2, demand_b: float = 250) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(TWO_GATES.format(name=name, servers_a=servers_a, demand_b=demand_b), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, list]:
    tmp = tmp_path_factory.mktemp("each")
    scenarios = [simulator.load_scenario(_write(tmp, "base")), simulator.load_scenario(_write(tmp, "more", 3))]
    target = parse_target(f"time_in_system_h_mean<={TARGET_H}")
    return scenarios, find_capacities(scenarios, target, "each", tolerance=0.02)


@pytest.mark.slow
def test_each_gate_ci_covers_erlang_c(searched: tuple[list, list]) -> None:
    _, results = searched
    a, b = results[0]
    assert (a.scale, b.scale) == ("a", "b")
    for res, theory in ((a, analytic_capacity(2, 30)), (b, analytic_capacity(3, 20))):
        assert res.found, res.message
        low, high = res.capacity_ci
        assert low <= res.capacity_per_day <= high
        assert low <= theory <= high, (res.scale, theory, res.capacity_ci)
        assert high - low < 0.15 * theory  # an interval that says something
        assert res.bottleneck == f"{res.scale}.server"
    # b is overloaded at today's 250 trucks/day while a is scaled: a warning, not a failure of a.
    assert any(w.startswith("gate b is flagged overloaded") for w in a.warnings)
    assert b.multiplier < 1  # b's capacity lies below today's demand
    assert b.met_at_base is False


@pytest.mark.slow
def test_table_sums_independent_gates_and_pairs_the_proposal(searched: tuple[list, list]) -> None:
    scenarios, results = searched
    table = capacity_table(scenarios, results, "each")
    base = table[table.scenario == "base"].set_index("unit")
    more = table[table.scenario == "more"].set_index("unit")
    assert list(base.index) == ["a", "b", "province"]
    province = base.loc["province"]
    assert province.method == "sum of independent gates"
    assert province.capacity_per_day == pytest.approx(base.loc["a"].capacity_per_day + base.loc["b"].capacity_per_day)
    assert province.capacity_ci_low <= analytic_capacity(2, 30) + analytic_capacity(3, 20) <= province.capacity_ci_high
    # The proposal adds a third server at a: its ratio to the baseline is known in closed form too.
    ratio = analytic_capacity(3, 30) / analytic_capacity(2, 30)
    assert more.loc["a"].vs_baseline_ci_low <= ratio <= more.loc["a"].vs_baseline_ci_high, ratio
    assert more.loc["b"].vs_baseline == pytest.approx(1.0)  # b is unchanged: the same replications
    assert pd.isna(base.loc["a"].vs_baseline)


def test_paired_ratio_is_delta_method() -> None:
    x, y = [10.0, 12.0, 11.0, 13.0], [5.0, 6.5, 5.5, 6.0]
    r, lo, hi = paired_ratio(x, y)
    assert r == pytest.approx(46 / 23)
    assert lo < r < hi
    assert paired_ratio([2.0, 2.0], [1.0, 1.0]) == (2.0, 2.0, 2.0)  # no spread, no width
    assert all(v != v for v in paired_ratio([1.0], [1.0, 2.0]))  # unpaired: undefined


COUPLED = """\
name: coupled
run: {start_date: 2024-01-01, days: 8, warmup_days: 1, replications: 2, seed: 3}
cargo_classes: {general: {}}
gates:
  a:
    yards: {holding: {slots: 20}}
    stages: {server: {servers: 1, service: {dist: exponential, mean_min: 10}}}
    flows: {arrivals: {direction: export, trucks_per_day: 60, class_mix: {general: 1.0}, route: [holding, server]}}
    diversion: {to: b, share: 0.5}
  b:
    stages: {server: {servers: 1, service: {dist: exponential, mean_min: 10}}}
    flows: {arrivals: {direction: export, trucks_per_day: 60, class_mix: {general: 1.0}, route: [server]}}
"""


def test_coupled_gates_are_not_summed(tmp_path: Path) -> None:
    path = tmp_path / "coupled.yaml"
    path.write_text(COUPLED, encoding="utf-8")
    sc = simulator.load_scenario(path)
    results = find_capacities([sc], parse_target("time_in_system_h_mean<=5"), "each", tolerance=0.25)
    province = capacity_table([sc], results, "each").set_index("unit").loc["province"]
    assert province.method == "not summed" and "coupled by diversion (a → b)" in province.note
    assert province.capacity_per_day != province.capacity_per_day


def test_each_needs_a_target_without_scope() -> None:
    with pytest.raises(ScenarioError, match="--scale each applies the target to every gate"):
        gate_target(parse_target("gate:a:time_in_system_h_mean<=1"), "a")


@pytest.mark.slow
def test_cli_default_is_each_and_writes_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cap"
    args = ["capacity", str(_write(tmp_path, "cli", demand_b=150)), "--target", f"time_in_system_h_mean<={TARGET_H}"]
    options = ["--set", "run.days=20", "--set", "run.replications=3", "--tolerance", "0.1", "--out", str(out)]
    status = main([*args, *options])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    table = pd.read_csv(out / "capacity.csv")
    assert list(table.unit) == ["a", "b", "province"]
    assert list(table.method) == ["gate", "gate", "sum of independent gates"]
    saved = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    assert [r["scale"] for r in saved] == ["a", "b"]
    assert "scaled: each" in captured.out and "province: sum of independent gates" in captured.out


def test_cli_each_with_scoped_target_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = ["--target", "stage:a.server:wait_min_mean<=5", "--scale", "each"]
    args = ["capacity", str(_write(tmp_path, "bad")), *target]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--target" in err[0] and "--scale each" in err[0]
