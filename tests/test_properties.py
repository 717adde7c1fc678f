"""Property-based invariants of the engine on small random scenarios (hypothesis).

Every generated scenario is a plain dict: 1-2 gates, 1-3 stages each with 1-4 servers, service times drawn
from all eight distribution kinds, optional opening hours (windows past midnight included), closed weekdays,
stages on UTC+8, visit probabilities, 1-2 flows with random hourly profiles, 2-6 days and 0-1 warm-up day.
It goes through ``load_scenario`` (a generated scenario that fails validation is a failure, not skipped) and
one replication of ``simulate``; the checks rebuild everything from the truck table and the visit log.

Runs are reproducible: ``derandomize=True`` fixes the examples and ``database=None`` keeps no state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator
from simulator import RunOutput, Scenario
from simulator.analysis.kpis import replication_kpis

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CLASSES = ("fruit", "general")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _num(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats on a 0.05 grid: readable when shrunk, and exact sums."""
    return st.integers(int(round(lo * 20)), int(round(hi * 20))).map(lambda k: k / 20)


@st.composite
def distributions(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["exponential", "deterministic", "uniform", "triangular", "truncnormal", "lognormal", "gamma", "empirical"]
        )
    )
    if kind == "exponential":
        return {"dist": kind, "mean_min": draw(_num(0.5, 60))}
    if kind == "deterministic":
        return {"dist": kind, "value_min": draw(_num(0, 40))}
    if kind == "uniform":
        low = draw(_num(0, 30))
        return {"dist": kind, "low_min": low, "high_min": low + draw(_num(0.05, 30))}
    if kind == "triangular":
        low, width = draw(_num(0, 30)), draw(_num(0.05, 40))
        return {"dist": kind, "low_min": low, "mode_min": low + width * draw(_num(0, 1)), "high_min": low + width}
    if kind == "truncnormal":
        low, sd = draw(_num(0, 10)), draw(_num(0.5, 20))
        mean = low + sd * draw(_num(-2, 3))
        spec = {"dist": kind, "mean_min": mean, "sd_min": sd, "low_min": low}
        if draw(st.booleans()):
            spec["high_min"] = max(mean, low) + sd * draw(_num(0.2, 3))
        return spec
    if kind == "lognormal":
        return {"dist": kind, "mean_min": draw(_num(0.5, 60)), "sd_min": draw(_num(0.1, 90))}
    if kind == "gamma":
        return {"dist": kind, "mean_min": draw(_num(0.5, 60)), "cv": draw(_num(0.1, 3))}
    return {"dist": kind, "values_min": draw(st.lists(_num(0, 60), min_size=1, max_size=6))}


@st.composite
def windows(draw: st.DrawFn) -> str:
    """'HH:MM-HH:MM'; a close at or before the open runs past midnight ('22:00-06:00', '08:00-08:00' is 24 h)."""
    oh, om = draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45]))
    ch = draw(st.integers(0, 24))
    cm = 0 if ch == 24 else draw(st.sampled_from([0, 30]))
    return f"{oh:02d}:{om:02d}-{ch:02d}:{cm:02d}"


@st.composite
def stages(draw: st.DrawFn, classes: list[str]) -> dict[str, Any]:
    stage: dict[str, Any] = {"servers": draw(st.integers(1, 4)), "service": draw(distributions())}
    if draw(st.booleans()):
        stage["service_by_class"] = {classes[0]: draw(distributions())}
    if draw(st.integers(0, 2)) == 0:
        stage["hours"] = draw(st.lists(windows(), min_size=1, max_size=2))
    if draw(st.integers(0, 3)) == 0:
        stage["closed_weekdays"] = draw(st.lists(st.sampled_from(WEEKDAYS), max_size=3, unique=True))
    if draw(st.integers(0, 3)) == 0:
        stage["utc_offset_h"] = 8
    if draw(st.integers(0, 3)) == 0:
        stage["visit_probability"] = draw(_num(0, 1))
    if draw(st.integers(0, 3)) == 0:
        stage["visit_probability_by_class"] = {classes[-1]: draw(_num(0, 1))}
    return stage


