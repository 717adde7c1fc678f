"""Schema of dated scenario data: seasons, closures, disruptions, fees and reporting.

Dates are whole local days (``end`` included); a date-time gives an exact local moment
(``end`` excluded). Closures and disruptions are read on the clock of each stage they
close, so a Chinese-side closure from 00:00 is 23:00 the day before in Hanoi.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, model_validator

from simulator.scenario.stage import LabHold
from simulator.scenario.types import (
    ClockTime,
    CrossCheckError,
    Direction,
    Frozen,
    FrozenMap,
    Ident,
    Mode,
    NonNegFloat,
    Probability,
    Text,
    Weekday,
    Weight,
    check_date_range,
    check_shares,
)

__all__ = ["Calendar", "Closure", "Disruption", "FeeRegime", "Fees", "Reporting", "Season", "moment"]

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date_first(value: Any) -> Any:
    """A date or date-time: ``YYYY-MM-DD`` text is a date (a whole day), not midnight of that day.

    Anything else is one error ("must be a date"), not one per member of the union.
    """
    if isinstance(value, dt.date):
        return value
    text = value.strip() if isinstance(value, str) else None
    try:
        if text is not None:
            return dt.date.fromisoformat(text) if _DATE_ONLY.match(text) else dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"must be a date YYYY-MM-DD or a date-time YYYY-MM-DDTHH:MM, got {value!r:.60}")


When = Annotated[dt.datetime | dt.date, BeforeValidator(_date_first), AfterValidator(check_date_range)]
SideOrBoth = Literal["home", "partner", "both"]


def moment(value: When, *, end: bool) -> dt.datetime:
    """A date as the start of that day, or (``end``) the start of the next day."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    day = dt.datetime.combine(value, dt.time())
    return day + dt.timedelta(days=1) if end else day


def _ordered(start: When, end: When) -> list[tuple[tuple[str | int, ...], str]]:
    if moment(end, end=True) <= moment(start, end=False):
        return [(("end",), f"ends ({end}) before it starts ({start})")]
    return []


class Season(Frozen):
    """Multiply the volumes of some cargo classes over a date range (each gate's local clock)."""

    name: Text = ""
    name_vi: Text = Field("", description="Vietnamese name (report legends)")
    start: When
    end: When
    multipliers: FrozenMap[Ident, Weight] = Field(min_length=1, description="volume factor per cargo class")
    gates: tuple[Ident, ...] = Field(default_factory=tuple, description="gates it applies to; empty: all")
    directions: tuple[Direction, ...] = Field(
        default_factory=tuple, description="directions it applies to; empty: both"
    )

    @model_validator(mode="after")
    def _order(self) -> Season:
        problems = _ordered(self.start, self.end)
        if problems:
            raise CrossCheckError(problems)
        return self


class Closure(Frozen):
    """A holiday or weekly closure of one side of some gates (Tết, weekends at secondary gates)."""

    name: Text = ""
    name_vi: Text = Field("", description="Vietnamese name (report legends)")
    gates: tuple[Ident, ...] = Field(default_factory=tuple, description="gates it applies to; empty: all")
    side: SideOrBoth = Field("both", description="home, partner or both")
    start: When | None = None
    end: When | None = None
    weekdays: tuple[Weekday, ...] = Field(default_factory=tuple, description="closed every such local weekday")

    @model_validator(mode="after")
    def _when(self) -> Closure:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if (self.start is None) != (self.end is None):
            problems.append((("end" if self.end is None else "start",), "start and end go together"))
        elif self.start is None and not self.weekdays:
            problems.append((("start",), "give start and end dates, or weekdays, or both"))
        elif self.start is not None and self.end is not None:
            problems.extend(_ordered(self.start, self.end))
        if problems:
            raise CrossCheckError(problems)
        return self


class Disruption(Frozen):
    """A closure, a changed cap or a changed lab-hold rule at one gate and side over a date range.

    With ``lab_hold``, a truck whose service at one of ``stages`` (quarantine stages) ends within
    the range is held for lab results under this rule instead of the stage's own (a testing
    outage or a new testing rule); the first such disruption that covers the moment applies.
    """

    name: Text = ""
    name_vi: Text = Field("", description="Vietnamese name (report legends)")
    gate: Ident
    side: SideOrBoth = "partner"
    stages: tuple[Ident, ...] = Field(
        default_factory=tuple, description="stages it applies to; empty: all of that side"
    )
    start: When
    end: When
    closed: bool = Field(False, description="no service at all over the range")
    cap_per_day: StrictInt | None = Field(None, ge=0, description="trucks started per local day over the range")
    cap_per_hour: StrictInt | None = Field(None, ge=0, description="trucks started per local hour over the range")
    lab_hold: LabHold | None = Field(
        None, description="lab holds at these quarantine stages over the range, instead of the stage's own"
    )

    @model_validator(mode="after")
    def _effect(self) -> Disruption:
        problems = _ordered(self.start, self.end)
        caps = self.cap_per_day is not None or self.cap_per_hour is not None
        if self.lab_hold is not None:
            if self.closed or caps:
                msg = "a lab_hold disruption changes lab holds only: give the closure or cap as another disruption"
                problems.append((("lab_hold",), msg))
            if not self.stages:
                problems.append((("stages",), "a lab_hold disruption names the quarantine stages it applies to"))
        elif not self.closed and not caps:
            problems.append((("closed",), "a disruption needs closed: true, cap_per_day, cap_per_hour or lab_hold"))
        if problems:
            raise CrossCheckError(problems)
        return self


