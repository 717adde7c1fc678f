"""Resilience KPIs of a replication: peaks and their day, time to recover after each disruption, truck-days.

Computed after the run, from what the reducer already keeps (the daily maxima of the level
families, the hourly series of trucks in the system per gate, the money tally), so the model's
hot path does no extra work. Definitions (the measured window is ``[t0, t1)``):

* ``in_system_max`` / ``road_queue_max`` are the largest levels reached in the window (whole
  system and each gate; other truck groups: NaN for ``in_system_max``); ``*_peak_day`` is the day
  of that peak, counted from the run's start date (day 0), the first such day on ties.
* **Time to recover** after a one-off closure, disruption or arrival stop (:attr:`RunLayout.events
  <simulator.engine.output.RunLayout.events>`: every ``calendar.disruptions`` entry, every dated
  closure without weekdays, every season with all multipliers 0 together with a season that follows
  it directly, the surge) of a scope (the whole system: every event; a gate: its own and
  the all-gate ones): the *reference* is the mean number of trucks in the scope's system over the
  24 hours before the event starts (hourly means); the *tolerance* is the larger of
  :data:`RECOVERY_SHARE` of the reference and :data:`RECOVERY_TRUCKS` trucks. The time to recover
  is the number of whole hours from the first hour edge at or after the event's end to the first
  hour whose mean in-system is within the reference plus the tolerance (0: the scope is back when
  the event ends). An event with no such hour before the horizon is *not recovered by the end*:
  its time is NaN and it counts in ``unrecovered_events``. An event that starts less than 24 h
  into the run (no reference day) is not judged. ``recovery_h_max`` is the longest time over the
  scope's judged events, NaN when there is none or when one is not recovered.
* ``truck_days_in_system`` is the truck-days waited (:mod:`simulator.analysis.money`: the area
  under the in-system level over the window), ``perishable_late_trucks`` the perishable trucks
  over the threshold (those counted in ``perishable_late_share``), and ``waiting_cost_vnd_total``
  and ``perishable_loss_vnd_total`` their money over the window (the per-year KPIs times the
  measured days over ``days_per_year``).

>>> level = np.array([2.0] * 24 + [60, 90, 70, 40, 23, 21, 2])
>>> recovery_hours(level, 24 * 60, 25 * 60)  # reference 2, tolerance 20 trucks: back at hour 29
(4.0, True)
>>> recovery_hours(level[:28], 24 * 60, 25 * 60)
(nan, False)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulator.analysis.reducer import Reducer

__all__ = ["RECOVERY_SHARE", "RECOVERY_TRUCKS", "recovery_hours", "resilience_values"]

#: The tolerance of "recovered": within this share of the pre-disruption level, or
RECOVERY_SHARE = 0.10
#: within this many trucks of it, whichever is larger.
RECOVERY_TRUCKS = 20.0
DAY = 1440.0


def recovery_hours(
    level: np.ndarray,
    start_min: float,
    end_min: float,
    share: float = RECOVERY_SHARE,
    trucks: float = RECOVERY_TRUCKS,
) -> tuple[float, bool]:
    """Hours to recover after an event over ``[start_min, end_min)``, and whether it recovered.

    Parameters
    ----------
    level : numpy.ndarray
        Hourly mean trucks in the system from the run's start (hour 0 first).
    start_min, end_min : float
        The event, in model minutes.
    share, trucks : float
        The tolerance: the larger of ``share`` of the reference level and ``trucks``.

    Returns
    -------
    tuple of (float, bool)
        The whole hours from the event's end (rounded up to an hour edge) to the first hour back
        within tolerance, and ``True``; ``(nan, False)`` when not recovered by the end; ``(nan,
        True)`` when the event starts less than 24 h into the run (not judged).
    """
    first = math.floor(start_min / 60.0)
    if first < 24 or first > len(level):
        return math.nan, True
    reference = float(level[first - 24 : first].mean())
    limit = reference + max(share * reference, trucks)
    back = math.ceil(end_min / 60.0)
    within = np.flatnonzero(level[back:] <= limit) if back < len(level) else np.empty(0, np.int64)
    if not len(within):
        return math.nan, False
    return float(within[0]), True


def _peak_day(r: Reducer, daily: np.ndarray, tracked: np.ndarray) -> np.ndarray:
    """Day (from the start) of each series' largest daily maximum in the measured window; NaN untracked."""
    starts = np.arange(daily.shape[1], dtype=float) * DAY
    measured = (starts >= r.t0) & (starts < r.t1)
    out = np.full(daily.shape[0], np.nan)
    if measured.any():
        days = np.flatnonzero(measured)
        out = days[np.argmax(daily[:, measured], axis=1)].astype(float)
    return np.where(tracked, out, np.nan)


def _recovery(r: Reducer, series: list[tuple[str, str, str]], hourly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``recovery_h_max`` and ``unrecovered_events`` of every group (NaN and 0 outside all and gates)."""
    n, lay = r.groups.n, r.lay
    longest, missed = np.full(n, np.nan), np.full(n, np.nan)
    rows = [series.index(("gate", g, "in_system")) for g in lay.gate_names]
    gate_levels = hourly[rows] if rows else np.zeros((0, hourly.shape[1]))
    scopes: list[tuple[int, np.ndarray, int | None]] = [(0, gate_levels.sum(axis=0), None)]
    scopes += [(r.groups.gate_offset + gi, gate_levels[gi], gi) for gi in range(len(lay.gate_names))]
    for group, level, gate in scopes:
        times: list[float] = []
        missed[group] = 0.0
        for _, where, lo, hi in lay.events:
            if gate is not None and where not in (-1, gate):
                continue
            hours, recovered = recovery_hours(level, lo, hi)
            if not recovered:
                missed[group] += 1
            elif not math.isnan(hours):
                times.append(hours)
        if times and not missed[group]:
            longest[group] = max(times)
    return longest, missed


def resilience_values(r: Reducer, series: list[tuple[str, str, str]], hourly: np.ndarray) -> dict[str, np.ndarray]:
    """The resilience KPIs of every truck group, keyed by KPI (see the module's definitions)."""
    system_tracked = ~r.system.untracked
    in_system_max = np.where(system_tracked, r.system.max_over(r.t0, r.t1), np.nan)
    longest, missed = _recovery(r, series, hourly)
    eco = r.lay.economics
    days = r.money.days
    return {
        "in_system_max": in_system_max,
        "in_system_peak_day": _peak_day(r, r.system.daily_max(), system_tracked),
        "road_queue_peak_day": _peak_day(r, r.road.daily_max(), ~r.road.untracked),
        "recovery_h_max": longest,
        "unrecovered_events": missed,
        "truck_days_in_system": days["in_system"],
        "perishable_late_trucks": r.g["late"],
        "waiting_cost_vnd_total": days["in_system"] * eco.waiting_cost_vnd_per_truck_day
        + days["perishable"] * eco.reefer_fuel_vnd_per_truck_day,
        "perishable_loss_vnd_total": days["late"] * eco.perishable_loss_vnd_per_truck_day,
    }
