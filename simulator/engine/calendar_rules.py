"""Dated scenario data turned into model time: closures, caps per hour and day, seasons.

Each function reads the frozen :class:`~simulator.scenario.models.Scenario` and returns plain
numbers or arrays in model minutes; the model builds its resources from them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.scenario.calendar import moment
from simulator.scenario.models import Scenario
from simulator.scenario.stage import LabHold
from simulator.scenario.types import WEEKDAYS

__all__ = [
    "CapTable",
    "LabOutage",
    "cap_table",
    "closure_spans",
    "disruption_events",
    "lab_outages",
    "season_factors",
    "to_model_minutes",
]

DAY = 1440.0


def to_model_minutes(sc: Scenario, when: dt.datetime, offset_h: float) -> float:
    """Model minutes of local time ``when`` on a clock ``offset_h`` hours east of UTC."""
    origin = dt.datetime.combine(sc.run.start_date, dt.time())
    return (when - origin).total_seconds() / 60.0 - (offset_h - sc.run.utc_offset_h) * 60.0


def _applies(side: str, wanted: str) -> bool:
    return wanted == "both" or side == wanted


def closure_spans(sc: Scenario, gate: str, stage: str | None, side: str, offset_h: float) -> list[tuple[float, float]]:
    """Model-time spans when a stage (``None``: a gate-wide resource) is shut by closures.

    Parameters
    ----------
    sc : Scenario
        The scenario, with its calendar.
    gate, stage : str
        Where the resource is.
    side : {"home", "partner"}
        The side the resource belongs to.
    offset_h : float
        The resource's local clock; closure dates are read on it.
    """
    spans: list[tuple[float, float]] = []
    for closure in sc.calendar.closures:
        if (closure.gates and gate not in closure.gates) or not _applies(side, closure.side):
            continue
        if closure.start is not None and closure.end is not None:
            first, last = moment(closure.start, end=False), moment(closure.end, end=True)
        else:
            first = moment(sc.run.start_date - dt.timedelta(days=2), end=False)
            last = moment(sc.run.end_date + dt.timedelta(days=2), end=True)
        spans.extend(_weekday_spans(sc, first, last, closure.weekdays, offset_h))
    for dis in sc.calendar.disruptions:
        if dis.closed and dis.gate == gate and _applies(side, dis.side) and (not dis.stages or stage in dis.stages):
            first, last = moment(dis.start, end=False), moment(dis.end, end=True)
            spans.append((to_model_minutes(sc, first, offset_h), to_model_minutes(sc, last, offset_h)))
    return spans


def disruption_events(sc: Scenario) -> tuple[tuple[str, int, float, float], ...]:
    """The run's one-off disruptions, for the recovery KPIs: ``(name, gate, start_min, end_min)``.

    Every ``calendar.disruptions`` entry (gate: its index in ``sc.gates``), every dated closure
    without weekdays and every *arrival stop* — a season whose multipliers are 0 for every cargo
    class, in both directions (an upstream road closure), extended to the end of a season of the
    same gates that starts the moment it ends (the surge of held trucks) — (gate: -1 when it names all gates, else
    one entry per gate), in model minutes on the run's clock; weekly closures are routine, not
    disruptions.
    """
    names = list(sc.gates)
    clock = sc.run.utc_offset_h
    events: list[tuple[str, int, float, float]] = []
    for season in sc.calendar.seasons:
        stops = set(season.multipliers) == set(sc.cargo_classes) and not any(season.multipliers.values())
        if not stops or season.directions:
            continue
        lo = to_model_minutes(sc, moment(season.start, end=False), clock)
        last = moment(season.end, end=True)
        for after in sc.calendar.seasons:  # the surge of held trucks that follows it belongs to it
            if moment(after.start, end=False) == last and after.gates == season.gates:
                last = max(last, moment(after.end, end=True))
        hi = to_model_minutes(sc, last, clock)
        gates = [names.index(g) for g in season.gates] if season.gates else [-1]
        events += [(season.name or "arrival stop", g, lo, hi) for g in gates]
    for closure in sc.calendar.closures:
        if closure.start is None or closure.end is None or closure.weekdays:
            continue
        lo = to_model_minutes(sc, moment(closure.start, end=False), clock)
        hi = to_model_minutes(sc, moment(closure.end, end=True), clock)
        gates = [names.index(g) for g in closure.gates] if closure.gates else [-1]
        events += [(closure.name or "closure", g, lo, hi) for g in gates]
    for dis in sc.calendar.disruptions:
        lo = to_model_minutes(sc, moment(dis.start, end=False), clock)
        hi = to_model_minutes(sc, moment(dis.end, end=True), clock)
        events.append((dis.name or "disruption", names.index(dis.gate), lo, hi))
    return tuple(sorted(events, key=lambda e: (e[2], e[1], e[0])))


@dataclass(frozen=True)
class LabOutage:
    """A dated lab-hold rule at one stage: ``calendar.disruptions[index]``, from ``start_min`` to ``end_min``."""

    index: int
    start_min: float
    end_min: float
    hold: LabHold


def lab_outages(sc: Scenario, gate: str, stage: str) -> tuple[LabOutage, ...]:
    """The lab-hold disruptions of one stage, in calendar order, on the stage's local clock."""
    offset = sc.gates[gate].stage_offset(stage, sc.run)
    found = []
    for i, dis in enumerate(sc.calendar.disruptions):
        if dis.lab_hold is not None and dis.gate == gate and stage in dis.stages:
            lo = to_model_minutes(sc, moment(dis.start, end=False), offset)
            hi = to_model_minutes(sc, moment(dis.end, end=True), offset)
            found.append(LabOutage(i, lo, hi, dis.lab_hold))
    return tuple(found)