@st.composite
def flows(draw: st.DrawFn, stage_names: list[str], classes: list[str]) -> dict[str, Any]:
    route = draw(st.permutations(stage_names).flatmap(lambda p: st.integers(1, len(p)).map(lambda k: p[:k])))
    share = draw(_num(0, 1)) if len(classes) == 2 else 1.0
    flow: dict[str, Any] = {
        "direction": draw(st.sampled_from(["export", "import"])),
        "trucks_per_day": draw(_num(0, 150)),
        "class_mix": dict(zip(classes, [share, 1.0 - share], strict=False)),
        "route": list(route),
    }
    if draw(st.booleans()):
        profile = draw(st.lists(_num(0, 5), min_size=24, max_size=24))
        profile[draw(st.integers(0, 23))] += 1.0  # a positive sum
        flow["hourly_profile"] = profile
    if draw(st.integers(0, 3)) == 0:
        flow["weekday_weights"] = [w + 0.05 for w in draw(st.lists(_num(0, 2), min_size=7, max_size=7))]
    if draw(st.integers(0, 3)) == 0:
        flow["route_by_class"] = {classes[-1]: list(draw(st.permutations(stage_names)))}
    return flow


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    classes = list(CLASSES[: draw(st.integers(1, 2))])
    days = draw(st.integers(2, 6))
    gates: dict[str, Any] = {}
    for g in range(draw(st.integers(1, 2))):
        names = [f"s{i}" for i in range(draw(st.integers(1, 3)))]
        gate: dict[str, Any] = {
            "stages": {n: draw(stages(classes)) for n in names},
            "flows": {f"f{i}": draw(flows(names, classes)) for i in range(draw(st.integers(1, 2)))},
        }
        if draw(st.integers(0, 3)) == 0:
            gate["utc_offset_h"] = 8
        gates[f"g{g}"] = gate
    return {
        "name": "prop",
        "run": {
            "start_date": draw(st.dates(dt.date(2024, 1, 1), dt.date(2025, 12, 31))).isoformat(),
            "days": days,
            "warmup_days": draw(st.integers(0, 1)),
            "replications": 1,
            "seed": draw(st.integers(0, 2**32)),
        },
        "cargo_classes": {c: {} for c in classes},
        "gates": gates,
    }


# ---------------------------------------------------------------- checks


def _rows_by_truck(v: Any) -> np.ndarray:
    """Visit rows ordered by truck, then by row (the order the truck joined the queues)."""
    return np.lexsort((np.arange(len(v.truck)), v.truck))


def check_conservation(sc: Scenario, out: RunOutput) -> None:
    n = len(out.t_arrive)
    v = out.visits
    assert np.all(np.diff(out.t_arrive) >= 0), "trucks are indexed in arrival order"
    assert np.all((out.t_arrive >= 0) & (out.t_arrive < out.horizon_min))
    assert set(np.unique(v.truck)) <= set(range(n))
    exited = ~np.isnan(out.t_exit)
    open_rows = np.isnan(v.t_end)
    # a truck still in the system stops at its first unfinished visit: exactly one open row per such truck
    trucks_open = v.truck[open_rows]
    assert len(np.unique(trucks_open)) == len(trucks_open), "a truck has two unfinished visits"
    assert not np.any(exited[trucks_open]), "a truck exited with an unfinished visit"
    assert n == int(exited.sum()) + len(trucks_open), "arrived != exited + still in the system"
    assert np.all(out.t_exit[exited] <= out.horizon_min)
    kpis = replication_kpis(out)
    end = kpis[(kpis.scope == "all") & (kpis.kpi == "in_system_end")]["value"].item()
    assert end == float(np.isnan(out.t_exit).sum())
    per_gate = kpis[(kpis.scope == "gate") & (kpis.kpi == "in_system_end")]["value"].sum()
    assert per_gate == end


