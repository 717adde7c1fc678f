"""Closures and disruptions of a saved scenario as spans of model hours, for shading charts.

Reads the ``calendar`` of a ``scenario.resolved.yaml`` (a plain dict) and converts its dates
to model hours without SimPy or the model: model time 0 is midnight of ``run.start_date`` on
the model clock (``run.utc_offset_h``). A date is a whole local day and a date range includes
its end day; a date-time is an exact local moment (an ``end`` date-time is excluded). As in the
model, each closure or disruption is read on the clock of every resource it shuts or caps (a
Chinese-side closure of 10 February on UTC+8 runs from 23:00 on 9 February in model time), and
the spans of the different clocks are merged. A closure or disruption that touches no resource
of the gate (a partner-side closure at a gate without partner stages) has no span.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.scenario.calendar import moment

__all__ = ["CalendarSpan", "calendar_spans", "to_model_hours"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class CalendarSpan:
    """One shaded span: a closure or disruption (``index`` in its calendar list) over model hours."""

    kind: str  # "closure" or "disruption"
    index: int
    name: str
    name_vi: str
    side: str
    closed: bool
    cap_per_day: int | None
    cap_per_hour: int | None
    start_h: float
    end_h: float
    lab_hold: bool = False  # a disruption that changes the lab-hold rule of its stages


def _when(value: Any) -> dt.date | dt.datetime:
    """A date or date-time from the resolved YAML (text, or already parsed by the YAML loader)."""
    if isinstance(value, dt.date):  # dt.datetime is a dt.date too
        return value
    text = str(value).strip()
    if _DATE_ONLY.match(text):
        return dt.date.fromisoformat(text)
    return dt.datetime.fromisoformat(text)


def to_model_hours(when: dt.datetime, start_date: dt.date, model_offset_h: float, offset_h: float) -> float:
    """Model hours of the local moment ``when`` on a clock ``offset_h`` hours east of UTC.

    Parameters
    ----------
    when : datetime.datetime
        A local (naive) moment.
    start_date : datetime.date
        ``run.start_date``: model time 0 is its midnight on the model clock.
    model_offset_h, offset_h : float
        The model clock and the clock ``when`` is read on, in hours east of UTC.
    """
    origin = dt.datetime.combine(start_date, dt.time())
    return (when - origin).total_seconds() / 3600.0 - (offset_h - model_offset_h)


def _clocks(scenario: Mapping[str, Any], gate: str, side: str, stages: Sequence[str], scanners: bool) -> list[float]:
    """Clocks (UTC offsets) of the gate's resources on ``side`` (``both``: either) among ``stages`` (empty: all)."""
    run_offset = float(scenario.get("run", {}).get("utc_offset_h", 7.0))
    spec = scenario["gates"][gate]
    gate_offset = run_offset if spec.get("utc_offset_h") is None else float(spec["utc_offset_h"])
    clocks = set()
    for name, stage in (spec.get("stages") or {}).items():
        if (side in ("both", stage.get("side") or "home")) and (not stages or name in stages):
            clocks.add(gate_offset if stage.get("utc_offset_h") is None else float(stage["utc_offset_h"]))
    if scanners and spec.get("scanners") and side in ("both", "home") and not stages:
        clocks.add(gate_offset)
    return sorted(clocks)


def _local_spans(
    first: dt.datetime, last: dt.datetime, weekdays: Sequence[str]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """``[first, last)`` whole, or cut to the local days that fall on ``weekdays``."""
    if not weekdays:
        return [(first, last)]
    wanted = {WEEKDAYS.index(d) for d in weekdays}
    spans = []
    day = dt.datetime.combine(first.date(), dt.time())
    while day < last:
        nxt = day + dt.timedelta(days=1)
        if day.weekday() in wanted:
            spans.append((max(day, first), min(nxt, last)))
        day = nxt
    return spans


def _merge(spans: Sequence[tuple[float, float]], horizon_h: float) -> list[tuple[float, float]]:
    """Clip to ``[0, horizon_h]`` and merge overlapping or touching spans."""
    merged: list[list[float]] = []
    for lo, hi in sorted((max(a, 0.0), min(b, horizon_h)) for a, b in spans):
        if hi <= lo:
            continue
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def calendar_spans(scenario: Mapping[str, Any], gate: str) -> list[CalendarSpan]:
    """Every closure and disruption of ``gate`` within the run, as spans of model hours.

    Closures: dated ones (``start``/``end``) cover their range, weekday ones every such local
    day (within the range if one is given); ``side`` picks the resources. Disruptions: closed
    or capped, at their gate, side and ``stages``; lab-hold ones at their ``stages`` whatever the
    side. Spans are clipped to the run.
    """
    run = scenario.get("run", {})
    start_date = _when(run.get("start_date", "2024-08-01"))
    start_date = start_date.date() if isinstance(start_date, dt.datetime) else start_date
    days = int(run.get("days", 28))
    model_offset = float(run.get("utc_offset_h", 7.0))
    horizon = days * 24.0
    calendar = scenario.get("calendar") or {}
    out: list[CalendarSpan] = []

    def add(kind: str, index: int, entry: Mapping[str, Any], side: str, clocks: list[float], local: list) -> None:
        model = [
            (to_model_hours(a, start_date, model_offset, c), to_model_hours(b, start_date, model_offset, c))
            for c in clocks
            for a, b in local
        ]
        for lo, hi in _merge(model, horizon):
            out.append(
                CalendarSpan(
                    kind,
                    index,
                    str(entry.get("name") or ""),
                    str(entry.get("name_vi") or ""),
                    side,
                    bool(entry.get("closed", kind == "closure")),
                    entry.get("cap_per_day"),
                    entry.get("cap_per_hour"),
                    lo,
                    hi,
                    entry.get("lab_hold") is not None,
                )
            )

    for i, closure in enumerate(calendar.get("closures") or []):
        gates = closure.get("gates") or []
        side = closure.get("side") or "both"
        if gates and gate not in gates:
            continue
        clocks = _clocks(scenario, gate, side, (), scanners=True)
        if closure.get("start") is not None and closure.get("end") is not None:
            first, last = moment(_when(closure["start"]), end=False), moment(_when(closure["end"]), end=True)
        else:  # weekdays over the whole run, one spare day each side for other clocks
            first = moment(start_date - dt.timedelta(days=2), end=False)
            last = moment(start_date + dt.timedelta(days=days + 1), end=True)
        add("closure", i, closure, side, clocks, _local_spans(first, last, closure.get("weekdays") or []))
    for i, dis in enumerate(calendar.get("disruptions") or []):
        if dis.get("gate") != gate:
            continue
        side = "both" if dis.get("lab_hold") is not None else dis.get("side") or "partner"  # lab holds: its stages
        stages = dis.get("stages") or []
        clocks = _clocks(scenario, gate, side, stages, scanners=bool(dis.get("closed")))
        first, last = moment(_when(dis["start"]), end=False), moment(_when(dis["end"]), end=True)
        add("disruption", i, dis, side, clocks, [(first, last)])
    return out
