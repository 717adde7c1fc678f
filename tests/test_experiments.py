"""The experiment layer end to end: sweep, capacity, overload detection, sensitivity, bad input.

Capacity against theory (M/M/3, ``scenarios/examples/mmc.yaml``: exponential service with mean
30 min). The largest arrival rate whose steady-state mean wait is at most 20 min solves
``mmc_wait(lambda, 30, 3) = 20``: lambda* = 0.073083 trucks/min = 105.239 trucks/day, i.e. demand
x0.8598 of the file's 122.4 trucks/day (rho = 0.731). Design: 30 days, 3 warm-up days (the
relaxation time at rho = 0.73 is a few hours), 10 replications, tolerance 0.05, seed 4. The search
evaluates 6 multipliers (1, 0.5, 0.75, 0.875, 0.8125, 0.84375) and brackets [0.84375, 0.875].

Offline check of this design with seeds 1-20: the CI contained lambda* for 19 of 20 seeds (seed 11
missed: 108.51, CI 105.99-111.04), relative half-widths 1.9-5.1%. Seed 4 gives 105.03 trucks/day,
CI 102.74-107.32 (half-width 2.2%). The same seeds at 50 days / 5 warm-up / tolerance 0.02 gave
18 of 20. The mean wait itself at lambda* is unbiased at these horizons (200 replications of 30
days, seed 7: 20.14 min, CI 19.56-20.72). The capacity estimates average 105.99 over the 20
seeds (s.d. 1.33), about 0.7% above lambda*: the per-replication crossings are linear
inter/extrapolations from the two bracket ends, and a linear extrapolation of a convex wait curve
overshoots its root. The bias is a quarter of the typical half-width, so coverage stays near the
nominal level; it is reported to the engine's maintainers rather than hidden by a looser bound.

Overload (M/M/1, mean service 10 min, so mu = 144 trucks/day): at 150 trucks/day the number in
system grows at lambda - mu = 6 trucks/day once the server is always busy. After 15 warm-up days the
backlog is ~114 trucks (s.d. of the free random walk ~66), so a return to an idle server, which
would slow the growth, has probability ~exp(-2*6*114/294) = 1%. Over 45 days and 10 replications
the growth CI contained 6 for 19 of seeds 1-20 (all flagged unstable); at rho = 0.85 and 0.5 none
of the 20 seeds was flagged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.optimize import brentq

import simulator
from simulator.analysis.kpis import STAGE_KPIS, TRUCK_KPIS
from simulator.analysis.stats import stability, summarise
from simulator.analysis.theory import mmc_wait
from simulator.cli.commands import main
from simulator.experiments.capacity import parse_target
from simulator.experiments.studies import Param, design_points, parse_param
from simulator.scenario.errors import ScenarioError

from .conftest import SCENARIOS

MM1 = SCENARIOS / "examples" / "mm1.yaml"
MMC = SCENARIOS / "examples" / "mmc.yaml"
REFERENCE = SCENARIOS / "examples" / "reference_network.yaml"
TPD = "gates.gate.flows.arrivals.trucks_per_day"
SERVERS = "gates.gate.stages.server.servers"
SHORT = ["--days", "6", "--set", "run.warmup_days=1", "--replications", "3", "--seed", "5"]


def _cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps at 80 columns when not on a terminal; long paths would then break messages."""
    monkeypatch.setenv("COLUMNS", "400")


# --------------------------------------------------------------------------------------------- sweep


