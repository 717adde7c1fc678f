"""Common random numbers: a change to one stage leaves every other random quantity of every truck alone.

Streams are keyed by name (gate, flow, stage), and each truck's class, visit decisions and service times
are drawn when the run is set up, indexed by its position in its flow. So two runs of scenarios that
differ in one stage must agree exactly on arrivals, classes, visit decisions and the service durations
at every other stage, whatever the change does to the queues.

Durations are compared as ``t_end - t_start``. When the start time moves, that difference can change in
the last bit (``(s + d) - s`` need not equal ``d``), so they are compared to 1e-9 minutes: about 1000
ulps at these times and 1e-9 of a typical draw, so an unrelated draw could never pass.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

import simulator
from simulator import RunOutput

DUR_ATOL = 1e-9


def base_dict() -> dict[str, Any]:
    """1 gate, 3 stages, 2 flows, 2 classes; 'inspect' is visited with probability < 1 (by class too)."""
    return {
        "name": "crn",
        "run": {"start_date": "2024-03-04", "days": 12, "warmup_days": 1, "replications": 1, "seed": 4242},
        "cargo_classes": {"fruit": {"perishable": True}, "general": {}},
        "gates": {
            "huu_nghi": {
                "stages": {
                    "entry": {"servers": 2, "service": {"dist": "uniform", "low_min": 2, "high_min": 9}},
                    "inspect": {
                        "servers": 2,
                        "service": {"dist": "exponential", "mean_min": 25},
                        "service_by_class": {"fruit": {"dist": "lognormal", "mean_min": 15, "sd_min": 12}},
                        "visit_probability": 0.6,
                        "visit_probability_by_class": {"fruit": 0.3},
                        "hours": ["07:00-21:00"],
                    },
                    "release": {"servers": 3, "service": {"dist": "gamma", "mean_min": 12, "cv": 0.7}},
                },
                "flows": {
                    "export": {
                        "direction": "export",
                        "trucks_per_day": 70,
                        "hourly_profile": [1] * 6 + [3] * 12 + [2] * 6,
                        "class_mix": {"fruit": 0.6, "general": 0.4},
                        "route": ["entry", "inspect", "release"],
                    },
                    "import": {
                        "direction": "import",
                        "trucks_per_day": 45,
                        "class_mix": {"fruit": 0.2, "general": 0.8},
                        "route": ["inspect", "entry", "release"],
                        "route_by_class": {"fruit": ["entry", "release"]},
                    },
                },
            }
        },
    }


def run(data: dict[str, Any], **kwargs: Any) -> RunOutput:
    return simulator.simulate(simulator.load_scenario(data), **kwargs)


def visit_table(out: RunOutput) -> dict[tuple[int, str], tuple[float, float, float]]:
    """(truck, stage name) -> (t_queue, t_start, t_end)."""
    v = out.visits
    names = [s.split(".", 1)[1] for s in out.stage_names]
    return {
        (int(t), names[s]): (q, a, b)
        for t, s, q, a, b in zip(v.truck, v.stage, v.t_queue.tolist(), v.t_start.tolist(), v.t_end.tolist())
    }


def durations(out: RunOutput, stage: str) -> dict[int, float]:
    """Service duration of every finished visit to ``stage``, by truck."""
    return {t: b - a for (t, s), (_, a, b) in visit_table(out).items() if s == stage and not np.isnan(b)}


def visited(out: RunOutput) -> dict[int, set[str]]:
    """The stages each truck that left the system visited (its realised visit decisions)."""
    done = ~np.isnan(out.t_exit)
    table: dict[int, set[str]] = {int(t): set() for t in np.flatnonzero(done)}
    for t, s in visit_table(out):
        if t in table:
            table[t].add(s)
    return table


def assert_same_trucks(a: RunOutput, b: RunOutput) -> None:
    np.testing.assert_array_equal(a.t_arrive, b.t_arrive)
    np.testing.assert_array_equal(a.truck_class, b.truck_class)
    np.testing.assert_array_equal(a.truck_flow, b.truck_flow)


def assert_same_durations(a: RunOutput, b: RunOutput, stage: str) -> int:
    """Durations of ``stage`` agree for every truck that finished it in both runs; returns how many."""
    da, db = durations(a, stage), durations(b, stage)
    common = sorted(set(da) & set(db))
    assert len(common) > 100, f"too few common visits to {stage} to compare"
    np.testing.assert_allclose([da[t] for t in common], [db[t] for t in common], rtol=0, atol=DUR_ATOL)
    return len(common)


def assert_same_visit_decisions(a: RunOutput, b: RunOutput) -> None:
    va, vb = visited(a), visited(b)
    common = sorted(set(va) & set(vb))
    assert len(common) > 500
    diff = [t for t in common if va[t] != vb[t]]
    assert not diff, f"visit decisions differ for trucks {diff[:10]}"


@pytest.fixture(scope="module")
def baseline() -> RunOutput:
    return run(base_dict())


def test_baseline_is_a_real_test_bed(baseline: RunOutput) -> None:
    """Queues form at 'inspect' (else changing it could not move anything) and some trucks skip it."""
    table = visit_table(baseline)
    waits = [a - q for (_, s), (q, a, _) in table.items() if s == "inspect" and not np.isnan(a)]
    assert np.mean(waits) > 10.0
    done = visited(baseline)
    exported = [t for t in done if baseline.flow_names[baseline.truck_flow[t]] == "huu_nghi.export"]
    skipped = sum("inspect" not in done[t] for t in exported)
    assert 0.2 * len(exported) < skipped < 0.8 * len(exported)


def test_server_count_change_keeps_other_draws(baseline: RunOutput) -> None:
    data = base_dict()
    data["gates"]["huu_nghi"]["stages"]["inspect"]["servers"] = 3
    changed = run(data)
    assert_same_trucks(baseline, changed)
    assert_same_visit_decisions(baseline, changed)
    for stage in ("entry", "release", "inspect"):
        assert_same_durations(baseline, changed, stage)
    # the change did change the queues: downstream 'release' sees other start times
    release_a, release_b = visit_table(baseline), visit_table(changed)
    keys = [k for k in release_a if k[1] == "release" and k in release_b]
    assert sum(release_a[k][1] != release_b[k][1] for k in keys) > 100


def test_service_mean_change_keeps_other_draws_and_scales_this_one(baseline: RunOutput) -> None:
    """Exponential by inversion: a mean of 20 instead of 25 gives each truck exactly 0.8 of its old time."""
    data = base_dict()
    data["gates"]["huu_nghi"]["stages"]["inspect"]["service"]["mean_min"] = 20
    changed = run(data)
    assert_same_trucks(baseline, changed)
    assert_same_visit_decisions(baseline, changed)
    assert_same_durations(baseline, changed, "entry")
    assert_same_durations(baseline, changed, "release")
    old, new = durations(baseline, "inspect"), durations(changed, "inspect")
    general = baseline.class_names.index("general")
    common = [t for t in set(old) & set(new) if baseline.truck_class[t] == general]
    fruit = [t for t in set(old) & set(new) if baseline.truck_class[t] != general]
    assert len(common) > 100 and len(fruit) > 20
    np.testing.assert_allclose([new[t] for t in common], [0.8 * old[t] for t in common], rtol=1e-9, atol=DUR_ATOL)
    # fruit has its own distribution, untouched by the change
    np.testing.assert_allclose([new[t] for t in fruit], [old[t] for t in fruit], rtol=0, atol=DUR_ATOL)


def test_visit_probability_change_moves_only_that_stage(baseline: RunOutput) -> None:
    """Raising a visit probability adds visits (same uniforms, higher threshold) and removes none."""
    data = base_dict()
    data["gates"]["huu_nghi"]["stages"]["inspect"]["visit_probability"] = 0.9
    changed = run(data)
    assert_same_trucks(baseline, changed)
    va, vb = visited(baseline), visited(changed)
    common = set(va) & set(vb)
    assert all(("inspect" in va[t]) <= ("inspect" in vb[t]) for t in common)
    assert sum(("inspect" in vb[t]) and ("inspect" not in va[t]) for t in common) > 50
    assert all(va[t] - {"inspect"} == vb[t] - {"inspect"} for t in common)
    assert_same_durations(baseline, changed, "entry")
    assert_same_durations(baseline, changed, "release")


def test_appending_a_stage_leaves_upstream_unchanged(baseline: RunOutput) -> None:
    """A new last stage on the export route: nothing upstream of it can tell (no blocking, own streams)."""
    data = base_dict()
    gate = data["gates"]["huu_nghi"]
    gate["stages"]["weigh"] = {
        "servers": 1,
        "service": {"dist": "triangular", "low_min": 1, "mode_min": 3, "high_min": 12},
    }
    gate["flows"]["export"]["route"] = ["entry", "inspect", "release", "weigh"]
    changed = run(data)
    assert_same_trucks(baseline, changed)
    before, after = visit_table(baseline), visit_table(changed)
    assert {k for k in after if k[1] != "weigh"} == set(before)
    for key, times in before.items():
        np.testing.assert_array_equal(after[key], times, err_msg=str(key))
    weighed = [k for k in after if k[1] == "weigh"]
    assert len(weighed) > 300
    assert baseline.flow_names[0] == "huu_nghi.export"
    export = [int(t) for t in np.flatnonzero(~np.isnan(baseline.t_exit)) if baseline.truck_flow[t] == 0]
    # export trucks now leave after weighing: later than before, by at least their weighing time
    assert sum(changed.t_exit[t] > baseline.t_exit[t] for t in export if not np.isnan(changed.t_exit[t])) > 300


def test_inserting_a_stage_mid_route_keeps_every_stage_draws(baseline: RunOutput) -> None:
    """A new stage between 'entry' and 'inspect' delays everything after it, but each truck keeps its own
    durations at every old stage and its visit decisions (streams are named by stage, not route position)."""
    data = base_dict()
    gate = data["gates"]["huu_nghi"]
    gate["stages"]["scan"] = {"servers": 2, "service": {"dist": "exponential", "mean_min": 6}}
    gate["flows"]["export"]["route"] = ["entry", "scan", "inspect", "release"]
    changed = run(data)
    assert_same_trucks(baseline, changed)
    for stage in ("entry", "inspect", "release"):
        assert_same_durations(baseline, changed, stage)
    before, after = visited(baseline), visited(changed)
    common = set(before) & set(after)
    assert len(common) > 500
    export = baseline.flow_names.index("huu_nghi.export")
    assert all(after[t] - {"scan"} == before[t] for t in common)
    assert all(("scan" in after[t]) == (baseline.truck_flow[t] == export) for t in common)


def test_reordering_gates_and_stages_in_the_file_changes_nothing(baseline: RunOutput) -> None:
    """Stream names, not positions: listing stages and flows in another order gives the same trucks."""
    data = base_dict()
    gate = data["gates"]["huu_nghi"]
    gate["stages"] = dict(reversed(list(gate["stages"].items())))
    gate["flows"] = dict(reversed(list(gate["flows"].items())))
    changed = run(data)
    np.testing.assert_array_equal(changed.t_arrive, baseline.t_arrive)
    flow_map = [changed.flow_names.index(f) for f in baseline.flow_names]
    np.testing.assert_array_equal(np.asarray(flow_map)[baseline.truck_flow], changed.truck_flow)
    before, after = visit_table(baseline), visit_table(changed)
    assert before.keys() == after.keys()
    for key, times in before.items():
        np.testing.assert_array_equal(after[key], times, err_msg=str(key))


# ---------------------------------------------------------------- demand multiplier


def _cumulative_rate(data: dict[str, Any], flow: str) -> tuple[np.ndarray, np.ndarray]:
    """Expected arrivals by model hour boundary for ``flow`` (gate on the model clock, flat weekdays)."""
    spec = data["gates"]["huu_nghi"]["flows"][flow]
    profile = np.asarray(spec.get("hourly_profile", [1.0] * 24), dtype=float)
    hours = data["run"]["days"] * 24
    rate = spec["trucks_per_day"] * np.tile(profile / profile.sum(), hours // 24)
    return np.arange(hours + 1) * 60.0, np.r_[0.0, np.cumsum(rate)]


@pytest.mark.parametrize("m", [1.2, 0.7])
def test_demand_multiplier_is_a_time_change_of_the_same_points(baseline: RunOutput, m: float) -> None:
    """Arrivals at multiplier m come from the same unit-rate Poisson points: Lambda_m(t) = m Lambda(t), so
    m * Lambda(t_i^(m)) == Lambda(t_i^(1)) for the i-th truck of each flow, and the count grows with m."""
    data = base_dict()
    scaled = run(data, demand_multiplier=m)
    for fi, flow in enumerate(("export", "import")):
        assert baseline.flow_names[fi] == f"huu_nghi.{flow}"
        t1 = baseline.t_arrive[baseline.truck_flow == fi]
        tm = scaled.t_arrive[scaled.truck_flow == fi]
        assert (len(tm) > len(t1)) == (m > 1) and len(tm) != len(t1)
        edges, cum = _cumulative_rate(data, flow)
        k = min(len(t1), len(tm))
        unit_1 = np.interp(t1[:k], edges, cum)
        unit_m = m * np.interp(tm[:k], edges, cum)
        np.testing.assert_allclose(unit_m, unit_1, rtol=1e-9, atol=1e-9)
        # the extra (or missing) points lie beyond the end of the shorter run's unit horizon
        total = cum[-1]
        if m > 1:
            assert np.all(m * np.interp(tm[k:], edges, cum) >= total - 1e-9)
        else:
            assert np.all(np.interp(t1[k:], edges, cum) >= m * total - 1e-9)
        # the i-th truck of a flow keeps its class at any demand level
        np.testing.assert_array_equal(
            baseline.truck_class[baseline.truck_flow == fi][:k], scaled.truck_class[scaled.truck_flow == fi][:k]
        )


def test_demand_multiplier_one_is_the_baseline(baseline: RunOutput) -> None:
    same = run(base_dict(), demand_multiplier=1.0)
    np.testing.assert_array_equal(same.t_arrive, baseline.t_arrive)
    np.testing.assert_array_equal(same.visits.t_end, baseline.visits.t_end)


def test_crn_makes_paired_differences_sharper() -> None:
    """What CRN is for: the paired difference of mean waits has a far smaller spread than the unpaired one.

    With 20 replications each, the ratio of the two sample variances is F(19, 19) times the true ratio
    (about 0.1-0.2 here); F(19, 19) exceeds 2.5 with probability 0.03, so the bound 0.5 is not fragile.
    """
    reps = 20
    data = base_dict()
    data["run"]["days"] = 5
    more = copy.deepcopy(data)
    more["gates"]["huu_nghi"]["stages"]["inspect"]["servers"] = 3
    sc_a, sc_b = simulator.load_scenario(data), simulator.load_scenario(more)

    def wait(out: RunOutput) -> float:
        v = out.visits
        ok = ~np.isnan(v.t_start)
        return float(np.mean(v.t_start[ok] - v.t_queue[ok]))

    a = np.array([wait(simulator.simulate(sc_a, r)) for r in range(reps)])
    b = np.array([wait(simulator.simulate(sc_b, r)) for r in range(reps)])
    b_shift = np.array([wait(simulator.simulate(sc_b, r + 100)) for r in range(reps)])
    paired, unpaired = np.var(a - b, ddof=1), np.var(a - b_shift, ddof=1)
    assert np.all(a > b), "a third server must cut the wait in every paired replication"
    assert paired < 0.5 * unpaired