def _weekday_spans(
    sc: Scenario, first: dt.datetime, last: dt.datetime, weekdays: Sequence[str], offset_h: float
) -> list[tuple[float, float]]:
    if not weekdays:
        return [(to_model_minutes(sc, first, offset_h), to_model_minutes(sc, last, offset_h))]
    wanted = {WEEKDAYS.index(d) for d in weekdays}
    spans = []
    day = dt.datetime.combine(first.date(), dt.time())
    while day < last:
        nxt = day + dt.timedelta(days=1)
        if day.weekday() in wanted:
            lo, hi = max(day, first), min(nxt, last)
            spans.append((to_model_minutes(sc, lo, offset_h), to_model_minutes(sc, hi, offset_h)))
        day = nxt
    return spans


@dataclass(frozen=True)
class CapTable:
    """Caps on trucks started per local hour and per local day (``inf``: no cap).

    ``shift_min`` is the local clock minus the model clock; bucket ``i`` of the hour
    (day) arrays starts at local minute ``(i + first) * 60`` (``* 1440``) of the run.
    """

    shift_min: float
    first_day: int
    per_day: np.ndarray
    per_hour: np.ndarray

    def day_of(self, t: float) -> int:
        """Index into ``per_day`` of the local day holding model time ``t``."""
        return math.floor((t + self.shift_min) / DAY) - self.first_day

    def hour_of(self, t: float) -> int:
        """Index into ``per_hour`` of the local hour holding model time ``t``."""
        return math.floor((t + self.shift_min) / 60.0) - self.first_day * 24

    def day_start(self, index: int) -> float:
        """Model time at which local day ``index`` starts."""
        return (index + self.first_day) * DAY - self.shift_min

    def hour_start(self, index: int) -> float:
        """Model time at which local hour ``index`` starts."""
        return (index + self.first_day * 24) * 60.0 - self.shift_min


def cap_table(sc: Scenario, gate: str, stage: str, side: str, offset_h: float) -> CapTable | None:
    """The caps of one stage over the run, with cap disruptions applied; ``None`` if uncapped."""
    spec = sc.gates[gate].stages[stage]
    cuts = [
        d
        for d in sc.calendar.disruptions
        if d.gate == gate
        and _applies(side, d.side)
        and (not d.stages or stage in d.stages)
        and (d.cap_per_day is not None or d.cap_per_hour is not None)
    ]
    if spec.cap_per_day is None and spec.cap_per_hour is None and not cuts:
        return None
    first_day, days = -2, sc.run.days + 4
    per_day = np.full(days, math.inf if spec.cap_per_day is None else float(spec.cap_per_day))
    per_hour = np.full(days * 24, math.inf if spec.cap_per_hour is None else float(spec.cap_per_hour))
    origin = dt.datetime.combine(sc.run.start_date, dt.time())
    for dis in cuts:
        lo = (moment(dis.start, end=False) - origin).total_seconds() / 3600.0 - first_day * 24
        hi = (moment(dis.end, end=True) - origin).total_seconds() / 3600.0 - first_day * 24
        h0, h1 = max(0, math.floor(lo)), min(len(per_hour), math.ceil(hi))
        if dis.cap_per_hour is not None:
            per_hour[h0:h1] = dis.cap_per_hour
        if dis.cap_per_day is not None:
            per_day[max(0, h0 // 24) : min(days, math.ceil(h1 / 24))] = dis.cap_per_day
    shift = (offset_h - sc.run.utc_offset_h) * 60.0
    return CapTable(shift, first_day, per_day, per_hour)


def season_factors(sc: Scenario, gate: str, direction: str, shift_h: float = 0.0) -> np.ndarray:
    """Volume factor of every cargo class in every model hour: shape ``(hours, classes)``.

    Season dates are read on the flow's local clock (``shift_h`` hours ahead of the model).
    """
    classes = list(sc.cargo_classes)
    hours = sc.run.days * 24
    factors = np.ones((hours, len(classes)))
    origin = dt.datetime.combine(sc.run.start_date, dt.time())
    for season in sc.calendar.seasons:
        if (season.gates and gate not in season.gates) or (season.directions and direction not in season.directions):
            continue
        lo = (moment(season.start, end=False) - origin).total_seconds() / 3600.0 - shift_h
        hi = (moment(season.end, end=True) - origin).total_seconds() / 3600.0 - shift_h
        h0, h1 = max(0, math.floor(lo)), min(hours, math.ceil(hi))
        for cls, factor in season.multipliers.items():
            factors[h0:h1, classes.index(cls)] *= factor
    return factors
