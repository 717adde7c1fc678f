"""Behaviour of the gate model: yards and the road queue, customs channels and shared scanners, lab
holds, hand-over modes, partner caps and closures, seasons, disruptions, fees, diversion, the Time
Release Study table, the backlog at the reporting clock and perishable lateness.

Scenarios are tiny dicts with fixed seeds; dates are ``datetime.date`` objects, as YAML gives them.
Directional claims compare two scenarios on common random numbers, replication by replication, and
require the 95% t-interval of the paired difference to exclude 0 in the expected direction. Shares
are checked against 99.9% binomial intervals (the seed is fixed, so a pass is reproducible). The
rest is recomputed by hand from the :class:`RunOutput` and compared exactly (up to float rounding).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

import simulator
from simulator import Results, RunOutput, Scenario
from simulator.analysis.kpis import replication_kpis, road_rows, timeseries
from simulator.analysis.levels import Level
from simulator.analysis.stats import t_interval
from simulator.analysis.tables import MILESTONES, fees_by_month, milestone_hours, trs_table
from simulator.engine.eventlog import VisitLog
from simulator.engine.model import Model, simulate
from simulator.scenario.types import CHANNELS, MODES

D = dt.date
DAY = 1440.0


# ---------------------------------------------------------------- helpers


def _exp(mean: float) -> dict[str, Any]:
    return {"dist": "exponential", "mean_min": mean}


def _det(value: float) -> dict[str, Any]:
    return {"dist": "deterministic", "value_min": value}


def _load(data: dict[str, Any]) -> Scenario:
    return simulator.load_scenario(copy.deepcopy(data))


def _rows(out: RunOutput, stage: str) -> VisitLog:
    return out.visits.select(out.visits.stage == out.stage_names.index(stage))


def _starts(out: RunOutput, stage: str) -> np.ndarray:
    t = _rows(out, stage).t_start
    return t[~np.isnan(t)]


def _kpi(table: pd.DataFrame, kpi: str, scope: str = "all", key: str = "all") -> float:
    sel = table[(table.scope == scope) & (table.key == key) & (table.kpi == kpi)]
    assert len(sel) == 1, (kpi, scope, key)
    return float(sel["value"].iloc[0])


def _per_rep(res: Results, kpi: str, scope: str = "all", key: str = "all") -> np.ndarray:
    r = res.replications
    sel = r[(r.scope == scope) & (r.key == key) & (r.kpi == kpi)].sort_values("replication")
    return sel["value"].to_numpy(dtype=float)


def _paired(base: Results, alt: Results, kpi: str, scope: str = "all", key: str = "all") -> tuple[float, float, float]:
    """Mean and 95% t-interval of ``alt - base`` over replications (common random numbers)."""
    b, a = _per_rep(base, kpi, scope, key), _per_rep(alt, kpi, scope, key)
    assert len(a) == len(b) >= 4
    return t_interval(a - b)


def _binomial_ok(k: int, n: int, p: float, level: float = 0.999) -> bool:
    low, high = sps.binom.interval(level, n, p)
    return bool(low <= k <= high)


def _run(data: dict[str, Any], replications: int, event_log: str = "none") -> Results:
    return simulator.run(_load(data), replications=replications, event_log=event_log)


# ---------------------------------------------------------------- a scenario using every feature


def _full() -> dict[str, Any]:
    """Two gates; yards (two at Hữu Nghị), scanners, channels, a lab hold, hand-over modes, a capped partner
    stage on UTC+8 with hours, diversion, a season, a weekday closure, two disruptions and fees."""
    return {
        "name": "gate_full",
        "run": {"start_date": D(2024, 7, 29), "days": 7, "warmup_days": 1, "replications": 3, "seed": 2024},
        "cargo_classes": {"fruit": {"perishable": True}, "general": {}},
        "gates": {
            "hn": {
                "road_m_per_truck": 25,
                "yards": {"park": {"slots": 25}, "wharf": {"slots": 10}},
                "scanners": {"count": 1, "scan": _exp(12), "hours": ["07:00-21:00"]},
                "stages": {
                    "customs": {
                        "servers": 3,
                        "hours": ["06:00-22:00"],
                        "channels": {
                            "shares": {"green": 0.6, "yellow": 0.25, "red": 0.15},
                            "shares_by": {"fruit": {"green": 0.8, "yellow": 0.15, "red": 0.05}},
                            "service": {"green": _exp(4), "yellow": _exp(20), "red": _exp(60)},
                            "red_scan_share": 0.6,
                            "scanned_service": _exp(8),
                        },
                    },
                    "quarantine": {
                        "servers": 2,
                        "service": _exp(15),
                        "visit_probability": 0,
                        "visit_probability_by_class": {"fruit": 1},
                        "lab_hold": {"probability": 0.1, "time": _det(240)},
                    },
                    "handover": {
                        "modes": {
                            "transloading": {"servers": 4, "service": _exp(50)},
                            "tractor_swap": {"servers": 2, "service": _exp(15)},
                        }
                    },
                    "cn": {
                        "side": "partner",
                        "utc_offset_h": 8,
                        "servers": 2,
                        "service": _exp(6),
                        "hours": ["08:00-20:00"],
                        "cap_per_day": 110,
                        "cap_per_hour": 14,
                    },
                },
                "flows": {
                    "export": {
                        "direction": "export",
                        "trucks_per_day": 100,
                        "class_mix": {"fruit": 0.6, "general": 0.4},
                        "route": ["park", "customs", "quarantine", "wharf", "handover", "cn"],
                        "handover_shares": {"transloading": 0.7, "tractor_swap": 0.3},
                    },
                    "import": {
                        "direction": "import",
                        "trucks_per_day": 40,
                        "class_mix": {"fruit": 0.2, "general": 0.8},
                        "route": ["park", "customs", "handover"],
                        "handover_shares": {"tractor_swap": 1.0},
                    },
                },
                "diversion": {"to": "tt", "share": 0.5, "travel_min": 40},
            },
            "tt": {
                "yards": {"park": {"slots": 60}},
                "stages": {
                    "customs": {"servers": 2, "service": _exp(10)},
                    "handover": {"modes": {"crane_lift": {"servers": 2, "service": _exp(20)}}},
                },
                "flows": {
                    "export": {
                        "direction": "export",
                        "trucks_per_day": 30,
                        "class_mix": {"fruit": 0.5, "general": 0.5},
                        "route": ["park", "customs", "handover"],
                        "handover_shares": {"crane_lift": 1.0},
                    },
                    "import": {
                        "direction": "import",
                        "trucks_per_day": 20,
                        "class_mix": {"general": 1.0},
                        "route": ["park", "customs"],
                    },
                },
            },
        },
        "calendar": {
            "seasons": [
                {"name": "peak", "start": D(2024, 8, 1), "end": D(2024, 8, 3), "multipliers": {"fruit": 1.5}},
            ],
            "closures": [{"name": "sunday", "gates": ["tt"], "side": "home", "weekdays": ["sun"]}],
            "disruptions": [
                {"gate": "hn", "side": "partner", "start": D(2024, 8, 1), "end": D(2024, 8, 1), "cap_per_day": 40},
                {
                    "gate": "hn",
                    "stages": ["cn"],
                    "start": dt.datetime(2024, 8, 2, 10, 0),
                    "end": dt.datetime(2024, 8, 2, 14, 0),
                    "closed": True,
                },
            ],
        },
        "fees": {
            "infrastructure": {"fruit": {"small": 1000.0, "big": 2500.0}, "general": {"small": 800.0, "big": 2000.0}},
            "vehicle_mix": {"fruit": {"small": 0.3, "big": 0.7}},
            "regimes": [{"name": "imports", "coefficient": 1.3, "directions": ["import"]}],
            "transloading": {"fruit": 500.0},
        },
        "reporting": {"backlog_clock": "21:30", "perishable_threshold_h": 8},
    }


@pytest.fixture(scope="module")
def full_scenario() -> Scenario:
    return _load(_full())


@pytest.fixture(scope="module")
def full_outputs(full_scenario: Scenario) -> list[RunOutput]:
    return [simulate(full_scenario, r) for r in range(2)]


@pytest.fixture(scope="module")
def full_results(full_scenario: Scenario) -> Results:
    return simulator.run(full_scenario, replications=3, jobs=1)


# ---------------------------------------------------------------- 1. directional, on common random numbers


def _scanner_scenario(count: int) -> dict[str, Any]:
    return {
        "name": f"scanners_{count}",
        "run": {"start_date": D(2024, 8, 1), "days": 8, "warmup_days": 1, "seed": 101},
        "cargo_classes": {"general": {}},
        "gates": {
            "hn": {
                "scanners": {"count": count, "scan": _exp(40)},
                "stages": {
                    "customs": {
                        "servers": 4,
                        "channels": {
                            "shares": {"green": 0.6, "yellow": 0.1, "red": 0.3},
                            "service": {"green": _exp(3), "yellow": _exp(15), "red": _exp(90)},
                            "red_scan_share": 1.0,
                            "scanned_service": _exp(5),
                        },
                    }
                },
                "flows": {
                    "export": {
                        "direction": "export",
                        "trucks_per_day": 100,
                        "class_mix": {"general": 1},
                        "route": ["customs"],
                    }
                },
            }
        },
    }


def test_more_scanners_cut_the_red_channel_wait() -> None:
    one = _run(_scanner_scenario(1), 6, event_log="all")
    three = _run(_scanner_scenario(3), 6, event_log="all")
    np.testing.assert_array_equal(one.outputs[0].t_arrive, three.outputs[0].t_arrive)  # common random numbers
    mean, low, high = _paired(one, three, "wait_min_mean", "stage", "hn.scanners")
    assert high < 0, (mean, low, high)

    def red_release(res: Results) -> np.ndarray:
        values = []
        for out in res.outputs:
            t = trs_table(out)
            row = t[(t.direction == "all") & (t.cargo_class == "all") & (t.channel == "red")]
            values.append(float(row[row.milestone == "customs_release"].mean_h.item()))
        return np.array(values)

    mean, low, high = t_interval(red_release(three) - red_release(one))
    assert high < 0, (mean, low, high)


def _drain_scenario(closed: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "drain",
        "run": {"start_date": D(2024, 8, 1), "days": 8, "warmup_days": 1, "seed": 77},
        "cargo_classes": {"general": {}},
        "gates": {
            "hn": {
                "stages": {
                    "customs": {"servers": 3, "service": _exp(5)},
                    "cn": {"side": "partner", "utc_offset_h": 8, "servers": 2, "service": _exp(5)},
                },
                "flows": {
                    "export": {
                        "direction": "export",
                        "trucks_per_day": 60,
                        "class_mix": {"general": 1},
                        "route": ["customs", "cn"],
                    }
                },
            }
        },
    }
    if closed:
        dis = {"gate": "hn", "side": "partner", "start": D(2024, 8, 4), "end": D(2024, 8, 4), "closed": True}
        data["calendar"] = {"disruptions": [dis]}
    return data


def test_partner_closure_builds_a_backlog_that_then_drains() -> None:
    """Closed 4 Aug on the partner clock (UTC+8) = model hours 71 to 95. At 60 trucks a day about 57 arrive
    in the first 23 hours of the closure and none can leave; the partner desk then clears ~24 an hour,
    so two days later nothing of the closure is left."""
    base, closed = _run(_drain_scenario(False), 6), _run(_drain_scenario(True), 6)

    def hourly(res: Results) -> pd.DataFrame:
        ts = res.timeseries
        sel = ts[(ts.scope == "gate") & (ts.key == "hn") & (ts.metric == "in_system")]
        return sel.pivot(index="replication", columns="time_h", values="value")

    b, c = hourly(base), hourly(closed)
    before = c[70.0] - b[70.0]
    assert np.allclose(before, 0.0), "the runs differ before the closure"
    assert (c[71.0] - b[71.0]).mean() > 0, "the closure did not start at local (UTC+8) midnight, model 23:00"
    last = c[94.0] - b[94.0]  # the last hour of the closure
    mean, low, _ = t_interval(last.to_numpy())
    assert low > 0 and mean > 40, (mean, low)
    after = c[95.0] - b[95.0]  # the first hour after it
    assert t_interval(after.to_numpy())[1] > 0
    assert (c[94.0] - b[94.0]).mean() > (c[80.0] - b[80.0]).mean() > 0, "the backlog grows during the closure"
    later = (c.loc[:, 144.0:191.0] - b.loc[:, 144.0:191.0]).mean(axis=1)  # two days after the closure
    assert abs(later.mean()) <= 0.5, later


def _season_scenario(multiplier: float) -> dict[str, Any]:
    return {
        "name": "season",
        "run": {"start_date": D(2024, 8, 1), "days": 8, "warmup_days": 1, "seed": 55},
        "cargo_classes": {"fruit": {"perishable": True}, "general": {}},
        "gates": {
            "hn": {
                "stages": {
                    "customs": {"servers": 4, "service": _exp(8)},
                    "cn": {
                        "side": "partner",
                        "utc_offset_h": 8,
                        "servers": 3,
                        "service": _exp(6),
                        "hours": ["08:00-18:00"],
                    },
                },
                "flows": {
                    "export": {
                        "direction": "export",
                        "trucks_per_day": 80,
                        "class_mix": {"fruit": 0.5, "general": 0.5},
                        "route": ["customs", "cn"],
                    },
                    "import": {
                        "direction": "import",
                        "trucks_per_day": 60,
                        "class_mix": {"fruit": 0.2, "general": 0.8},
                        "route": ["customs"],
                    },
                },
            }
        },
        "calendar": {
            "seasons": [
                {
                    "start": D(2024, 8, 1),
                    "end": D(2024, 8, 8),
                    "multipliers": {"fruit": multiplier, "general": multiplier},
                    "directions": ["export"],
                }
            ]
        },
    }


def test_export_season_raises_the_export_backlog_at_the_clock() -> None:
    base, peak = _run(_season_scenario(1.0), 6, "all"), _run(_season_scenario(1.5), 6, "all")
    mean, low, _ = _paired(base, peak, "backlog_at_clock", "direction", "export")
    assert low > 0, (mean, low)
    mean, low, high = _paired(base, peak, "arrived_per_day", "direction", "export")
    assert low > 0 and 0.3 < mean / _per_rep(base, "arrived_per_day", "direction", "export").mean() < 0.7
    for b, p in zip(base.outputs, peak.outputs):  # the import flow is untouched: same arrivals
        imports = b.flow_names.index("hn.import")
        np.testing.assert_array_equal(b.t_arrive[b.truck_flow == imports], p.t_arrive[p.truck_flow == imports])


def _yard_scenario(slots: int) -> dict[str, Any]:
    return {
        "name": f"yard_{slots}",
        "run": {"start_date": D(2024, 8, 1), "days": 6, "warmup_days": 1, "seed": 31},
        "cargo_classes": {"general": {}},
        "gates": {
            "hn": {
                "road_m_per_truck": 18,
                "yards": {"park": {"slots": slots}},
                "stages": {"customs": {"servers": 3, "service": _exp(20), "hours": ["07:00-19:00"]}},
                "flows": {
                    "export": {
                        "direction": "export",
                        "trucks_per_day": 100,
                        "class_mix": {"general": 1},
                        "route": ["park", "customs"],
                    }
                },
            }
        },
    }


def test_larger_yard_shortens_the_road_queue() -> None:
    small, large = _run(_yard_scenario(10), 5, "all"), _run(_yard_scenario(40), 5, "all")
    mean, _, high = _paired(small, large, "road_queue_mean", "gate", "hn")
    assert high < 0, (mean, high)
    for res in (small, large):
        km = _per_rep(res, "road_km_mean", "gate", "hn")
        np.testing.assert_allclose(km, _per_rep(res, "road_queue_mean", "gate", "hn") * 18 / 1000, rtol=1e-12)
    # the yard only decides where trucks wait: with slots >= servers, customs sees the same FIFO line
    for s, g in zip(small.outputs, large.outputs):
        np.testing.assert_array_equal(s.t_arrive, g.t_arrive)
        np.testing.assert_array_equal(s.t_exit, g.t_exit)


# ---------------------------------------------------------------- 2. conservation with yards


def _settled(level: Level) -> np.ndarray:
    """The level after all events at each distinct time (a zero-length stay adds nothing at any instant)."""
    return _settled_steps(level)[1]


def _settled_steps(level: Level) -> tuple[np.ndarray, np.ndarray]:
    last = np.r_[level.times[1:] != level.times[:-1], True] if len(level.times) else np.empty(0, bool)
    return level.times[last], level.values[last]


def _lowest_during(level: Level, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Lowest settled level over each interval ``[start, end)``."""
    times, values = _settled_steps(level)
    first = np.searchsorted(times, start, side="right") - 1
    last = np.searchsorted(times, end, side="left") - 1
    return np.array([values[max(a, 0) : b + 1].min() if a >= 0 else 0.0 for a, b in zip(first, last)])


