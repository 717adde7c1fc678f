"""The tables a :class:`~simulator.analysis.reducer.Reducer` ends with: KPIs, hourly series, fees by month.

Each KPI's definition is in :mod:`simulator.analysis.reducer`; its name, unit and label are in
:mod:`simulator.analysis.registry`, whose order the table follows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.analysis.levels import LevelFamily
from simulator.analysis.registry import STAGE_KPIS, TRUCK_KPIS
from simulator.analysis.resilience import resilience_values

if TYPE_CHECKING:
    from simulator.analysis.reducer import Reducer

__all__ = ["FEE_COLUMNS", "MIN_DAYS", "MIN_PERIODS", "fees_table", "growth_per_day", "kpi_table", "timeseries_series"]

FEE_COLUMNS = ["replication", "gate", "month", "trucks", "infrastructure", "transloading", "total"]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


#: Whole calendar periods the backlog trend needs, and days (fewer: the growth is NaN, "inconclusive").
MIN_PERIODS = 2
MIN_DAYS = 3


def growth_per_day(daily: np.ndarray, period_days: int) -> np.ndarray:
    """Backlog growth (trucks per day) of each column of daily means, compared over whole periods.

    The days are grouped into whole calendar periods from the start of the measured window
    (a trailing partial period is left out), so a weekly closure always falls at the same
    place in a period; the growth is the least-squares slope of the period means against the
    period's start day. NaN with fewer than :data:`MIN_PERIODS` whole periods or
    :data:`MIN_DAYS` days in them.

    >>> week = np.array([10.0, 10, 10, 10, 10, 30, 30])  # a weekend closure, no trend
    >>> round(float(growth_per_day(np.tile(week, 2)[:, None], 7)[0]), 9)
    0.0
    >>> bool(np.isnan(growth_per_day(np.tile(week, 2)[:13, None], 7)[0]))
    True
    """
    periods = daily.shape[0] // period_days
    if periods < MIN_PERIODS or periods * period_days < MIN_DAYS:
        return np.full(daily.shape[1], np.nan)
    means = daily[: periods * period_days].reshape(periods, period_days, -1).mean(axis=1)
    starts = np.arange(periods, dtype=float) * period_days
    return np.polyfit(starts, means, 1)[0]


def truck_values(r: Reducer) -> dict[str, np.ndarray]:
    """Every truck KPI of every group, keyed by KPI."""
    g, t0, t1, days = r.g, r.t0, r.t1, r.window_days
    span = t1 - t0
    clock = np.array(r.clock_levels).reshape(len(r.clock_levels), r.groups.n)
    tis = r.tis.percentiles([50, 95])
    return {
        "arrived_per_day": g["arrived"] / days,
        "throughput_per_day": g["throughput"] / days,
        "time_in_system_h_mean": _ratio(g["tis_sum"], g["tis_n"]),
        "time_in_system_h_p50": tis[:, 0],
        "time_in_system_h_p95": tis[:, 1],
        "time_in_system_h_max": r.tis.maximum(),
        "in_system_mean": r.system.measured(t0, t1) / span,
        "in_system_end": g["in_system_end"],
        "backlog_growth_per_day": growth_per_day(r.system.daily_means(t0, t1), r.lay.period_days),
        "backlog_at_clock": clock.mean(axis=0) if len(clock) else np.full(r.groups.n, np.nan),
        "queue_mean": r.queue.measured(t0, t1) / span,
        "queue_max": r.queue.max_over(t0, t1),
        "road_queue_mean": r.road.measured(t0, t1) / span,
        "road_queue_max": r.road.max_over(t0, t1),
        "road_km_mean": r.road_km.measured(t0, t1) / span,
        "road_km_max": r.road_km.max_over(t0, t1),
        "perishable_late_share": _ratio(g["late"], g["watched"]),
        "diverted_per_day": g["diverted"] / days,
        "balked_trucks": g["balked"],
        "deferred_trucks": g["deferred"],
        "lost_trucks": g["lost"],
        "reneged_trucks": g["reneged"],
        "fees_vnd_total": g["fee_i"] + g["fee_t"],
        "fees_vnd_per_day": (g["fee_i"] + g["fee_t"]) / days,
        "fees_vnd_infrastructure": g["fee_i"],
        "fees_vnd_transloading": g["fee_t"],
        **r.money.values(g["fee_i"] + g["fee_t"]),
        **resilience_values(r, *r.hourly_levels),
    }


def stage_values(r: Reducer) -> dict[str, np.ndarray]:
    """Every stage KPI of every stage, keyed by KPI."""
    s, lay, t0, t1, days = r.s, r.lay, r.t0, r.t1, r.window_days
    span = t1 - t0
    lab = np.array([k == "lab" for k in lay.stage_kind], dtype=bool)
    servers = np.where(lab, 0.0, lay.stage_servers.astype(float))
    open_minutes = np.array(
        [span if sch is None else sch.open_minutes(t0, t1) for sch in lay.stage_schedules], dtype=float
    )
    busy_area = r.stage_busy.measured(t0, t1)
    open_busy = np.minimum(s["open_busy"], busy_area)
    return {
        "visits_per_day": s["visits"] / days,
        "wait_min_mean": _ratio(s["wait_sum"], s["wait_n"]),
        "wait_min_p95": r.waits.percentile(95),
        "service_min_mean": _ratio(s["service_sum"], s["service_n"]),
        "queue_mean": r.stage_queue.measured(t0, t1) / span,
        "queue_max": r.stage_queue.max_over(t0, t1),
        "busy_mean": busy_area / span,
        "utilisation": _ratio(open_busy, servers * open_minutes),
        "busy_share_24h": _ratio(busy_area, servers * span),
        "overtime_min": np.where(lab, np.nan, np.maximum(busy_area - open_busy, 0.0)),
    }


def kpi_table(r: Reducer) -> pd.DataFrame:
    """``replication, scope, key, kpi, value``: truck groups first, then stages, in registry order."""
    values = truck_values(r)
    groups = list(r.groups.listed(r.g["seen"] > 0))
    truck = np.stack([np.asarray(values[k], dtype=float)[groups] for k in TRUCK_KPIS], axis=1)
    stage_v = stage_values(r)
    n_stages = len(r.lay.stage_names)
    stage = (
        np.stack([np.asarray(stage_v[k], dtype=float) for k in STAGE_KPIS], axis=1) if n_stages else np.zeros((0, 0))
    )
    nt, ns = len(TRUCK_KPIS), len(STAGE_KPIS)
    scopes = [r.groups.scopes[g] for g in groups]
    keys = [r.groups.keys[g] for g in groups]
    return pd.DataFrame(
        {
            "replication": r.lay.replication,
            "scope": np.repeat(scopes, nt).tolist() + ["stage"] * (n_stages * ns),
            "key": np.repeat(keys, nt).tolist() + np.repeat(list(r.lay.stage_names), ns).tolist(),
            "kpi": list(TRUCK_KPIS) * len(groups) + list(STAGE_KPIS) * n_stages,
            "value": np.concatenate((truck.ravel(), stage.ravel())),
        }
    )


def timeseries_series(r: Reducer) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """The hourly series: queue and busy per stage; in system, road queue and road km per gate; per direction.

    The hourly areas move out of the level families into one array (the reducer keeps none
    after), so a long run's series are never held twice.
    """
    lay, grp = r.lay, r.groups
    series: list[tuple[str, str, str]] = []
    for name in lay.stage_names:
        series += [("stage", name, "queue"), ("stage", name, "busy")]
    for gate in lay.gate_names:
        series += [("gate", gate, "in_system"), ("gate", gate, "road_queue"), ("gate", gate, "road_km")]
    series += [("direction", d, "in_system") for d in grp.directions]
    hourly = np.zeros((len(series), int(round(lay.horizon_min / 60.0))))
    n_stages, n_gates = len(lay.stage_names), len(lay.gate_names)
    r.stage_queue.move_hourly(hourly, 2 * np.arange(n_stages))
    r.stage_busy.move_hourly(hourly, 2 * np.arange(n_stages) + 1)
    first_gate = 2 * n_stages
    gate_rows = {grp.gate_offset + gi: first_gate + 3 * gi for gi in range(n_gates)}
    direction_rows = {grp.direction_offset + di: first_gate + 3 * n_gates + di for di in range(len(grp.directions))}
    r.system.move_hourly(hourly, _rows(r.system, {**gate_rows, **direction_rows}))
    r.road.move_hourly(hourly, _rows(r.road, {g: row + 1 for g, row in gate_rows.items()}))
    r.road_km.move_hourly(hourly, _rows(r.road_km, {g: row + 2 for g, row in gate_rows.items()}))
    return series, hourly


def _rows(family: LevelFamily, wanted: dict[int, int]) -> list[int]:
    """The output row of each kept series of ``family`` (-1 for those not written); all wanted must be kept."""
    kept = [int(g) for g in family.hourly_series]
    missing = set(wanted) - set(kept)
    assert not missing, f"series {sorted(missing)} have no hourly values"
    return [wanted.get(g, -1) for g in kept]


def fees_table(r: Reducer) -> pd.DataFrame:
    """Fees of the trucks that left in the measured window, by gate and calendar month."""
    rows = [
        (r.lay.replication, r.lay.gate_names[g], month, int(v[0]), v[1], v[2], v[1] + v[2])
        for (g, month), v in sorted(r.fees_by_month.items(), key=lambda kv: (r.lay.gate_names[kv[0][0]], kv[0][1]))
    ]
    table = pd.DataFrame(rows, columns=FEE_COLUMNS)
    return table