def test_sweep_grid_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sweep"
    status, stdout, err = _cli(
        capsys, "sweep", MM1, "--param", f"{SERVERS}=1,2", "--param", f"{TPD}=60,90,120", *SHORT, "--out", out
    )
    assert status == 0, err
    assert "sweep (6 points)" in _one_line(stdout)
    table = pd.read_csv(out / "sweep.csv")
    summary = pd.read_csv(out / "sweep_summary.csv")

    # Tidy: point x replication x KPI rows, the parameter columns first.
    assert list(table.columns) == ["point", SERVERS, TPD, "replication", "scope", "key", "kpi", "value"]
    expected_kpis = {
        (scope, key, kpi)
        for scope, key in [("all", "all"), ("gate", "gate"), ("direction", "export"), ("class", "general")]
        for kpi in TRUCK_KPIS
    } | {("stage", "gate.server", kpi) for kpi in STAGE_KPIS}
    assert len(table) == 2 * 3 * 3 * len(expected_kpis)
    for (point, rep), group in table.groupby(["point", "replication"]):
        assert set(zip(group.scope, group.key, group.kpi)) == expected_kpis, (point, rep)
        assert len(group) == len(expected_kpis)
    assert sorted(table.point.unique()) == list(range(6))
    assert sorted(table.replication.unique()) == [0, 1, 2]

    # The grid crosses the values: every combination exactly once, constant within a point.
    combos = table.groupby("point")[[SERVERS, TPD]].agg(["min", "max"])
    assert (combos[(SERVERS, "min")] == combos[(SERVERS, "max")]).all()
    assert (combos[(TPD, "min")] == combos[(TPD, "max")]).all()
    assert sorted(zip(combos[(SERVERS, "min")], combos[(TPD, "min")])) == [
        (s, t) for s in (1, 2) for t in (60, 90, 120)
    ]

    # The summary: one row per point and KPI, mean and 95% t-interval over the replications.
    assert list(summary.columns) == [
        "point",
        SERVERS,
        TPD,
        *["scope", "key", "kpi", "n", "mean", "sd", "ci_low", "ci_high", "half_width"],
    ]
    assert len(summary) == 6 * len(expected_kpis)
    grouped = table.groupby(["point", "scope", "key", "kpi"])["value"]
    check = summary.set_index(["point", "scope", "key", "kpi"])
    means, sds, counts = grouped.mean(), grouped.std(ddof=1), grouped.count()
    finite = check.index[check["n"] >= 2]
    assert len(finite) > 0.9 * len(check)
    np.testing.assert_allclose(check.loc[finite, "mean"], means.loc[finite], rtol=1e-12)
    np.testing.assert_array_equal(check.loc[finite, "n"], counts.loc[finite])
    half = sps.t.ppf(0.975, counts.loc[finite] - 1) * sds.loc[finite] / np.sqrt(counts.loc[finite])
    np.testing.assert_allclose(check.loc[finite, "ci_high"], means.loc[finite] + half, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(check.loc[finite, "ci_low"], means.loc[finite] - half, rtol=1e-10, atol=1e-12)

    # The swept values took effect, and points share common random numbers: the arrivals do not
    # depend on the number of servers, replication by replication.
    arrived = table[(table.scope == "all") & (table.kpi == "arrived_per_day")]
    for tpd in (60, 90, 120):
        one = arrived[(arrived[TPD] == tpd) & (arrived[SERVERS] == 1)].sort_values("replication")
        two = arrived[(arrived[TPD] == tpd) & (arrived[SERVERS] == 2)].sort_values("replication")
        np.testing.assert_array_equal(one.value.to_numpy(), two.value.to_numpy())
    util = summary[(summary.kpi == "utilisation")].set_index([SERVERS, TPD])["mean"]
    for tpd in (60, 90, 120):
        assert util.loc[(2, tpd)] < 0.75 * util.loc[(1, tpd)]
    arrivals_mean = summary[(summary.scope == "all") & (summary.kpi == "arrived_per_day") & (summary[SERVERS] == 1)]
    assert arrivals_mean.sort_values(TPD)["mean"].is_monotonic_increasing


def test_grid_sizes_multiply() -> None:
    params = [parse_param("a.b=1,2"), parse_param("c=x,y,z"), parse_param("d.e=0.5:1.5"), parse_param("f=1,2,3,4")]
    points = design_points(params, "grid")
    assert len(points) == 2 * 3 * 2 * 4
    assert len({tuple(p.values()) for p in points}) == len(points)
    assert {p["d.e"] for p in points} == {0.5, 1.5}  # a range contributes its two ends to a grid
    assert {p["c"] for p in points} == {"x", "y", "z"}
    assert all(list(p) == ["a.b", "c", "d.e", "f"] for p in points)


def test_sweep_lhs_end_to_end_is_reproducible(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "sweep",
        MM1,
        "--design",
        "lhs",
        "--samples",
        "5",
        "--param",
        f"{TPD}=60.0:120.0",
        "--param",
        f"{SERVERS}=1:3",
    ]
    status, _, err = _cli(capsys, *args, *SHORT, "--out", tmp_path / "a", "--quiet")
    assert status == 0, err
    summary = pd.read_csv(tmp_path / "a" / "sweep_summary.csv")
    points = summary.groupby("point")[[TPD, SERVERS]].first()
    assert len(points) == 5
    assert points[TPD].between(60, 120).all()
    assert set(points[SERVERS]) <= {1, 2, 3}
    assert not np.array_equal(points[TPD], np.round(points[TPD]))  # a float range stays continuous
    assert pd.api.types.is_integer_dtype(points[SERVERS])
    # Latin hypercube: each fifth of the trucks_per_day range holds exactly one point.
    strata = np.floor((points[TPD].to_numpy() - 60) / 12).astype(int)
    assert sorted(strata) == [0, 1, 2, 3, 4]
    assert (pd.read_csv(tmp_path / "a" / "sweep.csv").groupby("point").replication.nunique() == 3).all()

    # Same seed: the same design and identical files (run again without the cache).
    status, _, err = _cli(capsys, *args, *SHORT, "--out", tmp_path / "b", "--quiet", "--no-cache")
    assert status == 0, err
    for name in ("sweep.csv", "sweep_summary.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name

    params = [parse_param(f"{TPD}=60.0:120.0"), parse_param(f"{SERVERS}=1:3")]
    assert design_points(params, "lhs", 5, seed=5) == design_points(params, "lhs", 5, seed=5)
    assert design_points(params, "lhs", 5, seed=5) != design_points(params, "lhs", 5, seed=6)
    assert points.reset_index(drop=True).to_dict("records") == design_points(params, "lhs", 5, seed=5)


def test_parse_param_forms() -> None:
    assert parse_param("a.b=1, 2.5 ,x") == Param("a.b", (1, 2.5, "x"))
    ranged = parse_param("a.b=2:8")
    assert (ranged.low, ranged.high, ranged.integer) == (2.0, 8.0, True)
    assert parse_param("a.b=0.5:2").integer is False
    for bad in ("a.b", "a.b=", "=1,2", "a.b=,", "a.b=3:1", "a.b=x:y"):
        with pytest.raises(ScenarioError):
            parse_param(bad)


# ------------------------------------------------------------------------------------------ capacity

TWO_STAGES = """\
name: {name}
run: {{start_date: 2024-01-01, days: 8, warmup_days: 1, replications: 4, seed: 11}}
cargo_classes: {{general: {{}}}}
gates:
  gate:
    stages:
      entry: {{servers: 2, service: {{dist: exponential, mean_min: 10}}}}
      customs: {{servers: {customs}, service: {{dist: exponential, mean_min: 12}}}}
    flows:
      arrivals: {{direction: export, trucks_per_day: 80, class_mix: {{general: 1.0}}, route: [entry, customs]}}
"""


def test_capacity_end_to_end_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Baseline: customs (1 server, 12 min) saturates at 120 trucks/day, before entry (2 x 10 min: 288/day).
    # Proposal: 3 customs servers (360/day), so entry becomes the bottleneck.
    base = tmp_path / "baseline.yaml"
    base.write_text(TWO_STAGES.format(name="baseline", customs=1), encoding="utf-8")
    prop = tmp_path / "proposal.yaml"
    prop.write_text(TWO_STAGES.format(name="proposal", customs=3), encoding="utf-8")
    out = tmp_path / "cap"
    status, stdout, err = _cli(
        capsys, "capacity", base, prop, "--target", "time_in_system_h_mean<=1", "--tolerance", "0.1", "--out", out
    )
    assert status == 0, err
    text = _one_line(stdout)
    assert "baseline" in text and "proposal" in text and "Capacity at time_in_system_h_mean<=1" in text
    results = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    assert [r["scenario"] for r in results] == ["baseline", "proposal"]
    for r in results:
        lo, hi = r["bracket"]
        # --scale each (the default) searches the one gate with the target applied to its trucks
        assert r["target"] == "gate:gate:time_in_system_h_mean<=1" and r["scale"] == "gate"
        assert r["base_demand_per_day"] == 80 and r["met_at_base"] is True
        assert lo < hi and (hi - lo) / lo <= 0.1
        assert r["capacity_per_day"] == pytest.approx(80 * r["multiplier"], rel=1e-12)
        assert r["capacity_ci"][0] < r["capacity_per_day"] < r["capacity_ci"][1]
        evaluations = {e["multiplier"]: e for e in r["evaluations"]}
        assert evaluations[lo]["meets"] is True and evaluations[lo]["kpi"]["mean"] <= 1
        assert evaluations[hi]["meets"] is False
        assert r["kpi_at_capacity"]["mean"] <= 1
        assert 1.0 in evaluations and evaluations[1.0]["meets"] is True
    baseline, proposal = results
    assert baseline["bottleneck"] == "gate.customs"
    assert proposal["bottleneck"] == "gate.entry"
    assert baseline["capacity_ci"][1] < 120  # below the customs stability limit
    assert proposal["capacity_ci"][1] < 288  # below the entry stability limit
    assert proposal["capacity_ci"][0] > baseline["capacity_ci"][1]


def _mmc_capacity_per_day(wait_min: float) -> float:
    """Largest arrival rate (trucks/day) of M/M/3 with 30-min service whose mean wait is <= wait_min."""
    return brentq(lambda lam: mmc_wait(lam, 30.0, 3) - wait_min, 1e-9, 0.1 - 1e-12) * 1440.0


def test_capacity_of_mmc_matches_erlang_c(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    theory = _mmc_capacity_per_day(20.0)
    assert theory == pytest.approx(105.239, abs=1e-3)
    out = tmp_path / "cap"
    status, _, err = _cli(
        capsys,
        "capacity",
        MMC,
        "--target",
        "stage:gate.server:wait_min_mean<=20",
        "--days",
        "30",
        "--set",
        "run.warmup_days=3",
        "--replications",
        "10",
        "--seed",
        "4",
        "--tolerance",
        "0.05",
        "--out",
        out,
        "--quiet",
    )
    assert status == 0, err
    (result,) = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    low, high = result["capacity_ci"]
    assert low <= theory <= high, (result["capacity_per_day"], low, high, theory)
    assert (high - low) / 2 / result["capacity_per_day"] < 0.10
    assert result["bottleneck"] == "gate.server"
    assert result["target"] == "stage:gate.server:wait_min_mean<=20"
    lo, hi = result["bracket"]
    assert (hi - lo) / lo <= 0.05
    assert result["base_demand_per_day"] == pytest.approx(122.4)
    assert result["met_at_base"] is False  # 48.7 min at the file's demand


def test_parse_target_forms() -> None:
    t = parse_target("stage:gate.server:wait_min_mean <= 20")
    assert (t.scope, t.key, t.kpi, t.op, t.value) == ("stage", "gate.server", "wait_min_mean", "<=", 20.0)
    assert t.met(20.0) and not t.met(20.5) and not t.met(float("nan"))
    t = parse_target("throughput_per_day>=1e3")
    assert (t.scope, t.key, t.op, t.value) == ("all", "all", ">=", 1000.0)
    assert t.met(1000.0) and not t.met(999.0)
    for bad in ("wait<=3", "stage:x:time_in_system_h_p95<=1", "time_in_system_h_p95=<6", "<=6", "queue_max<=1e"):
        with pytest.raises(ScenarioError):
            parse_target(bad)


# ------------------------------------------------------------------------------------------ overload


def _mm1(tpd: float) -> simulator.Scenario:
    return simulator.load_scenario(MM1, [f"{TPD}={tpd}", "run.days=60", "run.warmup_days=15", "run.replications=10"])


def test_overload_is_flagged_with_its_growth_rate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = simulator.run(_mm1(150), seed=2, event_log="none")
    assert res.unstable is True
    row = res.stability.set_index("scope").loc["all"]
    assert row.growth_ci_low <= 150 - 144 <= row.growth_ci_high, row
    assert json.loads(res.files()["summary.json"])["unstable"] is True

    out = tmp_path / "run"
    status, stdout, err = _cli(
        capsys,
        MM1,
        "--set",
        f"{TPD}=150",
        "--days",
        "60",
        "--set",
        "run.warmup_days=15",
        "--replications",
        "10",
        "--seed",
        "2",
        "--event-log",
        "none",
        "--out",
        out,
    )
    assert status == 0, err
    assert "UNSTABLE: the backlog of the whole system grows" in _one_line(stdout)
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert doc["unstable"] is True and doc["stability"]["all"]["unstable"] is True
    growth = doc["stability"]["all"]["backlog_growth_per_day"]
    assert growth["ci_low"] <= 6 <= growth["ci_high"]
    assert growth["mean"] == pytest.approx(row.growth_mean, rel=1e-12)


@pytest.mark.parametrize(
    ("path", "overrides"),
    [
        (MM1, [f"{TPD}=122.4", "run.days=60", "run.warmup_days=15", "run.replications=10"]),  # rho 0.85
        (MM1, [f"{TPD}=72", "run.days=60", "run.warmup_days=15", "run.replications=10"]),  # rho 0.5
        (REFERENCE, ["run.days=14", "run.warmup_days=1"]),  # one replication: point estimate vs threshold
    ],
    ids=["mm1_rho085", "mm1_rho050", "reference_network"],
)
def test_stable_systems_are_not_flagged(path: Path, overrides: list[str]) -> None:
    res = simulator.run(simulator.load_scenario(path, overrides), seed=2, event_log="none")
    assert res.unstable is False
    assert not res.stability.unstable.any()
    assert set(res.stability.scope) == {"all", "gate", "direction", "class"}
    doc = json.loads(res.files()["summary.json"])
    assert doc["unstable"] is False and doc["stability"]["all"]["unstable"] is False


def test_stability_rule() -> None:
    def summary(growth: list[float], arrived: float) -> pd.DataFrame:
        values = pd.DataFrame(
            {
                "replication": list(range(len(growth))) * 2,
                "scope": "all",
                "key": "all",
                "kpi": ["backlog_growth_per_day"] * len(growth) + ["arrived_per_day"] * len(growth),
                "value": growth + [arrived] * len(growth),
            }
        )
        return summarise(values)

    # Significant and large (growth over 50 days > 10% of a day's 100 arrivals): unstable.
    assert stability(summary([1.0, 1.2, 0.9, 1.1], 100.0), 50).unstable.iloc[0]
    # Significant but negligible (0.05/day x 50 days = 2.5 trucks < 10): stable.
    assert not stability(summary([0.05, 0.06, 0.04, 0.05], 100.0), 50).unstable.iloc[0]
    # Large but not significant: stable.
    assert not stability(summary([5.0, -4.0, 6.0, -5.0], 100.0), 50).unstable.iloc[0]
    # One replication: no CI, so a large growth is inconclusive (never "unstable"); a small one is stable.
    one = stability(summary([1.0], 100.0), 50).iloc[0]
    assert (one.status, one.reason_code, bool(one.unstable)) == ("inconclusive", "one_replication", False)
    assert "one replication" in one.reason
    assert stability(summary([0.1], 100.0), 50).status.iloc[0] == "stable"
    # No growth measured (the window is shorter than two whole periods): inconclusive, with the numbers.
    short = stability(summary([float("nan")] * 4, 100.0), 10, period_days=7).iloc[0]
    assert (short.status, short.reason_code) == ("inconclusive", "short_window")
    assert short.reason == "the measured window (10 days) is shorter than 2 whole periods of the calendar (14 days)"
    # A dated event in the later half of the window: a significant growth is not called overload ...
    late = [("closure 'Tết' (2024-02-08 to 2024-02-14)", ())]
    row = stability(summary([1.0, 1.2, 0.9, 1.1], 100.0), 50, late_events=late).iloc[0]
    assert (row.status, row.event) == ("inconclusive", late[0][0]) and "later half" in row.reason
    # ... and one at another gate leaves a gate's verdict alone.
    gate = summary([1.0, 1.2, 0.9, 1.1], 100.0).assign(scope="gate", key="a")
    other = [("disruption (2024-02-08 to 2024-02-09)", ("b",))]
    assert stability(gate, 50, late_events=other).status.iloc[0] == "unstable"


# --------------------------------------------------------------------------------------- sensitivity

SENS = """\
name: sens
run: {start_date: 2024-01-01, days: 12, warmup_days: 2, replications: 4, seed: 5}
cargo_classes: {general: {}}
gates:
  gate:
    stages:
      entry: {servers: 5, service: {dist: exponential, mean_min: 2}}
      customs: {servers: 5, service: {dist: exponential, mean_min: 50}}
    flows:
      arrivals: {direction: export, trucks_per_day: 100, class_mix: {general: 1.0}, route: [entry, customs]}
"""


def test_sensitivity_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # customs: 3.5 erlangs on 5 servers (rho 0.69; 0.87 with 4, 0.58 with 6): the bottleneck.
    # entry: 0.14 erlangs on 5 servers: one server more or less changes nothing.
    path = tmp_path / "sens.yaml"
    path.write_text(SENS, encoding="utf-8")
    out = tmp_path / "sens"
    params = [
        "gates.gate.stages.entry.servers",
        "gates.gate.stages.customs.servers",
        "gates.gate.stages.entry.service.mean_min",
    ]
    status, stdout, err = _cli(
        capsys,
        "sensitivity",
        path,
        *[arg for p in params for arg in ("--param", p)],
        "--change",
        "0.2",
        "--kpi",
        "time_in_system_h_mean",
        "--out",
        out,
    )
    assert status == 0, err
    assert "time_in_system_h_mean at -/+20%" in _one_line(stdout)
    table = pd.read_csv(out / "sensitivity.csv")
    assert len(table) == 3 and set(table.parameter) == set(params)
    assert (np.diff(table.swing.to_numpy()) <= 0).all()  # tornado order
    assert table.parameter.iloc[0] == "gates.gate.stages.customs.servers"
    rows = table.set_index("parameter")
    customs, entry = rows.loc["gates.gate.stages.customs.servers"], rows.loc["gates.gate.stages.entry.servers"]
    assert (customs.base_value, customs.low_value, customs.high_value) == (5, 4, 6)
    assert customs.low_mean > customs.base_mean > customs.high_mean  # fewer servers, longer times
    assert customs.swing > 10 * entry.swing
    assert customs.swing == pytest.approx(abs(customs.high_mean - customs.low_mean), rel=1e-12)
    mean_min = rows.loc["gates.gate.stages.entry.service.mean_min"]
    assert (mean_min.low_value, mean_min.high_value) == pytest.approx((1.6, 2.4))
    assert table.base_mean.nunique() == 1 and (table.kpi == "time_in_system_h_mean").all()


# ----------------------------------------------------------------------------------------- bad input

BAD_INPUT = [
    ("unknown_path", ["sweep", MM1, "--param", "gates.gate.stages.nope.servers=1,2"], "no key 'nope'"),
    ("wrong_type", ["sweep", MM1, "--param", f"{SERVERS}=two,three"], "must be an integer, got 'two'"),
    ("not_whole", ["sweep", MM1, "--param", f"{SERVERS}=1.5"], "must be a whole number"),
    ("empty_values", ["sweep", MM1, "--param", f"{SERVERS}="], "must not be empty"),
    ("no_values", ["sweep", MM1, "--param", f"{SERVERS}=,"], "no values to sweep"),
    ("no_param", ["sweep", MM1], "--param"),
    ("bad_range", ["sweep", MM1, "--param", f"{SERVERS}=a:b"], "low:high"),
    ("lhs_no_samples", ["sweep", MM1, "--design", "lhs", "--param", f"{TPD}=60:120"], "--samples"),
    ("unknown_kpi", ["capacity", MM1, "--target", "wait_forever<=3"], "unknown KPI 'wait_forever'"),
    (
        "kpi_wrong_scope",
        ["capacity", MM1, "--target", "stage:gate.server:time_in_system_h_p95<=3"],
        "unknown KPI 'time_in_system_h_p95' for scope stage",
    ),
    ("unknown_key", ["capacity", MM1, "--target", "stage:gate.nope:wait_min_mean<=3"], "gate.nope"),
    ("malformed_op", ["capacity", MM1, "--target", "time_in_system_h_p95=<6"], "expected [SCOPE:KEY:]KPI OP VALUE"),
    ("malformed_value", ["capacity", MM1, "--target", "time_in_system_h_p95<=six"], "expected [SCOPE:KEY:]KPI"),
    ("malformed_number", ["capacity", MM1, "--target", "time_in_system_h_p95<=1e"], "'1e' is not a number"),
    ("unknown_scale", ["capacity", MM1, "--target", "queue_max<=9", "--scale", "nope"], "no such gate or flow"),
    ("sensitivity_not_number", ["sensitivity", MM1, "--param", "name"], "must name a number"),
    ("sensitivity_path", ["sensitivity", MM1, "--param", "gates.gate.nope"], "no key 'nope'"),
    ("sensitivity_kpi", ["sensitivity", MM1, "--param", TPD, "--kpi", "wait"], "unknown KPI 'wait'"),
]


@pytest.mark.parametrize(("args", "expected"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
def test_bad_input_exits_2_with_a_message(
    args: list[object], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = ["--days", "3", "--set", "run.warmup_days=1", "--replications", "2", "--out", tmp_path / "o"]
    status, _, err = _cli(capsys, *args, *short)
    assert status == 2, err
    assert expected in _one_line(err), err
    assert "Traceback" not in err
    assert all(line.startswith("error: ") for line in err.splitlines() if line.strip()), err
    assert not (tmp_path / "o" / "sweep.csv").exists() and not (tmp_path / "o" / "capacity.json").exists()


def test_unwritable_cache_dir_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    for command in (["sweep", MM1, "--param", f"{SERVERS}=1,2"], [MM1]):
        status, _, err = _cli(
            capsys, *command, "--days", "3", "--set", "run.warmup_days=1", "--cache-dir", blocker / "cache"
        )
        assert status == 2, err
        assert re.search(r"^error: --cache-dir: .*a-file/cache.* is not writable", err, flags=re.M), err
        assert "--no-cache" in err and "Traceback" not in err