def check_yards(sc: Scenario, out: RunOutput) -> None:
    """Slots are never exceeded, the road is FIFO and never negative, a truck waits on the road only
    when its yard is full, a slot is kept until the next yard or the exit, and the KPIs agree."""
    v = out.visits
    kinds = np.array(out.stage_kind)
    t0, t1 = out.warmup_min, out.horizon_min
    kpis = replication_kpis(out)
    for si in np.flatnonzero(kinds == "yard"):
        sel = v.stage == si
        slots = int(out.stage_servers[si])
        gname, yname = out.stage_names[si].split(".")
        assert slots == sc.gates[gname].yards[yname].slots
        started = sel & ~np.isnan(v.t_start)
        occupancy = Level(v.t_start[started], v.t_end[started])
        held = _settled(occupancy)
        if len(held):
            assert held.max() <= slots, out.stage_names[si]
            assert held.min() >= 0
        # FIFO: rows are opened in queue order, so starts never decrease and nobody overtakes a waiting truck
        ts = v.t_start[sel]
        first_waiting = np.flatnonzero(np.isnan(ts))
        done = ts[: first_waiting[0]] if len(first_waiting) else ts
        assert np.all(np.isnan(ts[len(done) :])), "a truck entered the yard ahead of one still waiting"
        assert np.all(np.diff(done) >= 0)
        # whoever waits finds the yard full for the whole wait
        end = np.where(np.isnan(ts), t1, ts)
        waited = (end - v.t_queue[sel]) > 1e-9
        lowest = _lowest_during(occupancy, v.t_queue[sel][waited], end[waited])
        np.testing.assert_array_equal(lowest, slots)
        # stage KPIs of a yard: busy = occupancy, utilisation = occupancy / slots
        busy = _kpi(kpis, "busy_mean", "stage", out.stage_names[si])
        assert busy == pytest.approx(occupancy.mean(t0, t1), rel=1e-9, abs=1e-12)
        if slots > 0:
            assert _kpi(kpis, "utilisation", "stage", out.stage_names[si]) == pytest.approx(busy / slots, rel=1e-9)
    # a slot is held until the truck enters its next yard, or leaves
    yard_rows = np.flatnonzero(kinds[v.stage] == "yard") if len(v.stage) else np.empty(0, int)
    order = yard_rows[np.lexsort((yard_rows, v.truck[yard_rows]))]
    truck = v.truck[order]
    last = np.r_[truck[1:] != truck[:-1], True] if len(truck) else np.empty(0, bool)
    nxt = order[np.flatnonzero(~last) + 1]
    np.testing.assert_array_equal(v.t_end[order[~last]], v.t_start[nxt])
    np.testing.assert_array_equal(v.t_end[order[last]], out.t_exit[truck[last]])
    # the road: a truck's first visit, when it is to a yard (every route here starts with one)
    road = np.zeros(len(v.stage), bool)
    first = np.unique(v.truck, return_index=True)[1]
    road[first[kinds[v.stage[first]] == "yard"]] = True
    np.testing.assert_array_equal(road_rows(out), road)
    series = timeseries(out)
    for gi, gname in enumerate(out.gate_names):
        rows = road & (out.stage_gate[v.stage] == gi)
        level = Level(v.t_queue[rows], v.t_start[rows])
        waiting = _settled(level)
        if len(waiting):
            assert waiting.min() >= 0
        mean, top = level.mean(t0, t1), level.max(t0, t1)
        assert _kpi(kpis, "road_queue_mean", "gate", gname) == pytest.approx(mean, rel=1e-9, abs=1e-12)
        assert _kpi(kpis, "road_queue_max", "gate", gname) == top
        km = out.gate_road_m[gi] / 1000
        assert _kpi(kpis, "road_km_mean", "gate", gname) == pytest.approx(mean * km, rel=1e-9, abs=1e-12)
        assert _kpi(kpis, "road_km_max", "gate", gname) == pytest.approx(top * km, rel=1e-12)
        hourly = series[(series.scope == "gate") & (series.key == gname) & (series.time_h >= t0 / 60)]
        for metric, expected in (("road_queue", mean), ("road_km", mean * km)):
            got = hourly[hourly.metric == metric].value.mean()
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), metric
    # every truck is either out or still inside
    exited = ~np.isnan(out.t_exit)
    assert _kpi(kpis, "in_system_end") == float((~exited).sum())


