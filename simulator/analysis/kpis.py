"""KPIs as pure functions of one replication's records; the warm-up is a time filter.

Scopes: ``all``; ``gate``, ``direction``, ``class``, ``channel`` and ``mode`` (truck
groups); ``stage`` (one resource, keyed ``gate.stage``). Time in system is in hours,
stage waits in minutes, fees in the scenario's currency over the measured window.
Trucks and visits that had not finished by the end of the run are counted in
``in_system_end`` and in the levels, and left out of the time statistics.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from simulator.engine.eventlog import Level
from simulator.engine.output import RunOutput
from simulator.scenario.types import CHANNELS, MODES

__all__ = ["STAGE_KPIS", "TRUCK_KPIS", "backlog_growth", "replication_kpis", "road_rows", "timeseries"]

TRUCK_KPIS = (
    "arrived_per_day",
    "throughput_per_day",
    "time_in_system_h_mean",
    "time_in_system_h_p50",
    "time_in_system_h_p95",
    "time_in_system_h_max",
    "in_system_mean",
    "in_system_end",
    "backlog_growth_per_day",
    "backlog_at_clock",
    "queue_mean",
    "queue_max",
    "road_queue_mean",
    "road_queue_max",
    "road_km_mean",
    "road_km_max",
    "perishable_late_share",
    "diverted_per_day",
    "fees_vnd_total",
    "fees_vnd_infrastructure",
    "fees_vnd_transloading",
)
STAGE_KPIS = (
    "visits_per_day",
    "wait_min_mean",
    "wait_min_p95",
    "service_min_mean",
    "queue_mean",
    "queue_max",
    "busy_mean",
    "utilisation",
)


def _groups(out: RunOutput) -> Iterator[tuple[str, str, np.ndarray, np.ndarray]]:
    """Yield ``(scope, key, truck mask, mask by the gate trucks first came to)`` for every truck group."""
    n = len(out.t_arrive)
    everyone = np.ones(n, dtype=bool)
    yield "all", "all", everyone, everyone
    origin = np.where(out.truck_origin_flow >= 0, out.truck_origin_flow, out.truck_flow)
    first_gate = out.flow_gate[origin] if n else np.empty(0, np.int16)
    for gi, gate in enumerate(out.gate_names):
        yield "gate", gate, out.truck_gate == gi, first_gate == gi
    direction = out.truck_direction
    for d in ("export", "import"):
        if d in out.flow_direction:
            yield "direction", d, direction == d, direction == d
    for ci, cname in enumerate(out.class_names):
        yield "class", cname, out.truck_class == ci, out.truck_class == ci
    for scope, names, column in (("channel", CHANNELS, out.truck_channel), ("mode", MODES, out.truck_mode)):
        for i, name in enumerate(names):
            mask = column == i
            if mask.any():
                yield scope, name, mask, mask


def _pct(x: np.ndarray, q: float) -> float:
    return float(np.percentile(x, q)) if len(x) else float("nan")


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else float("nan")


def road_rows(out: RunOutput) -> np.ndarray:
    """Mask of the visit rows that are a truck's wait on the road.

    A truck whose route starts with a yard and finds it full waits on the road: that is
    the queue part of its first visit row, when that row is a yard.
    """
    v = out.visits
    yard_stage = np.array([k == "yard" for k in out.stage_kind], dtype=bool)
    mask = np.zeros(len(v.stage), dtype=bool)
    if len(v.stage):
        _, first = np.unique(v.truck, return_index=True)
        mask[first[yard_stage[v.stage[first]]]] = True
    return mask


def _clock_times(out: RunOutput) -> np.ndarray:
    times = np.arange(out.horizon_min // 1440 + 1) * 1440.0 + out.backlog_clock_min
    return times[(times >= out.warmup_min) & (times < out.horizon_min)]


def _road(out: RunOutput, rows: np.ndarray) -> tuple[Level, Level]:
    v = out.visits
    metres = out.gate_road_m[out.stage_gate[v.stage[rows]]] / 1000.0
    return Level(v.t_queue[rows], v.t_start[rows]), Level(v.t_queue[rows], v.t_start[rows], metres)


def _time_kpis(out: RunOutput, mask: np.ndarray) -> dict[str, float]:
    t0, t1 = out.warmup_min, out.horizon_min
    arrive, leave = out.t_arrive[mask], out.t_exit[mask]
    done = ~np.isnan(leave)
    measured = done & (arrive >= t0)
    tis = (leave[measured] - arrive[measured]) / 60.0
    perishable = out.class_perishable[out.truck_class[mask]] if mask.any() else np.zeros(0, bool)
    limit = out.perishable_threshold_h * 60.0
    watched = perishable & (arrive >= t0) & (arrive < t1 - limit)
    late = np.where(done, leave - arrive, np.inf)[watched] > limit
    return {
        "arrived_per_day": float(((arrive >= t0) & (arrive < t1)).sum() / ((t1 - t0) / 1440.0)),
        "throughput_per_day": float(((leave >= t0) & (leave < t1)).sum() / ((t1 - t0) / 1440.0)),
        "time_in_system_h_mean": _mean(tis),
        "time_in_system_h_p50": _pct(tis, 50),
        "time_in_system_h_p95": _pct(tis, 95),
        "time_in_system_h_max": float(tis.max()) if len(tis) else float("nan"),
        "perishable_late_share": float(late.mean()) if len(late) else float("nan"),
    }


def _level_kpis(out: RunOutput, mask: np.ndarray, visit_mask: np.ndarray, road: np.ndarray) -> dict[str, float]:
    t0, t1 = out.warmup_min, out.horizon_min
    in_sys = Level(out.t_arrive[mask], out.t_exit[mask])
    v = out.visits
    queue = Level(v.t_queue[visit_mask], v.t_start[visit_mask])
    trucks, km = _road(out, visit_mask & road)
    clock = _clock_times(out)
    return {
        "in_system_mean": in_sys.mean(t0, t1),
        "in_system_end": float(np.isnan(out.t_exit[mask]).sum()),
        "backlog_growth_per_day": backlog_growth(in_sys, t0, t1),
        "backlog_at_clock": float(in_sys.at(clock).mean()) if len(clock) else float("nan"),
        "queue_mean": queue.mean(t0, t1),
        "queue_max": queue.max(t0, t1),
        "road_queue_mean": trucks.mean(t0, t1),
        "road_queue_max": trucks.max(t0, t1),
        "road_km_mean": km.mean(t0, t1),
        "road_km_max": km.max(t0, t1),
    }


def _money_kpis(out: RunOutput, mask: np.ndarray, origin_mask: np.ndarray) -> dict[str, float]:
    t0, t1 = out.warmup_min, out.horizon_min
    leave = out.t_exit[mask]
    paid = (leave >= t0) & (leave < t1)
    infra = float(out.truck_fee_infrastructure[mask][paid].sum())
    trans = float(out.truck_fee_transloading[mask][paid].sum())
    arrive = out.t_arrive[origin_mask]
    diverted = (out.truck_origin_flow[origin_mask] >= 0) & (arrive >= t0) & (arrive < t1)
    return {
        "diverted_per_day": float(diverted.sum() / ((t1 - t0) / 1440.0)),
        "fees_vnd_total": infra + trans,
        "fees_vnd_infrastructure": infra,
        "fees_vnd_transloading": trans,
    }


def backlog_growth(level: Level, t0: float, t1: float) -> float:
    """Least-squares slope (trucks per day) of the daily mean level over whole days in ``[t0, t1]``.

    A stable system has a slope near zero; a backlog that grows without bound has a positive
    one. NaN when fewer than three whole days are available.
    """
    edges = np.arange(t0, t1 + 1e-9, 1440.0)
    if len(edges) < 4:
        return float("nan")
    daily = level.window_means(edges)
    days = np.arange(len(daily), dtype=float)
    return float(np.polyfit(days, daily, 1)[0])


def _stage_kpis(out: RunOutput, si: int) -> dict[str, float]:
    t0, t1 = out.warmup_min, out.horizon_min
    v = out.visits.select(out.visits.stage == si)
    started = ~np.isnan(v.t_start) & (v.t_queue >= t0)
    waits = v.t_start[started] - v.t_queue[started]
    finished = ~np.isnan(v.t_end) & (v.t_start >= t0)
    queue = Level(v.t_queue, v.t_start)
    busy = Level(v.t_start[~np.isnan(v.t_start)], v.t_end[~np.isnan(v.t_start)])
    schedule = out.stage_schedules[si]
    open_min = t1 - t0 if schedule is None else schedule.open_minutes(t0, t1)
    busy_area = float(busy.area(t1) - busy.area(t0))
    capacity = out.stage_servers[si] * open_min if out.stage_kind[si] != "lab" else 0.0
    return {
        "visits_per_day": float(((v.t_queue >= t0) & (v.t_queue < t1)).sum() / ((t1 - t0) / 1440.0)),
        "wait_min_mean": _mean(waits),
        "wait_min_p95": _pct(waits, 95),
        "service_min_mean": _mean(v.t_end[finished] - v.t_start[finished]),
        "queue_mean": queue.mean(t0, t1),
        "queue_max": queue.max(t0, t1),
        "busy_mean": busy.mean(t0, t1),
        "utilisation": busy_area / capacity if capacity > 0 else float("nan"),
    }


def replication_kpis(out: RunOutput) -> pd.DataFrame:
    """All KPIs of one replication as a tidy table.

    Returns
    -------
    pandas.DataFrame
        Columns ``replication, scope, key, kpi, value``.
    """
    rows: list[tuple[Any, ...]] = []
    visit_truck = out.visits.truck
    road = road_rows(out)
    for scope, key, mask, origin_mask in _groups(out):
        visit_mask = mask[visit_truck] if len(visit_truck) else np.empty(0, bool)
        values = {**_time_kpis(out, mask), **_level_kpis(out, mask, visit_mask, road)}
        values.update(_money_kpis(out, mask, origin_mask))
        rows.extend((out.replication, scope, key, k, values[k]) for k in TRUCK_KPIS)
    for si, sname in enumerate(out.stage_names):
        values = _stage_kpis(out, si)
        rows.extend((out.replication, "stage", sname, k, v) for k, v in values.items())
    return pd.DataFrame(rows, columns=["replication", "scope", "key", "kpi", "value"])


def timeseries(out: RunOutput, step_min: float = 60.0) -> pd.DataFrame:
    """Time-averaged levels per interval of ``step_min`` over the whole run, warm-up included.

    Returns
    -------
    pandas.DataFrame
        Columns ``replication, time_h, scope, key, metric, value``: ``queue`` and ``busy``
        per stage; ``in_system``, ``road_queue`` and ``road_km`` per gate; ``in_system``
        per direction.
    """
    edges = np.arange(0.0, out.horizon_min + step_min / 2, step_min)
    hours = edges[:-1] / 60.0
    frames = []

    def add(scope: str, key: str, metric: str, values: np.ndarray) -> None:
        frames.append(pd.DataFrame({"time_h": hours, "scope": scope, "key": key, "metric": metric, "value": values}))

    v = out.visits
    for si, sname in enumerate(out.stage_names):
        sel = v.stage == si
        started = sel & ~np.isnan(v.t_start)
        add("stage", sname, "queue", Level(v.t_queue[sel], v.t_start[sel]).window_means(edges))
        add("stage", sname, "busy", Level(v.t_start[started], v.t_end[started]).window_means(edges))
    road = road_rows(out)
    for gi, gate in enumerate(out.gate_names):
        sel = out.truck_gate == gi
        add("gate", gate, "in_system", Level(out.t_arrive[sel], out.t_exit[sel]).window_means(edges))
        trucks, km = _road(out, road & (out.stage_gate[v.stage] == gi))
        add("gate", gate, "road_queue", trucks.window_means(edges))
        add("gate", gate, "road_km", km.window_means(edges))
    direction = out.truck_direction
    for d in ("export", "import"):
        if d in out.flow_direction:
            sel = direction == d
            add("direction", d, "in_system", Level(out.t_arrive[sel], out.t_exit[sel]).window_means(edges))
    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "replication", out.replication)
    return table
