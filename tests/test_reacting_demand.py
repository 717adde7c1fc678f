"""Demand that reacts to congestion (``gates.*.demand``): balking, reneging, suspension, bad input.

Each model is checked against a closed form or a hand argument written in its test, on fixed
seeds; the runs are a few simulated days of one small gate, so the file takes seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

import simulator
from simulator.cli.commands import main
from simulator.engine.model import simulate
from simulator.engine.output import RunOutput
from simulator.scenario.models import Scenario

from .conftest import SMALL


def _one_server(
    trucks_per_day: float, service: dict[str, object], demand: dict[str, object], days: int, warmup: int = 1
) -> Scenario:
    """One gate, one server, one class, flat Poisson arrivals, and a ``demand:`` block."""
    text = {
        "name": "one_server",
        "run": {"start_date": "2024-01-01", "days": days, "warmup_days": warmup, "seed": 151},
        "cargo_classes": {"general": {}, "fruit": {"perishable": True}},
        "gates": {
            "gate": {
                "stages": {"server": {"servers": 1, "service": service}},
                "flows": {
                    "arrivals": {
                        "direction": "export",
                        "trucks_per_day": trucks_per_day,
                        "class_mix": {"general": 1.0},
                        "route": ["server"],
                    }
                },
                **({"demand": demand} if demand else {}),
            }
        },
    }
    return simulator.load_scenario(text)


def _ci(values: np.ndarray) -> tuple[float, float]:
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return float(values.mean() - half), float(values.mean() + half)


def test_balking_threshold_keeps_an_overloaded_queue_stable() -> None:
    """A server needing 30 min a truck (2/h) faces 10 trucks/h (rho = 5); trucks are not sent once K = 6
    are in the system (balking probability 0 below 6, 1 from 6 on).

    Hand argument: the system is then an M/D/1/K queue that is almost always full. After each
    departure it holds K - 1 trucks until the next arrival, which takes Exp(lambda) minutes, mean
    1/lambda = 6 min, and comes before the next departure (30 min later) with probability
    1 - e^-5 = 0.993. So the server never idles, throughput is 48 trucks/day, and the mean number in
    the system is K - E[min(Exp(lambda), 30)] / 30 = K - 0.2 (1 - e^-5) = 5.801, up to terms of
    order e^-5 * 0.2 < 0.002 (two departures before one arrival). Trucks balked: 240 - 48 = 192 a day.
    Without the balking rule the same queue is flagged unstable.
    """
    k = 6
    demand = {"balking": [{"measure": "in_system", "points": [[0, 0.0], [k - 1, 0.0], [k, 1.0]]}]}
    service = {"dist": "deterministic", "value_min": 30.0}
    res = simulator.run(_one_server(240.0, service, demand, days=8), replications=3, seed=5, jobs=1)
    assert not res.unstable
    in_system = res.kpi("in_system_mean")
    predicted = k - 0.2 * (1 - np.exp(-5.0))
    assert in_system["ci_low"] - 0.005 <= predicted <= in_system["ci_high"] + 0.005, in_system
    assert abs(in_system["mean"] - predicted) < 0.03
    assert res.kpi("throughput_per_day")["mean"] == pytest.approx(48.0, abs=0.2)
    balked = res.kpi("balked_trucks")["mean"] / 7  # 7 measured days
    assert balked == pytest.approx(192.0, rel=0.03)
    assert res.kpi("lost_trucks")["mean"] == res.kpi("balked_trucks")["mean"]  # none deferred
    assert res.kpi("in_system_end")["mean"] <= k
    plain = simulator.run(_one_server(240.0, service, {}, days=8), replications=2, seed=5, jobs=1)
    assert plain.unstable


def _palm_abandonment(lam: float, mu: float, theta: float, n_max: int = 400) -> float:
    """Share of arrivals that abandon an M/M/1+M queue (Palm; Erlang-A with one server).

    Birth-death chain: births ``lam``; deaths ``mu + (n - 1) theta`` in state ``n >= 1`` (one in
    service, ``n - 1`` waiting, each leaving at rate ``theta``). The share abandoning is the
    abandonment flow over the arrival flow: ``sum_n pi_n (n - 1) theta / lam``.
    """
    n = np.arange(1, n_max + 1)
    log_terms = np.cumsum(np.log(lam) - np.log(mu + (n - 1) * theta))
    p = np.exp(np.concatenate(([0.0], log_terms)))
    p /= p.sum()
    return float(np.sum(p[1:] * (n - 1) * theta) / lam)


def test_reneging_matches_palm_mm1_plus_m() -> None:
    """M/M/1+M: lambda = 6/h, mean service 12 min (rho = 1.2), exponential patience of mean 30 min,
    counted from arrival and only while waiting (never in service). The share of arrivals that
    renege agrees with Palm's formula inside the replications' 95% CI."""
    lam, mean_service, mean_patience = 0.1, 12.0, 30.0
    demand = {"patience": {"general": {"dist": "exponential", "mean_min": mean_patience}}}
    service = {"dist": "exponential", "mean_min": mean_service}
    days, warmup = 12, 1
    res = simulator.run(_one_server(lam * 1440, service, demand, days, warmup), replications=4, seed=9, jobs=1)
    reps = res.replications[(res.replications.scope == "all")].pivot(index="replication", columns="kpi")["value"]
    share = (reps["reneged_trucks"] / (reps["arrived_per_day"] * (days - warmup))).to_numpy()
    expected = _palm_abandonment(lam, 1 / mean_service, 1 / mean_patience)
    low, high = _ci(share)
    assert low <= expected <= high, (low, expected, high)
    assert high - low < 0.04  # the check has power
    assert not res.unstable


def _suspension_run(action: str) -> tuple[RunOutput, int, int]:
    suspend_at, resume_at = 12, 4
    demand = {"suspension": [{"suspend_at": suspend_at, "resume_at": resume_at, "action": action}]}
    service = {"dist": "deterministic", "value_min": 20.0}
    out = simulate(_one_server(144.0, service, demand, days=3), 0, 3)  # rho = 2: it suspends again and again
    return out, suspend_at, resume_at


@pytest.mark.parametrize("action", ["refuse", "hold"])
def test_suspension_starts_and_ends_exactly_at_the_thresholds(action: str) -> None:
    """Trucks in the system, counted from the log at each suspension start and end, equal the thresholds.

    A suspension starts with the arrival that brings the count to ``suspend_at`` and ends with the
    exit that brings it down to ``resume_at``; in between no truck arrives (``refuse``: the due ones
    are lost), and with ``hold`` the held trucks all arrive the moment it ends.
    """
    out, suspend_at, resume_at = _suspension_run(action)
    d = out.demand
    on, t = d["suspend_on"].astype(bool), d["suspend_t"]
    starts, ends = t[on], t[~on]
    assert len(starts) >= 3 and len(ends) >= len(starts) - 1
    assert np.all(on[::2]) and not np.any(on[1::2])  # start, end, start, ...
    arrive, leave = out.t_arrive, out.t_exit

    def count(at: float, strict_arrivals: bool = False) -> int:
        arrived = np.sum(arrive < at) if strict_arrivals else np.sum(arrive <= at)
        return int(arrived - np.sum(leave <= at))

    assert [count(s) for s in starts] == [suspend_at] * len(starts)
    assert [count(e, strict_arrivals=True) for e in ends] == [resume_at] * len(ends)
    for s, e in zip(starts, ends, strict=False):
        assert not np.any((arrive > s) & (arrive < e))
    what = d["demand_what"]
    if action == "refuse":
        assert np.all(what == 2) and len(what) > 0  # lost
    else:
        assert np.all(what == 1) and len(what) > 0  # held (each truck counted once), then sent
        released = [int(np.sum(arrive == e)) for e in ends]
        assert min(released) >= 1 and sum(released) <= len(what)
        assert all(count(e) <= suspend_at for e in ends)  # a release stops where a new suspension starts


def _case(tmp_path: Path, block: str) -> Path:
    path = tmp_path / "demand.yaml"
    path.write_text(SMALL + "    demand:\n" + block, encoding="utf-8")
    return path


BAD = [
    (
        "resume_not_below_suspend",
        "      suspension:\n        - {suspend_at: 5, resume_at: 5}\n",
        ":29: gates.huu_nghi.demand.suspension.0.resume_at: must be < suspend_at (5), got 5",
    ),
    (
        "probability_above_one",
        "      balking:\n        - points: [[0, 0.0], [50, 1.5]]\n",
        ":29: gates.huu_nghi.demand.balking.0.points.1.1: must be a number <= 1, got 1.5",
    ),
    (
        "deferred_share_negative",
        "      balking:\n        - points: [[0, 0.5]]\n          deferred_share: -0.1\n",
        ":30: gates.huu_nghi.demand.balking.0.deferred_share: must be a number >= 0, got -0.1",
    ),
    (
        "patience_unknown_class",
        "      patience:\n        rice: {dist: exponential, mean_min: 60}\n",
        ":29: gates.huu_nghi.demand.patience.rice: unknown cargo class 'rice' (known: fruit, general)",
    ),
]


@pytest.mark.parametrize(("block", "expected"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_demand_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], block: str, expected: str) -> None:
    path = _case(tmp_path, block)
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["gates"]["huu_nghi"]["demand"]
    status = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0] == f"error: {path}{expected}", lines


def test_streamed_figures_and_log_equal_the_whole_record() -> None:
    """With every part on, the KPIs reduced as the run goes equal those of the replayed record, and the
    streamed event log equals the collected one: a reneged row has an end and no start."""
    from simulator.analysis.kpis import replication_kpis
    from simulator.experiments.eventlog_frame import event_log_frame

    sc = simulator.load_scenario(
        Path(__file__).resolve().parents[1] / "scenarios" / "examples" / "reacting_demand.yaml",
        overrides=["run.days=5", "run.warmup_days=1"],
    )
    res = simulator.run(sc, replications=1, seed=4, jobs=1, event_log="first")
    out = simulate(sc, 0, 4)
    streamed = res.replications.set_index(["scope", "key", "kpi"])["value"]
    replayed = replication_kpis(out).set_index(["scope", "key", "kpi"])["value"]
    assert streamed.index.equals(replayed.index)
    np.testing.assert_allclose(streamed.to_numpy(), replayed.to_numpy(), rtol=1e-12, equal_nan=True)
    log, whole = res.trucks, event_log_frame(out)
    assert len(log) == len(whole)
    np.testing.assert_array_equal(log["t_start_min"].to_numpy(), whole["t_start_min"].to_numpy())
    reneged = out.demand["renege_row"].astype(np.int64)
    assert len(reneged) > 0 and np.isnan(whole["t_start_min"].to_numpy()[reneged]).all()
    assert (whole["t_end_min"].to_numpy()[reneged] == out.demand["renege_t"]).all()
    for kpi in ("balked_trucks", "deferred_trucks", "lost_trucks", "reneged_trucks"):
        assert res.kpi(kpi)["mean"] > 0, kpi