def test_yards_conserve_slots_on_the_full_scenario(full_scenario: Scenario, full_outputs: list[RunOutput]) -> None:
    for out in full_outputs:
        check_yards(full_scenario, out)
        kinds = dict(zip(out.stage_names, out.stage_kind))
        assert kinds["hn.park"] == kinds["hn.wharf"] == kinds["tt.park"] == "yard"
        kpis = replication_kpis(out)
        assert _kpi(kpis, "road_queue_max", "gate", "hn") > 0, "the test bed never fills the yard"
        assert _kpi(kpis, "queue_max", "stage", "hn.wharf") > 0, "nobody ever waits for the inner yard"


@st.composite
def yard_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    route = ["park", "customs"]
    yards = {"park": {"slots": draw(st.integers(0, 6))}}
    stages: dict[str, Any] = {
        "customs": {"servers": draw(st.integers(1, 3)), "service": _exp(draw(st.integers(5, 60)))},
        "cn": {"side": "partner", "utc_offset_h": 8, "servers": 1, "service": _exp(draw(st.integers(2, 20)))},
    }
    if draw(st.booleans()):
        stages["customs"]["hours"] = ["07:00-19:00"]
    if draw(st.booleans()):
        yards["wharf"] = {"slots": draw(st.integers(1, 4))}
        route.append("wharf")
    route.append("cn")
    return {
        "name": "yard_prop",
        "run": {
            "start_date": D(2024, 8, 1),
            "days": draw(st.integers(2, 3)),
            "warmup_days": 1,
            "replications": 1,
            "seed": draw(st.integers(0, 2**31)),
        },
        "cargo_classes": {"general": {}},
        "gates": {
            "hn": {
                "road_m_per_truck": draw(st.integers(10, 30)),
                "yards": yards,
                "stages": stages,
                "flows": {
                    "export": {
                        "direction": "export",
                        "trucks_per_day": draw(st.integers(5, 200)),
                        "class_mix": {"general": 1},
                        "route": route,
                    }
                },
            }
        },
    }