def check_routes_and_times(sc: Scenario, out: RunOutput) -> None:
    v = out.visits
    started = ~np.isnan(v.t_start)
    ended = ~np.isnan(v.t_end)
    assert np.all(started[ended]), "a visit ended without starting"
    assert np.all(np.isfinite(v.t_queue))
    assert np.all(v.t_start[started] >= v.t_queue[started]), "negative wait"
    assert np.all(v.t_end[ended] >= v.t_start[ended]), "negative service time"
    order = _rows_by_truck(v)
    truck, stage = v.truck[order], v.stage[order]
    tq, te = v.t_queue[order], v.t_end[order]
    first = np.r_[True, truck[1:] != truck[:-1]] if len(truck) else np.empty(0, bool)
    # the model has no travel time: a truck queues at its first stage on arrival and at the next on leaving one.
    # The recorded arrival is the clock's value when the truck starts, so the first queue time equals it exactly.
    np.testing.assert_array_equal(tq[first], out.t_arrive[truck[first]])
    np.testing.assert_array_equal(tq[~first], te[np.flatnonzero(~first) - 1])
    last = np.r_[truck[1:] != truck[:-1], True] if len(truck) else np.empty(0, bool)
    np.testing.assert_array_equal(out.t_exit[truck[last]], te[last])
    # trucks that visited no stage (all skipped) leave on arrival
    none = np.setdiff1d(np.arange(len(out.t_arrive)), truck)
    np.testing.assert_array_equal(out.t_exit[none], out.t_arrive[none])
    # visits follow the route order; a stage visited with probability 1 is never skipped
    gate_of_flow = [name.split(".")[0] for name in out.flow_names]
    stage_index = {name: i for i, name in enumerate(out.stage_names)}
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(truck)]
    exited = ~np.isnan(out.t_exit)
    for a, b in zip(starts, ends):
        t = int(truck[a])
        gname, fname = out.flow_names[out.truck_flow[t]].split(".")
        cname = out.class_names[out.truck_class[t]]
        gate = sc.gates[gname]
        route = [stage_index[f"{gname}.{s}"] for s in gate.flows[fname].route_for(cname)]
        visited = stage[a:b].tolist()
        pos = [route.index(s) for s in visited]
        assert pos == sorted(set(pos)), f"truck {t} visited {visited} out of route order {route}"
        must = [
            route.index(stage_index[f"{gname}.{s}"])
            for s in gate.flows[fname].route_for(cname)
            if gate.stages[s].visit_probability_for(cname) >= 1.0
        ]
        reached = len(route) - 1 if exited[t] else pos[-1]  # a truck still inside sits at its last row's stage
        for p in must:
            if p <= reached:
                assert p in pos, f"truck {t} skipped a stage it visits with probability 1"
        assert gname == gate_of_flow[out.truck_flow[t]]
        never = [
            route.index(stage_index[f"{gname}.{s}"])
            for s in gate.flows[fname].route_for(cname)
            if gate.stages[s].visit_probability_for(cname) <= 0.0
        ]
        assert not set(never) & set(pos), f"truck {t} visited a stage it visits with probability 0"
    for t in none:
        gname, fname = out.flow_names[out.truck_flow[t]].split(".")
        cname = out.class_names[out.truck_class[t]]
        gate = sc.gates[gname]
        assert all(gate.stages[s].visit_probability_for(cname) < 1 for s in gate.flows[fname].route_for(cname))


def _busy_steps(v: Any, si: int) -> tuple[np.ndarray, np.ndarray]:
    """Busy servers at stage ``si`` as a right-continuous step function: distinct event times and the count
    just after all events at each (a zero-length service at a hand-over time adds nothing, as it should)."""
    sel = (v.stage == si) & ~np.isnan(v.t_start)
    starts, ends = v.t_start[sel], v.t_end[sel]
    ends = ends[~np.isnan(ends)]
    times = np.r_[starts, ends]
    steps = np.r_[np.ones(len(starts)), -np.ones(len(ends))]
    order = np.argsort(times, kind="stable")
    times, level = times[order], np.cumsum(steps[order])
    last = np.r_[times[1:] != times[:-1], True] if len(times) else np.empty(0, bool)
    return times[last], level[last]


def check_capacity(sc: Scenario, out: RunOutput) -> None:
    v = out.visits
    for si, servers in enumerate(out.stage_servers):
        _, busy = _busy_steps(v, si)
        assert busy.size == 0 or busy.max() <= servers, f"{out.stage_names[si]}: {busy.max()} busy > {servers}"
        assert busy.size == 0 or busy.min() >= 0


def check_work_conserving(sc: Scenario, out: RunOutput) -> None:
    """A truck that has to wait at an open stage finds every server in service (no idle server, no leak)."""
    v = out.visits
    for si, servers in enumerate(out.stage_servers):
        schedule = out.stage_schedules[si]
        times, busy = _busy_steps(v, si)
        sel = np.flatnonzero((v.stage == si) & ~(v.t_start <= v.t_queue))  # waited, or never started
        for row in sel:
            tq = v.t_queue[row]
            if schedule is not None and not schedule.is_open(tq):
                continue
            k = np.searchsorted(times, tq, side="right") - 1  # level just after every event at tq
            in_service = busy[k] if k >= 0 else 0
            assert in_service == servers, f"{out.stage_names[si]}: truck waits at t={tq} with {in_service} busy"


def check_fifo(sc: Scenario, out: RunOutput) -> None:
    v = out.visits
    for si in range(len(out.stage_names)):
        rows = np.flatnonzero(v.stage == si)
        order = rows[np.lexsort((rows, v.t_queue[rows]))]
        ts = v.t_start[order]
        started = ~np.isnan(ts)
        if not started.any():
            continue
        k = np.flatnonzero(started)[-1]
        assert started[: k + 1].all(), f"{out.stage_names[si]}: a later truck started before an earlier one"
        assert np.all(np.diff(ts[: k + 1]) >= 0), f"{out.stage_names[si]}: FIFO violated"


