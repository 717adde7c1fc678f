"""KPIs as pure functions of one replication's records; the warm-up is a time filter.

Scopes: ``all``; ``gate``, ``direction`` and ``class`` (truck groups); ``stage`` (one
gate's stage, keyed ``gate.stage``). Time in system is in hours, stage waits in minutes.
Trucks and visits that had not finished by the end of the run are counted in
``in_system_end`` and in the levels, and left out of the time statistics.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from .model import RunOutput
from .recording import Level

__all__ = ["STAGE_KPIS", "TRUCK_KPIS", "backlog_growth", "replication_kpis", "timeseries"]

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
    "queue_mean",
    "queue_max",
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


def _groups(out: RunOutput) -> Iterator[tuple[str, str, np.ndarray]]:
    """Yield ``(scope, key, truck mask)`` for every truck group."""
    n = len(out.t_arrive)
    yield "all", "all", np.ones(n, dtype=bool)
    truck_gate = out.flow_gate[out.truck_flow] if n else np.empty(0, np.int16)
    for gi, gate in enumerate(out.gate_names):
        yield "gate", gate, truck_gate == gi
    direction = np.array(out.flow_direction)[out.truck_flow] if n else np.empty(0, str)
    for d in ("export", "import"):
        if d in out.flow_direction:
            yield "direction", d, direction == d
    for ci, cname in enumerate(out.class_names):
        yield "class", cname, out.truck_class == ci


def _pct(x: np.ndarray, q: float) -> float:
    return float(np.percentile(x, q)) if len(x) else float("nan")


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else float("nan")


def _truck_kpis(out: RunOutput, mask: np.ndarray, visit_mask: np.ndarray) -> dict[str, float]:
    t0, t1 = out.warmup_min, out.horizon_min
    days = (t1 - t0) / 1440.0
    arrive, leave = out.t_arrive[mask], out.t_exit[mask]
    done = ~np.isnan(leave)
    tis = (leave[done & (arrive >= t0)] - arrive[done & (arrive >= t0)]) / 60.0
    in_sys = Level(arrive, leave)
    v = out.visits
    queue = Level(v.t_queue[visit_mask], v.t_start[visit_mask])
    return {
        "arrived_per_day": float(((arrive >= t0) & (arrive < t1)).sum() / days),
        "throughput_per_day": float(((leave >= t0) & (leave < t1)).sum() / days),
        "time_in_system_h_mean": _mean(tis),
        "time_in_system_h_p50": _pct(tis, 50),
        "time_in_system_h_p95": _pct(tis, 95),
        "time_in_system_h_max": float(tis.max()) if len(tis) else float("nan"),
        "in_system_mean": in_sys.mean(t0, t1),
        "in_system_end": float((~done).sum()),
        "backlog_growth_per_day": backlog_growth(in_sys, t0, t1),
        "queue_mean": queue.mean(t0, t1),
        "queue_max": queue.max(t0, t1),
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
    capacity = out.stage_servers[si] * open_min
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
    for scope, key, mask in _groups(out):
        values = _truck_kpis(out, mask, mask[visit_truck] if len(visit_truck) else np.empty(0, bool))
        rows.extend((out.replication, scope, key, k, v) for k, v in values.items())
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
        per stage, ``in_system`` per gate.
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
    truck_gate = out.flow_gate[out.truck_flow] if len(out.truck_flow) else np.empty(0, np.int16)
    for gi, gate in enumerate(out.gate_names):
        sel = truck_gate == gi
        add("gate", gate, "in_system", Level(out.t_arrive[sel], out.t_exit[sel]).window_means(edges))
    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "replication", out.replication)
    return table