@settings(max_examples=15, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(yard_scenarios())
def test_yards_conserve_slots_property(data: dict[str, Any]) -> None:
    sc = _load(data)
    check_yards(sc, simulate(sc))


# ---------------------------------------------------------------- 3. backlog at the reporting clock


def _backlog_by_hand(out: RunOutput, mask: np.ndarray) -> float:
    counts = []
    for day in range(int(out.horizon_min // DAY) + 1):
        t = day * DAY + out.backlog_clock_min
        if out.warmup_min <= t < out.horizon_min:
            inside = (out.t_arrive[mask] <= t) & ~(out.t_exit[mask] <= t)  # a NaN exit is still inside
            counts.append(float(inside.sum()))
    return float(np.mean(counts))


def test_backlog_at_clock_matches_a_count_by_hand(full_outputs: list[RunOutput]) -> None:
    for out in full_outputs:
        assert out.backlog_clock_min == 21 * 60 + 30
        kpis = replication_kpis(out)
        groups = {("all", "all"): np.ones(len(out.t_arrive), bool)}
        groups.update({("gate", g): out.truck_gate == i for i, g in enumerate(out.gate_names)})
        groups.update({("direction", d): out.truck_direction == d for d in ("export", "import")})
        groups.update({("class", c): out.truck_class == i for i, c in enumerate(out.class_names)})
        for (scope, key), mask in groups.items():
            expected = _backlog_by_hand(out, mask)
            assert _kpi(kpis, "backlog_at_clock", scope, key) == pytest.approx(expected, rel=1e-12, abs=0), key
        assert _kpi(kpis, "backlog_at_clock") > 0


def test_backlog_at_clock_counts_every_arrival_when_nobody_leaves() -> None:
    """A desk closed every day: at 20:00 of each measured day the backlog is all arrivals so far."""
    data = {
        "name": "stuck",
        "run": {"start_date": D(2024, 8, 1), "days": 5, "warmup_days": 2, "seed": 3},
        "cargo_classes": {"general": {}},
        "gates": {
            "hn": {
                "stages": {
                    "customs": {
                        "servers": 2,
                        "service": _exp(5),
                        "closed_weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    }
                },
                "flows": {
                    "export": {
                        "direction": "export",
                        "trucks_per_day": 50,
                        "class_mix": {"general": 1},
                        "route": ["customs"],
                    }
                },
            }
        },
    }
    out = simulate(_load(data))
    kpis = replication_kpis(out)
    assert np.all(np.isnan(out.t_exit))
    clocks = np.array([2, 3, 4]) * DAY + 20 * 60
    arrived_so_far = np.searchsorted(out.t_arrive, clocks, side="right")
    assert arrived_so_far[0] > 0
    assert _kpi(kpis, "backlog_at_clock") == arrived_so_far.mean()
    assert _kpi(kpis, "in_system_end") == len(out.t_arrive)
    assert _kpi(kpis, "throughput_per_day") == 0


# ---------------------------------------------------------------- 4. fees


def _fee_scenario() -> dict[str, Any]:
    def gate(flows: dict[str, Any]) -> dict[str, Any]:
        return {
            "stages": {
                "customs": {"servers": 6, "service": _exp(10)},
                "handover": {
                    "modes": {
                        "transloading": {"servers": 6, "service": _exp(30)},
                        "tractor_swap": {"servers": 6, "service": _exp(10)},
                    }
                },
            },
            "flows": flows,
        }

    def flow(direction: str, n: float, fruit: float, transload: float) -> dict[str, Any]:
        return {
            "direction": direction,
            "trucks_per_day": n,
            "class_mix": {"fruit": fruit, "general": round(1 - fruit, 6)},
            "route": ["customs", "handover"],
            "handover_shares": {"transloading": transload, "tractor_swap": round(1 - transload, 6)},
        }

    return {
        "name": "fees",
        "run": {"start_date": D(2024, 7, 29), "days": 6, "warmup_days": 1, "seed": 404},
        "cargo_classes": {"fruit": {"perishable": True}, "general": {}},
        "gates": {
            "a": gate({"export": flow("export", 70, 0.6, 0.5), "import": flow("import", 50, 0.3, 0.4)}),
            "b": gate({"export": flow("export", 40, 0.5, 0.5)}),
        },
        "fees": {
            # the vehicle mix lists fruit types in another order than the rates: index 0 is 'small'
            "infrastructure": {
                "fruit": {"big": 2500.0, "small": 1000.0},
                "general": {"small": 800.0, "big": 2000.0},
            },
            "vehicle_mix": {"fruit": {"small": 0.3, "big": 0.7}},
            "regimes": [
                {"name": "imports", "coefficient": 1.3, "directions": ["import"]},
                {"name": "transloaded", "coefficient": 0.3, "modes": ["transloading"]},
                {"name": "fruit_at_b", "coefficient": 0.5, "classes": ["fruit"], "gates": ["b"]},
            ],
            "transloading": {"fruit": 450000.0},
        },
    }


def _fees_by_hand(data: dict[str, Any], out: RunOutput, vehicle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    fees = data["fees"]
    infra, trans = np.zeros(len(out.t_arrive)), np.zeros(len(out.t_arrive))
    for i in range(len(out.t_arrive)):
        cls = out.class_names[out.truck_class[i]]
        gate = out.gate_names[out.truck_gate[i]]
        direction = str(out.truck_direction[i])
        mode = MODES[out.truck_mode[i]] if out.truck_mode[i] >= 0 else None
        types = list(fees["vehicle_mix"].get(cls, fees["infrastructure"][cls]))
        coefficient = 1.0
        for regime in fees["regimes"]:
            if (
                direction in regime.get("directions", [direction])
                and mode in regime.get("modes", [mode])
                and cls in regime.get("classes", [cls])
                and gate in regime.get("gates", [gate])
            ):
                coefficient = regime["coefficient"]
                break
        infra[i] = fees["infrastructure"][cls][types[vehicle[i]]] * coefficient
        trans[i] = fees["transloading"].get(cls, 0.0) if mode == "transloading" else 0.0
    return infra, trans


def test_fees_by_hand() -> None:
    data = _fee_scenario()
    sc = _load(data)
    out = Model(sc, 0).output()
    vehicle = np.asarray(out.truck_vehicle)
    fruit, general = out.truck_class == 0, out.truck_class == 1
    assert _binomial_ok(int((vehicle[fruit] == 1).sum()), int(fruit.sum()), 0.7)  # 'big' is index 1 for fruit
    assert _binomial_ok(int((vehicle[general] == 1).sum()), int(general.sum()), 0.5)  # default: equal shares
    infra, trans = _fees_by_hand(data, out, vehicle)
    np.testing.assert_allclose(out.truck_fee_infrastructure, infra, rtol=1e-12, atol=0)
    np.testing.assert_allclose(out.truck_fee_transloading, trans, rtol=1e-12, atol=0)
    # the first matching regime wins: there are imports that were transloaded, and fruit at b not transloaded
    transloaded = out.truck_mode == MODES.index("transloading")
    assert np.any(transloaded & (out.truck_direction == "import"))
    assert np.any(fruit & (out.truck_gate == 1) & ~transloaded)

    kpis = replication_kpis(out)
    paid = (out.t_exit >= out.warmup_min) & (out.t_exit < out.horizon_min)
    assert paid.sum() < len(paid), "every truck paid: the window filter is not exercised"
    scopes = {("all", "all"): np.ones(len(paid), bool)}
    scopes.update({("gate", g): out.truck_gate == i for i, g in enumerate(out.gate_names)})
    scopes.update({("direction", d): out.truck_direction == d for d in ("export", "import")})
    for (scope, key), mask in scopes.items():
        i_total, t_total = infra[paid & mask].sum(), trans[paid & mask].sum()
        assert _kpi(kpis, "fees_vnd_infrastructure", scope, key) == pytest.approx(i_total, rel=1e-12)
        assert _kpi(kpis, "fees_vnd_transloading", scope, key) == pytest.approx(t_total, rel=1e-12)
        total = _kpi(kpis, "fees_vnd_total", scope, key)
        assert total == pytest.approx(i_total + t_total, rel=1e-12)
        parts = _kpi(kpis, "fees_vnd_infrastructure", scope, key) + _kpi(kpis, "fees_vnd_transloading", scope, key)
        assert total == pytest.approx(parts, rel=1e-12)
    monthly = fees_by_month(out)
    assert set(monthly.month) == {"2024-07", "2024-08"}
    for gname, grp in monthly.groupby("gate"):
        mask = paid & (out.truck_gate == out.gate_names.index(gname))
        assert grp.trucks.sum() == mask.sum()
        assert grp.infrastructure.sum() == pytest.approx(_kpi(kpis, "fees_vnd_infrastructure", "gate", gname))
        assert grp.total.sum() == pytest.approx(_kpi(kpis, "fees_vnd_total", "gate", gname), rel=1e-12)


def test_fees_csv_months_add_up_to_the_kpis() -> None:
    res = simulator.run(_load(_fee_scenario()), replications=3, event_log="none")
    table = pd.read_csv(io.BytesIO(res.files()["fees.csv"]))
    assert list(table.columns[:2]) == ["gate", "month"]
    assert set(table.month) == {"2024-07", "2024-08"}
    for gname, grp in table.groupby("gate"):
        for column, kpi in (
            ("total", "fees_vnd_total"),
            ("infrastructure", "fees_vnd_infrastructure"),
            ("transloading", "fees_vnd_transloading"),
        ):
            assert grp[column].sum() == pytest.approx(res.kpi(kpi, "gate", gname)["mean"], rel=1e-9), (gname, kpi)
    assert table.total.sum() == pytest.approx(res.kpi("fees_vnd_total")["mean"], rel=1e-9)
    for r in range(3):
        reps = res.replications[res.replications.replication == r]
        parts = _kpi(reps, "fees_vnd_infrastructure") + _kpi(reps, "fees_vnd_transloading")
        assert _kpi(reps, "fees_vnd_total") == pytest.approx(parts, rel=1e-12)


# ---------------------------------------------------------------- 5. caps on the partner clock


def _cap_scenario(cn: dict[str, Any], disruption: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "caps",
        "run": {"start_date": D(2024, 8, 1), "days": 8, "warmup_days": 1, "seed": 5},
        "cargo_classes": {"general": {}},
        "gates": {
            "hn": {
                "stages": {
                    "customs": {"servers": 4, "service": _exp(5)},
                    "cn": {"side": "partner", "utc_offset_h": 8, "servers": 3, "service": _exp(5), **cn},
                },
                "flows": {
                    "export": {
                        "direction": "export",
                        "trucks_per_day": 70,
                        "class_mix": {"general": 1},
                        "route": ["customs", "cn"],
                    }
                },
            }
        },
        "calendar": {"disruptions": [{"gate": "hn", "side": "partner", **disruption}]},
    }


def test_partner_day_cap_counts_local_days_and_a_cap_disruption_lowers_only_its_dates() -> None:
    data = _cap_scenario({"cap_per_day": 40}, {"start": D(2024, 8, 4), "end": D(2024, 8, 5), "cap_per_day": 10})
    out = simulate(_load(data))
    starts = _starts(out, "hn.cn")
    local_day = np.bincount(np.floor((starts + 60) / DAY).astype(int))  # UTC+8: one hour ahead of the model
    assert local_day.max() <= 40
    assert local_day[3] == local_day[4] == 10, local_day  # 4 and 5 August, local
    for day in (1, 2, 5, 6, 7):
        assert local_day[day] == 40, local_day  # demand (70 a day) keeps the cap binding
    model_day = np.bincount(np.floor(starts / DAY).astype(int))
    assert model_day.max() > 40, "caps counted on the model clock, not the partner's"
    customs = np.bincount(np.floor(_starts(out, "hn.customs") / DAY).astype(int))
    assert customs[3] > 10 and customs[4] > 10, "the partner cap disruption reached a home stage"


def test_partner_hour_cap_and_a_cap_disruption() -> None:
    data = _cap_scenario({"cap_per_hour": 2}, {"start": D(2024, 8, 4), "end": D(2024, 8, 4), "cap_per_hour": 1})
    out = simulate(_load(data))
    local_hour = np.bincount(np.floor((_starts(out, "hn.cn") + 60) / 60).astype(int), minlength=8 * 24)
    assert local_hour.max() <= 2
    disrupted = local_hour[3 * 24 : 4 * 24]
    assert disrupted.max() == 1 and disrupted.sum() == 24, disrupted
    np.testing.assert_array_equal(local_hour[4 * 24 : 5 * 24], 2)  # the next local day is back to 2 an hour


# ---------------------------------------------------------------- 6. closures


def _two_gates(calendar: dict[str, Any]) -> dict[str, Any]:
    def gate() -> dict[str, Any]:
        return {
            "stages": {
                "customs": {"servers": 4, "service": _exp(5)},
                "cn": {"side": "partner", "utc_offset_h": 8, "servers": 3, "service": _exp(5)},
            },
            "flows": {
                "export": {
                    "direction": "export",
                    "trucks_per_day": 80,
                    "class_mix": {"general": 1},
                    "route": ["customs", "cn"],
                }
            },
        }

    return {
        "name": "closures",
        "run": {"start_date": D(2024, 8, 1), "days": 8, "warmup_days": 1, "seed": 3},
        "cargo_classes": {"general": {}},
        "gates": {"a": gate(), "b": gate()},
        "calendar": calendar,
    }


def test_dated_partner_closure_is_read_on_the_partner_clock() -> None:
    """Partner side of b closed on 6 August and from 10:00 to 14:00 on 3 August, local UTC+8 times."""
    calendar = {
        "closures": [{"gates": ["b"], "side": "partner", "start": D(2024, 8, 6), "end": D(2024, 8, 6)}],
        "disruptions": [
            {
                "gate": "b",
                "stages": ["cn"],
                "start": dt.datetime(2024, 8, 3, 10, 0),
                "end": dt.datetime(2024, 8, 3, 14, 0),
                "closed": True,
            }
        ],
    }
    out = simulate(_load(_two_gates(calendar)))
    cn, customs, other = _starts(out, "b.cn"), _starts(out, "b.customs"), _starts(out, "a.cn")
    for lo, hi in ((5 * DAY - 60, 6 * DAY - 60), (2 * DAY + 540, 2 * DAY + 780)):  # local spans in model minutes
        assert not np.any((cn >= lo) & (cn < hi)), (lo, hi)
        assert np.any((cn >= hi) & (cn < hi + 60)), "no backlog cleared right after the closure"
        assert np.any((customs >= lo) & (customs < hi)), "the home side was closed too"
        assert np.any((other >= lo) & (other < hi)), "the other gate was closed too"


def test_weekday_closure_at_one_gate() -> None:
    """Gate a closed on Saturdays and Sundays (3 and 4 August 2024), each stage on its own clock."""
    out = simulate(_load(_two_gates({"closures": [{"gates": ["a"], "weekdays": ["sat", "sun"]}]})))
    for stage, shift in (("customs", 0), ("cn", 60)):
        for gate, closed in (("a", True), ("b", False)):
            days = np.bincount(np.floor((_starts(out, f"{gate}.{stage}") + shift) / DAY).astype(int), minlength=8)
            weekend = days[2:4]
            assert (weekend.sum() == 0) == closed, (gate, stage, days)
            assert np.all(days[[1, 4, 5]] > 0), (gate, stage, days)


# ---------------------------------------------------------------- 7-8. channels, scanners, lab holds, hand-over modes

CHANNEL_SHARES = {
    ("export", "fruit"): (0.2, 0.3, 0.5),  # the class key beats the direction key
    ("export", "general"): (0.5, 0.3, 0.2),  # the direction key
    ("import", "fruit"): (0.2, 0.3, 0.5),
    ("import", "general"): (0.9, 0.1, 0.0),  # 'direction.class' is the most specific
}
CUSTOMS_TIME = {"green": 3.0, "yellow": 20.0, "red": 100.0}
SCANNED_TIME, SCAN_TIME, LAB_TIME = 7.0, 15.0, 240.0
MODE_SHARES = {
    ("export", "fruit"): {"transloading": 0.9, "through_driving": 0.1},
    ("export", "general"): {"transloading": 0.5, "tractor_swap": 0.3, "crane_lift": 0.2},
    ("import", "fruit"): {"tractor_swap": 0.6, "crane_lift": 0.4},
    ("import", "general"): {"tractor_swap": 0.6, "crane_lift": 0.4},
}
MODE_TIME = {"transloading": 30.0, "tractor_swap": 12.0, "crane_lift": 20.0, "through_driving": 2.0}


def _mixed() -> dict[str, Any]:
    """Deterministic times, so each recorded service tells which branch a truck took; ample servers."""
    many = 60
    return {
        "name": "mixed",
        "run": {"start_date": D(2024, 8, 1), "days": 8, "warmup_days": 1, "seed": 909},
        "cargo_classes": {"fruit": {"perishable": True}, "general": {}},
        "gates": {
            "hn": {
                "scanners": {"count": 6, "scan": _det(SCAN_TIME)},
                "stages": {
                    "customs": {
                        "servers": many,
                        "channels": {
                            "shares": {"green": 0.7, "yellow": 0.2, "red": 0.1},
                            "shares_by": {
                                "export": {"green": 0.5, "yellow": 0.3, "red": 0.2},
                                "fruit": {"green": 0.2, "yellow": 0.3, "red": 0.5},
                                "import.general": {"green": 0.9, "yellow": 0.1, "red": 0.0},
                            },
                            "service": {c: _det(t) for c, t in CUSTOMS_TIME.items()},
                            "red_scan_share": 0.4,
                            "scanned_service": _det(SCANNED_TIME),
                        },
                    },
                    "quarantine": {
                        "servers": many,
                        "service": _det(10),
                        "visit_probability": 0.5,
                        "visit_probability_by_class": {"fruit": 1},
                        "lab_hold": {
                            "probability": 0.1,
                            "probability_by_class": {"fruit": 0.3},
                            "time": _det(LAB_TIME),
                        },
                    },
                    "handover": {
                        "modes": {
                            "transloading": {
                                "servers": many,
                                "service": _det(45),
                                "service_by_class": {"general": _det(30)},
                            },
                            "tractor_swap": {"servers": many, "service": _det(MODE_TIME["tractor_swap"])},
                            "crane_lift": {"servers": many, "service": _det(MODE_TIME["crane_lift"])},
                            "through_driving": {"servers": many, "service": _det(MODE_TIME["through_driving"])},
                        }
                    },
                },
                "flows": {
                    "export": {
                        "direction": "export",
                        "trucks_per_day": 300,
                        "class_mix": {"fruit": 0.5, "general": 0.5},
                        "route": ["customs", "quarantine", "handover"],
                        "handover_shares": MODE_SHARES[("export", "general")],
                        "handover_shares_by_class": {"fruit": MODE_SHARES[("export", "fruit")]},
                    },
                    "import": {
                        "direction": "import",
                        "trucks_per_day": 200,
                        "class_mix": {"fruit": 0.3, "general": 0.7},
                        "route": ["customs", "quarantine", "handover"],
                        "handover_shares": MODE_SHARES[("import", "general")],
                    },
                },
            }
        },
    }


@pytest.fixture(scope="module")
def mixed_out() -> RunOutput:
    return simulate(_load(_mixed()))


def _groups(out: RunOutput) -> dict[tuple[str, str], np.ndarray]:
    return {
        (d, c): (out.truck_direction == d) & (out.truck_class == out.class_names.index(c))
        for d in ("export", "import")
        for c in ("fruit", "general")
    }


def _one_row_per_truck(out: RunOutput, stage: str) -> tuple[np.ndarray, VisitLog]:
    """Per truck: the row index of its visit to ``stage`` (-1 if none), and that stage's rows."""
    rows = _rows(out, stage)
    assert len(np.unique(rows.truck)) == len(rows.truck), f"a truck visited {stage} twice"
    index = np.full(len(out.t_arrive), -1)
    index[rows.truck] = np.arange(len(rows.truck))
    return index, rows


def test_channel_shares_follow_the_most_specific_key(mixed_out: RunOutput) -> None:
    out = mixed_out
    assert np.all(out.truck_channel >= 0), "every truck visits customs"
    for group, mask in _groups(out).items():
        n = int(mask.sum())
        assert n > 300, group
        for ci, share in enumerate(CHANNEL_SHARES[group]):
            k = int((out.truck_channel[mask] == ci).sum())
            assert _binomial_ok(k, n, share), (group, CHANNELS[ci], k, n, share)


def test_only_scanned_red_trucks_use_the_scanners(mixed_out: RunOutput) -> None:
    out = mixed_out
    customs_row, customs = _one_row_per_truck(out, "hn.customs")
    scan_row, scans = _one_row_per_truck(out, "hn.scanners")
    red = out.truck_channel == CHANNELS.index("red")
    assert np.all(red[scans.truck]), "a green or yellow truck was scanned"
    cleared = np.zeros(len(red), bool)
    cleared[customs.truck[~np.isnan(customs.t_end)]] = True
    reached = red & cleared  # past the officer: scanned or not is decided
    scanned = scan_row >= 0
    assert _binomial_ok(int((scanned & reached).sum()), int(reached.sum()), 0.4)
    # officer time tells the branch: green 3, yellow 20, red searched 100, red scanned 7 (then a 15 min scan)
    expected = np.array([CUSTOMS_TIME[c] for c in CHANNELS])[out.truck_channel]
    expected[red & scanned] = SCANNED_TIME
    done = customs_row[cleared]
    np.testing.assert_allclose(customs.t_end[done] - customs.t_start[done], expected[cleared], atol=1e-9)
    finished = ~np.isnan(scans.t_end)
    np.testing.assert_allclose(scans.t_end[finished] - scans.t_start[finished], SCAN_TIME, atol=1e-9)


def test_lab_hold_share_and_pure_delay(mixed_out: RunOutput) -> None:
    out = mixed_out
    customs_row, customs = _one_row_per_truck(out, "hn.customs")
    past_customs = np.zeros(len(out.t_arrive), bool)
    past_customs[customs.truck[~np.isnan(customs.t_end)]] = True
    q_row, quarantine = _one_row_per_truck(out, "hn.quarantine")
    lab_row, lab = _one_row_per_truck(out, "hn.quarantine.lab")
    assert out.stage_kind[out.stage_names.index("hn.quarantine.lab")] == "lab"
    released = np.zeros(len(out.t_arrive), bool)
    released[quarantine.truck[~np.isnan(quarantine.t_end)]] = True
    held = lab_row >= 0
    assert np.all(released[lab.truck]), "held without a quarantine visit"
    for ci, (cname, p_visit, p_hold) in enumerate((("fruit", 1.0, 0.3), ("general", 0.5, 0.1))):
        cls = out.truck_class == ci
        decided = cls & past_customs  # the visit draw applies once a truck is past customs
        assert _binomial_ok(int((decided & (q_row >= 0)).sum()), int(decided.sum()), p_visit), cname
        assert not np.any(cls & ~past_customs & (q_row >= 0))
        reached = cls & released
        assert _binomial_ok(int((held & reached).sum()), int(reached.sum()), p_hold), cname
    np.testing.assert_array_equal(lab.t_start, lab.t_queue)  # no server to wait for
    finished = ~np.isnan(lab.t_end)
    np.testing.assert_allclose(lab.t_end[finished] - lab.t_start[finished], LAB_TIME, atol=1e-9)


def test_handover_mode_shares_and_one_mode_per_truck(mixed_out: RunOutput) -> None:
    out = mixed_out
    mode_stages = [i for i, name in enumerate(out.stage_names) if out.stage_kind[i] == "mode"]
    defined = ("transloading", "tractor_swap", "crane_lift", "through_driving")  # the modes of the test gate
    assert {out.stage_names[i] for i in mode_stages} == {f"hn.handover.{m}" for m in defined}
    v = out.visits
    is_mode = np.isin(v.stage, mode_stages)
    per_truck = np.bincount(v.truck[is_mode], minlength=len(out.t_arrive))
    assert per_truck.max() == 1, "a truck used two hand-over modes"
    truck = v.truck[is_mode]
    names = np.array(out.stage_names)[v.stage[is_mode]]
    np.testing.assert_array_equal(names, np.char.add("hn.handover.", np.array(MODES)[out.truck_mode[truck]]))
    exited = ~np.isnan(out.t_exit)
    assert np.all(per_truck[exited] == 1), "a truck left without a hand-over"
    for group, mask in _groups(out).items():
        n = int(mask.sum())
        for mi, mode in enumerate(MODES):
            k = int((out.truck_mode[mask] == mi).sum())
            assert _binomial_ok(k, n, MODE_SHARES[group].get(mode, 0.0)), (group, mode, k, n)
    finished = is_mode & ~np.isnan(v.t_end)
    got = v.t_end[finished] - v.t_start[finished]
    modes = np.array(MODES)[out.truck_mode[v.truck[finished]]]
    general = out.truck_class[v.truck[finished]] == out.class_names.index("general")
    expected = np.array([MODE_TIME[m] for m in modes])
    expected[(modes == "transloading") & ~general] = 45.0  # the mode's default; general has its own time
    np.testing.assert_allclose(got, expected, atol=1e-9)


# ---------------------------------------------------------------- 9. diversion


def _diversion_scenario(share: float) -> dict[str, Any]:
    def gate(slots: int, servers: int, mean: float, n: float) -> dict[str, Any]:
        return {
            "yards": {"park": {"slots": slots}},
            "stages": {"customs": {"servers": servers, "service": _exp(mean)}},
            "flows": {
                "export": {
                    "direction": "export",
                    "trucks_per_day": n,
                    "class_mix": {"general": 1},
                    "route": ["park", "customs"],
                }
            },
        }

    a = gate(3, 1, 30, 60)
    a["diversion"] = {"to": "b", "share": share, "travel_min": 45}
    return {
        "name": "diversion",
        "run": {"start_date": D(2024, 8, 1), "days": 5, "warmup_days": 1, "seed": 8},
        "cargo_classes": {"general": {}},
        "gates": {"a": a, "b": gate(100, 3, 5, 20)},
    }


def test_full_yard_diverts_every_arrival_when_the_share_is_one() -> None:
    out = simulate(_load(_diversion_scenario(1.0)))
    a_export, b_export = out.flow_names.index("a.export"), out.flow_names.index("b.export")
    diverted = out.truck_origin_flow >= 0
    assert diverted.sum() > 10
    assert np.all(out.truck_origin_flow[diverted] == a_export)
    assert np.all(out.truck_flow[diverted] == b_export)
    v = out.visits
    b = out.gate_names.index("b")
    assert np.all(out.stage_gate[v.stage[diverted[v.truck]]] == b), "a diverted truck used gate a"
    first = np.unique(v.truck, return_index=True)[1]
    first = first[diverted[v.truck[first]]]
    np.testing.assert_allclose(v.t_queue[first], out.t_arrive[v.truck[first]] + 45, rtol=1e-12)
    # diverted exactly when gate a's yard was full on arrival
    park = _rows(out, "a.park")
    occupancy = Level(park.t_start[~np.isnan(park.t_start)], park.t_end[~np.isnan(park.t_start)])
    came_to_a = (out.truck_flow == a_export) | diverted
    just_before = np.nextafter(out.t_arrive[came_to_a], -np.inf)
    np.testing.assert_array_equal(occupancy.at(just_before) >= 3, diverted[came_to_a])
    kpis = replication_kpis(out)
    measured = diverted & (out.t_arrive >= out.warmup_min)
    days = (out.horizon_min - out.warmup_min) / DAY
    assert _kpi(kpis, "diverted_per_day", "gate", "a") == pytest.approx(measured.sum() / days, rel=1e-12)
    assert _kpi(kpis, "diverted_per_day") == pytest.approx(measured.sum() / days, rel=1e-12)
    assert _kpi(kpis, "diverted_per_day", "gate", "b") == 0
    assert _kpi(kpis, "road_queue_max", "gate", "a") == 0, "with every overflow diverted nobody waits on a's road"


def test_no_diversion_when_the_share_is_zero() -> None:
    out = simulate(_load(_diversion_scenario(0.0)))
    assert not np.any(out.truck_origin_flow >= 0)
    kpis = replication_kpis(out)
    for scope, key in (("all", "all"), ("gate", "a"), ("gate", "b")):
        assert _kpi(kpis, "diverted_per_day", scope, key) == 0
    assert _kpi(kpis, "road_queue_max", "gate", "a") > 0, "the yard never filled: the trigger was not tested"
    np.testing.assert_array_equal(out.t_arrive, simulate(_load(_diversion_scenario(1.0))).t_arrive)


# ---------------------------------------------------------------- 10. Time Release Study


def test_trs_milestones_are_ordered_and_exit_is_time_in_system(full_outputs: list[RunOutput]) -> None:
    for out in full_outputs:
        milestone_of = dict(zip(out.stage_names, out.stage_milestone))
        assert milestone_of["hn.customs"] == milestone_of["hn.scanners"] == "customs_release"
        assert milestone_of["hn.quarantine"] == milestone_of["hn.quarantine.lab"] == "quarantine_release"
        assert milestone_of["hn.handover.transloading"] == milestone_of["tt.handover.crane_lift"] == "handover"
        keep = (out.t_arrive >= out.warmup_min) & ~np.isnan(out.t_exit)
        # by hand: first yard entry, last end at each milestone's resources, exit
        v = out.visits
        names = np.array(out.stage_names)[v.stage]
        by_hand = np.full((len(out.t_arrive), len(MILESTONES)), np.nan)
        for t, name, start, end in zip(v.truck, names, v.t_start, v.t_end):
            if out.stage_kind[out.stage_names.index(name)] == "yard":
                if np.isnan(by_hand[t, 0]):
                    by_hand[t, 0] = start
            elif milestone_of[name]:
                j = MILESTONES.index(milestone_of[name])
                by_hand[t, j] = np.fmax(by_hand[t, j], end)
        by_hand[:, 4] = out.t_exit
        by_hand = (by_hand - out.t_arrive[:, None]) / 60
        hours = milestone_hours(out)
        np.testing.assert_allclose(hours[keep], by_hand[keep], rtol=1e-12, atol=1e-12)
        # the export route at hn orders every milestone: park, customs, quarantine, wharf, handover, cn
        export_hn = keep & (out.truck_flow == out.flow_names.index("hn.export"))
        assert export_hn.sum() > 100
        for a in range(len(MILESTONES)):
            for b in range(a + 1, len(MILESTONES)):
                both = export_hn & ~np.isnan(hours[:, a]) & ~np.isnan(hours[:, b])
                assert np.all(hours[both, a] <= hours[both, b]), (MILESTONES[a], MILESTONES[b])
        np.testing.assert_allclose(hours[keep, 4], (out.t_exit[keep] - out.t_arrive[keep]) / 60, rtol=1e-12)
        table = trs_table(out)
        kpis = replication_kpis(out)
        row = table[(table.direction == "all") & (table.cargo_class == "all") & (table.channel == "all")]
        exit_row = row[row.milestone == "exit"]
        assert int(exit_row.trucks.item()) == keep.sum()
        assert exit_row.mean_h.item() == pytest.approx(_kpi(kpis, "time_in_system_h_mean"), rel=1e-12)
        red = keep & (out.truck_channel == CHANNELS.index("red"))
        red_row = table[(table.direction == "all") & (table.cargo_class == "all") & (table.channel == "red")]
        release = red_row[red_row.milestone == "customs_release"]
        assert int(release.trucks.item()) == red.sum()
        assert release.mean_h.item() == pytest.approx(np.nanmean(by_hand[red, 1]), rel=1e-12)


def test_trs_summary_exit_equals_time_in_system(full_results: Results) -> None:
    trs = full_results.trs
    row = trs[
        (trs.direction == "all") & (trs.cargo_class == "all") & (trs.channel == "all") & (trs.milestone == "exit")
    ]
    kpi = full_results.kpi("time_in_system_h_mean")
    assert row.mean_h.item() == pytest.approx(kpi["mean"], rel=1e-12)
    assert row.mean_h_ci_low.item() == pytest.approx(kpi["ci_low"], rel=1e-12)
    assert set(trs.milestone) == set(MILESTONES)


# ---------------------------------------------------------------- 11. perishable lateness


def test_perishable_late_share_by_hand(full_outputs: list[RunOutput]) -> None:
    for out in full_outputs:
        kpis = replication_kpis(out)
        limit = 8 * 60.0
        stay = np.where(np.isnan(out.t_exit), np.inf, out.t_exit - out.t_arrive)
        watched = (
            out.class_perishable[out.truck_class]
            & (out.t_arrive >= out.warmup_min)
            & (out.t_arrive < out.horizon_min - limit)
        )
        scopes = {("all", "all"): np.ones(len(stay), bool), ("class", "fruit"): out.truck_class == 0}
        scopes.update({("gate", g): out.truck_gate == i for i, g in enumerate(out.gate_names)})
        for (scope, key), mask in scopes.items():
            late = stay[watched & mask] > limit
            assert _kpi(kpis, "perishable_late_share", scope, key) == pytest.approx(late.mean(), rel=1e-12), key
        share = _kpi(kpis, "perishable_late_share")
        assert 0 < share < 1, share
        assert np.isnan(_kpi(kpis, "perishable_late_share", "class", "general"))


# ---------------------------------------------------------------- 12. determinism


def test_same_seed_same_bytes_serially_and_in_two_processes(full_scenario: Scenario, full_results: Results) -> None:
    again = simulator.run(full_scenario, replications=3, jobs=1)
    pooled = simulator.run(full_scenario, replications=3, jobs=2)
    files = full_results.files()
    assert set(files) >= {"trs.csv", "fees.csv", "timeseries.parquet", "trucks.parquet"}
    assert again.files() == files
    assert pooled.files() == files
    assert full_results.kpi("fees_vnd_total")["mean"] > 0
    assert full_results.kpi("diverted_per_day", "gate", "hn")["mean"] > 0


# ---------------------------------------------------------------- whole-day dates through a round trip

CALENDAR_YAML = """\
name: dates
run: {start_date: 2024-08-01, days: 3, warmup_days: 1, replications: 1, seed: 1}
cargo_classes: {general: {}}
gates:
  hn:
    stages:
      customs: {servers: 2, service: {dist: exponential, mean_min: 5}}
      cn: {side: partner, utc_offset_h: 8, servers: 2, service: {dist: exponential, mean_min: 5}}
    flows:
      export: {direction: export, trucks_per_day: 40, class_mix: {general: 1}, route: [customs, cn]}
calendar:
  seasons:
    - {start: 2024-08-01, end: 2024-08-02, multipliers: {general: 1.2}}
  disruptions:
    - {gate: hn, start: 2024-08-02, end: 2024-08-02, closed: true}
"""


def test_a_scenario_object_loads_back_to_itself(tmp_path: Path) -> None:
    """``load_scenario(Scenario)`` (used by compare, studies and --set on a loaded scenario) must not change
    the whole-day date ranges of the calendar."""
    path = tmp_path / "dates.yaml"
    path.write_text(CALENDAR_YAML, encoding="utf-8")
    sc = simulator.load_scenario(path)
    assert type(sc.calendar.disruptions[0].end) is dt.date
    again = simulator.load_scenario(sc)
    assert type(again.calendar.disruptions[0].end) is dt.date
    assert again.digest() == sc.digest()


def test_resolved_scenario_file_reloads_to_the_same_scenario(tmp_path: Path) -> None:
    path = tmp_path / "dates.yaml"
    path.write_text(CALENDAR_YAML, encoding="utf-8")
    sc = simulator.load_scenario(path)
    resolved = tmp_path / "resolved.yaml"
    resolved.write_bytes(simulator.run(sc, replications=1).files()["scenario.resolved.yaml"])
    assert simulator.load_scenario(resolved).digest() == sc.digest()