class Calendar(Frozen):
    """Seasons, closures and disruptions as dated data."""

    seasons: tuple[Season, ...] = Field(default_factory=tuple)
    closures: tuple[Closure, ...] = Field(default_factory=tuple)
    disruptions: tuple[Disruption, ...] = Field(default_factory=tuple)

    def dated_between(self, first: dt.date, last: dt.date) -> list[tuple[str, tuple[str, ...]]]:
        """The dated seasons, closures and disruptions that overlap the days ``first`` to ``last``.

        Returns ``(description, gates)`` pairs; ``gates`` is empty when it applies to all.
        Weekday-only closures repeat and are not listed.
        """
        lo, hi = moment(first, end=False), moment(last, end=True)
        found = []
        events: list[tuple[str, Season | Closure | Disruption]] = [
            *(("season", e) for e in self.seasons),
            *(("closure", e) for e in self.closures),
            *(("disruption", e) for e in self.disruptions),
        ]
        for kind, event in events:
            if event.start is None or event.end is None:
                continue
            if moment(event.start, end=False) < hi and moment(event.end, end=True) > lo:
                gates = (event.gate,) if isinstance(event, Disruption) else event.gates
                label = f"{kind} {event.name!r}" if event.name else kind
                found.append((f"{label} ({event.start} to {event.end})", gates))
        return found


class FeeRegime(Frozen):
    """A coefficient on the infrastructure fee for matching trucks (first matching regime wins)."""

    name: str
    coefficient: NonNegFloat
    directions: tuple[Direction, ...] = Field(default_factory=tuple, description="empty: any")
    modes: tuple[Mode, ...] = Field(default_factory=tuple, description="hand-over modes; empty: any")
    classes: tuple[Ident, ...] = Field(default_factory=tuple, description="empty: any")
    gates: tuple[Ident, ...] = Field(default_factory=tuple, description="empty: any")


class Fees(Frozen):
    """Fees per vehicle: the infrastructure fee by class and vehicle type, and a transloading fee."""

    currency: str = "VND"
    infrastructure: FrozenMap[Ident, FrozenMap[Ident, NonNegFloat]] = Field(
        description="base fee per vehicle by cargo class, then vehicle type"
    )
    vehicle_mix: FrozenMap[Ident, FrozenMap[Ident, Probability]] = Field(
        default_factory=dict, description="share of each vehicle type by class; default: equal shares"
    )
    regimes: tuple[FeeRegime, ...] = Field(default_factory=tuple, description="coefficients; first match wins, else 1")
    transloading: FrozenMap[Ident, NonNegFloat] = Field(
        default_factory=dict, description="fee per transloaded vehicle by cargo class"
    )

    @model_validator(mode="after")
    def _mix(self) -> Fees:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for cls, mix in self.vehicle_mix.items():
            check_shares(mix, ("vehicle_mix", cls), problems)
            rates = self.infrastructure.get(cls, {})
            for vtype in mix:
                if vtype not in rates:
                    have = ", ".join(rates) or "none"
                    problems.append((("vehicle_mix", cls, vtype), f"no infrastructure rate for it (types: {have})"))
        for cls, rates in self.infrastructure.items():
            if not rates:
                problems.append((("infrastructure", cls), "needs at least one vehicle type"))
        if problems:
            raise CrossCheckError(problems)
        return self

    def vehicle_types(self, cargo_class: str) -> tuple[list[str], list[float]]:
        """Vehicle types of ``cargo_class`` and their shares."""
        rates = self.infrastructure.get(cargo_class, {})
        mix = self.vehicle_mix.get(cargo_class)
        if mix is None:
            return list(rates), [1.0 / len(rates)] * len(rates) if rates else []
        return list(mix), list(mix.values())


class Reporting(Frozen):
    """How some KPIs are measured."""

    backlog_clock: ClockTime = Field("20:00", description="local time (model clock) of the daily backlog count")
    perishable_threshold_h: NonNegFloat = Field(24.0, description="perishable trucks slower than this count as late")
