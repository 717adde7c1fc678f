"""Clocks, opening hours, closures, caps and seasons, in model minutes.

Model time 0 is local midnight of ``run.start_date`` on the model clock
(``run.utc_offset_h``). A stage on another clock (the Chinese side runs on UTC+8 while
Vietnam is on UTC+7) has its local windows, closures and cap days shifted into model
time here. Nothing in this module touches SimPy.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.scenario.types import WEEKDAYS, parse_window

__all__ = ["OpenSchedule", "hour_of_week"]

DAY = 1440.0


@dataclass(frozen=True)
class OpenSchedule:
    """Open intervals ``[starts[i], ends[i])`` in model minutes, sorted and disjoint.

    ``None`` in place of a schedule means always open.
    """

    starts: tuple[float, ...]
    ends: tuple[float, ...]

    @classmethod
    def build(
        cls,
        windows: Sequence[str],
        *,
        start_date: dt.date,
        days: int,
        offset_h: float,
        model_offset_h: float,
        closed_weekdays: Sequence[str] = (),
    ) -> OpenSchedule:
        """Expand daily local ``windows`` over the run (plus one day each side)."""
        shift = (offset_h - model_offset_h) * 60.0
        closed = {WEEKDAYS.index(d) for d in closed_weekdays}
        spans: list[tuple[float, float]] = []
        parsed = [parse_window(w) for w in windows]
        first_local_day = math.floor(shift / DAY) - 1
        for day in range(first_local_day, days + 2 + math.ceil(abs(shift) / DAY)):
            if (start_date + dt.timedelta(days=day)).weekday() in closed:
                continue
            for open_min, close_min in parsed:
                spans.append((day * DAY + open_min - shift, day * DAY + close_min - shift))
        return cls.from_spans(spans)

    @classmethod
    def from_spans(cls, spans: Sequence[tuple[float, float]]) -> OpenSchedule:
        """Merge possibly overlapping spans into sorted disjoint intervals."""
        merged: list[list[float]] = []
        for start, end in sorted(s for s in spans if s[1] > s[0]):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(tuple(s for s, _ in merged), tuple(e for _, e in merged))

    def subtract(self, spans: Sequence[tuple[float, float]]) -> OpenSchedule:
        """This schedule with the ``spans`` (closures) removed."""
        pieces = list(zip(self.starts, self.ends, strict=True))
        for cut0, cut1 in sorted(spans):
            kept: list[tuple[float, float]] = []
            for a, b in pieces:
                if b <= cut0 or a >= cut1:
                    kept.append((a, b))
                    continue
                if a < cut0:
                    kept.append((a, cut0))
                if b > cut1:
                    kept.append((cut1, b))
            pieces = kept
        return OpenSchedule.from_spans(pieces)

    def next_open(self, t: float) -> float:
        """The earliest time >= ``t`` at which the schedule is open (``inf`` if never again)."""
        i = bisect.bisect_right(self.ends, t)
        if i == len(self.ends):
            return math.inf
        return max(t, self.starts[i])

    def is_open(self, t: float) -> bool:
        """Whether the schedule is open at ``t``."""
        return self.next_open(t) == t

    def open_minutes(self, t0: float, t1: float) -> float:
        """Total open minutes within ``[t0, t1)``."""
        starts = np.asarray(self.starts)
        ends = np.asarray(self.ends)
        return float(np.clip(np.minimum(ends, t1) - np.maximum(starts, t0), 0.0, None).sum())


def hour_of_week(start_date: dt.date, hours: int, shift_h: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Local hour-of-day and weekday (Monday = 0) of each model hour from the start.

    Parameters
    ----------
    start_date : datetime.date
        Day of model time 0.
    hours : int
        Number of model hours.
    shift_h : float
        Local clock minus model clock, in hours.
    """
    local = np.arange(hours, dtype=float) + shift_h
    day = np.floor(local / 24.0).astype(np.int64)
    hod = np.floor(local - day * 24.0).astype(np.int64)
    weekday = (start_date.weekday() + day) % 7
    return hod, weekday
