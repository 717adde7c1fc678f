"""Runtime resources of the model: FIFO multi-server stations with hours and caps.

Every place a truck waits for is a :class:`Resource`: an agency's officers, a scanner
pool, a hand-over mode's crews, a quarantine lab (a pure delay, with unlimited
servers) and a holding yard (servers are slots). A resource is a server count plus a
FIFO line of SimPy events: a truck that finds a free server creates no event, and a
departing truck hands its server straight to the next in line.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import simpy

from simulator.engine.clock import OpenSchedule

if TYPE_CHECKING:
    from simulator.engine.calendar_rules import CapTable

__all__ = ["KINDS", "UNLIMITED", "CapCounter", "Resource"]

KINDS = ("service", "yard", "scanner", "lab", "mode")
UNLIMITED = 1_000_000_000


class CapCounter:
    """Counts trucks started per local hour and day against a :class:`CapTable`.

    Several resources may share one counter (the modes of one hand-over stage).
    """

    __slots__ = ("days", "hours", "table")

    def __init__(self, table: CapTable) -> None:
        self.table = table
        self.days: dict[int, int] = {}
        self.hours: dict[int, int] = {}

    def next_free(self, t: float) -> float:
        """``t`` if a truck may start now, else the start of the next hour or day to try."""
        table = self.table
        day = table.day_of(t)
        if 0 <= day < len(table.per_day) and self.days.get(day, 0) >= table.per_day[day]:
            return table.day_start(day + 1)
        hour = table.hour_of(t)
        if 0 <= hour < len(table.per_hour) and self.hours.get(hour, 0) >= table.per_hour[hour]:
            return table.hour_start(hour + 1)
        return t

    def consume(self, t: float) -> None:
        """Count one truck started at ``t``."""
        day, hour = self.table.day_of(t), self.table.hour_of(t)
        self.days[day] = self.days.get(day, 0) + 1
        self.hours[hour] = self.hours.get(hour, 0) + 1


class Resource:
    """A FIFO station with ``servers``, optional opening hours and optional caps."""

    __slots__ = ("busy", "caps", "gated", "index", "queue", "schedule", "servers")

    def __init__(
        self, index: int, servers: int, schedule: OpenSchedule | None = None, caps: CapCounter | None = None
    ) -> None:
        self.index = index
        self.servers = servers
        self.busy = 0
        self.queue: deque[simpy.Event] = deque()
        self.schedule = schedule
        self.caps = caps
        self.gated = schedule is not None or caps is not None

    def next_start(self, t: float) -> float:
        """Earliest time >= ``t`` when the resource is open and under its caps (``inf``: never)."""
        while True:
            if self.schedule is not None:
                t = self.schedule.next_open(t)
                if t == math.inf:
                    return t
            if self.caps is None:
                return t
            later = self.caps.next_free(t)
            if later == t:
                return t
            t = later