def check_opening_hours(sc: Scenario, out: RunOutput) -> None:
    v = out.visits
    for si, schedule in enumerate(out.stage_schedules):
        stage_cfg = sc.gates[out.stage_names[si].split(".")[0]].stages[out.stage_names[si].split(".")[1]]
        has_hours = stage_cfg.hours is not None or bool(stage_cfg.closed_weekdays)
        assert (schedule is not None) == has_hours
        if schedule is None:
            continue
        starts = v.t_start[(v.stage == si) & ~np.isnan(v.t_start)]
        closed = [t for t in starts.tolist() if not schedule.is_open(t)]
        assert not closed, f"{out.stage_names[si]}: service started while closed at {closed[:5]}"


def check_schedule_matches_hours(sc: Scenario, out: RunOutput) -> None:
    """The schedule opens exactly in the configured local windows, off the closed weekdays.

    Checked independently at the middle of every 15-minute slot of the run: the slot's local time
    (stage clock) must fall in a window that opened on a non-closed local day.
    """
    start = dt.datetime.combine(sc.run.start_date, dt.time())
    model_offset = sc.run.utc_offset_h
    for si, schedule in enumerate(out.stage_schedules):
        if schedule is None:
            continue
        gname, sname = out.stage_names[si].split(".")
        gate, stage = sc.gates[gname], sc.gates[gname].stages[sname]
        offset = next(o for o in (stage.utc_offset_h, gate.utc_offset_h, model_offset) if o is not None)
        wins = []
        for w in stage.hours if stage.hours is not None else ["00:00-24:00"]:
            a, b = w.split("-")
            o = int(a[:2]) * 60 + int(a[3:])
            c = int(b[:2]) * 60 + int(b[3:])
            wins.append((o, c + 1440 if c <= o else c))
        for t in np.arange(7.5, out.horizon_min, 15.0):
            local = start + dt.timedelta(minutes=float(t) + (offset - model_offset) * 60)
            minute = local.hour * 60 + local.minute + local.second / 60
            expected = False
            for back in (0, 1):  # a window opened today, or yesterday and running past midnight
                day = local.date() - dt.timedelta(days=back)
                if WEEKDAYS[day.weekday()] in stage.closed_weekdays:
                    continue
                m = minute + 1440 * back
                expected |= any(o <= m < c for o, c in wins)
            assert schedule.is_open(float(t)) == expected, f"{out.stage_names[si]} at t={t} (local {local})"


CHECKS = (
    check_conservation,
    check_routes_and_times,
    check_capacity,
    check_work_conserving,
    check_fifo,
    check_opening_hours,
    check_schedule_matches_hours,
)


@SETTINGS
@given(data=scenarios())
def test_invariants_hold_on_random_scenarios(data: dict[str, Any]) -> None:
    sc = simulator.load_scenario(data)
    out = simulator.simulate(sc)
    assert out.horizon_min == sc.run.days * 1440.0
    assert out.warmup_min == sc.run.warmup_days * 1440.0
    assert len(out.truck_flow) == len(out.truck_class) == len(out.t_arrive) == len(out.t_exit)
    for check in CHECKS:
        check(sc, out)


def test_generator_reaches_the_interesting_cases() -> None:
    """The strategy really produces the features the invariants are meant to stress."""
    seen: dict[str, bool] = dict.fromkeys(
        ["past_midnight", "closed_weekday", "utc8_stage", "skip_prob", "two_gates", "all_kinds", "in_system_end"]
        + ["waited", "started_at_opening"],
        False,
    )
    kinds: set[str] = set()

    @settings(max_examples=60, deadline=None, derandomize=True, database=None)
    @given(data=scenarios())
    def collect(data: dict[str, Any]) -> None:
        for gate in data["gates"].values():
            for stage in gate["stages"].values():
                kinds.add(stage["service"]["dist"])
                for w in stage.get("hours", []):
                    a, b = w.split("-")
                    seen["past_midnight"] |= b < a and b != "00:00"
                seen["closed_weekday"] |= bool(stage.get("closed_weekdays"))
                seen["utc8_stage"] |= stage.get("utc_offset_h") == 8
                seen["skip_prob"] |= 0 < stage.get("visit_probability", 1) < 1
        seen["two_gates"] |= len(data["gates"]) == 2
        out = simulator.simulate(simulator.load_scenario(data))
        v = out.visits
        seen["in_system_end"] |= bool(np.isnan(out.t_exit).any())
        seen["waited"] |= bool(np.any(v.t_start > v.t_queue))
        for si, schedule in enumerate(out.stage_schedules):
            if schedule is not None:
                seen["started_at_opening"] |= bool(np.isin(v.t_start[v.stage == si], schedule.starts).any())

    collect()
    seen["all_kinds"] = len(kinds) == 8
    assert all(seen.values()), seen
