"""Columnar event log and time-weighted level monitors.

The hot path appends to typed ``array.array`` columns (8 bytes per time, 4 per id), which
are frozen into numpy arrays when the run ends. One row per truck and stage visit holds
the times the truck joined the queue, started and ended service (NaN when it had not yet
by the end of the run): 30 bytes per visit.

Levels (queue length, busy servers, trucks in the system) are step functions rebuilt from
these times after the run, so they are exact, need no work in the hot path, and a warm-up
is just a window.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

import numpy as np

__all__ = ["EventLog", "Level", "VisitLog"]


class EventLog:
    """Append-only visit log filled by the truck processes."""

    __slots__ = ("t_end", "t_queue", "t_start", "truck", "stage")

    def __init__(self) -> None:
        self.truck = array("i")
        self.stage = array("h")
        self.t_queue = array("d")
        self.t_start = array("d")
        self.t_end = array("d")

    def open_row(self, truck: int, stage: int, now: float) -> int:
        """Start a visit row (queue entry at ``now``) and return its index."""
        row = len(self.t_queue)
        self.truck.append(truck)
        self.stage.append(stage)
        self.t_queue.append(now)
        self.t_start.append(math.nan)
        self.t_end.append(math.nan)
        return row

    def freeze(self) -> VisitLog:
        """Read-only numpy views of the columns (no copy); the log must not grow afterwards."""
        return VisitLog(
            truck=np.frombuffer(self.truck, dtype=np.int32),
            stage=np.frombuffer(self.stage, dtype=np.int16),
            t_queue=np.frombuffer(self.t_queue, dtype=np.float64),
            t_start=np.frombuffer(self.t_start, dtype=np.float64),
            t_end=np.frombuffer(self.t_end, dtype=np.float64),
        )


@dataclass(frozen=True)
class VisitLog:
    """Frozen visit log: one row per truck and stage visit, times in minutes."""

    truck: np.ndarray
    stage: np.ndarray
    t_queue: np.ndarray
    t_start: np.ndarray
    t_end: np.ndarray

    def select(self, mask: np.ndarray) -> VisitLog:
        """Rows where ``mask`` is true."""
        return VisitLog(self.truck[mask], self.stage[mask], self.t_queue[mask], self.t_start[mask], self.t_end[mask])

    @property
    def nbytes(self) -> int:
        """Memory held by the columns."""
        return sum(a.nbytes for a in (self.truck, self.stage, self.t_queue, self.t_start, self.t_end))


class Level:
    """Time-weighted step function built from entry and exit times.

    Each entity raises the level by its weight (one by default) at its entry time and lowers it at its exit time
    (NaN exit: still there at the end).

    Parameters
    ----------
    enter, leave : numpy.ndarray
        Entry and exit times in minutes.
    weight : numpy.ndarray, optional
        What each entity adds to the level (default 1, e.g. road metres per truck).
    """

    def __init__(self, enter: np.ndarray, leave: np.ndarray, weight: np.ndarray | None = None) -> None:
        done = ~np.isnan(leave)
        left = leave[done]
        times = np.concatenate((enter, left))
        w = np.ones(len(enter)) if weight is None else np.asarray(weight, dtype=float)
        steps = np.concatenate((w, -w[done]))
        # sort by time; at equal times exits (-1) come before entries so the level never overshoots
        order = np.lexsort((steps, times))
        self.times = times[order] if len(order) else times
        self.values = np.cumsum(steps[order]) if len(order) else np.empty(0)
        widths = np.diff(self.times, append=self.times[-1] if len(self.times) else 0.0)
        self._area = np.concatenate(([0.0], np.cumsum(self.values * widths)))

    def at(self, t: float | np.ndarray) -> np.ndarray:
        """Level just after time ``t``."""
        idx = np.searchsorted(self.times, t, side="right") - 1
        return np.where(idx >= 0, self.values[np.maximum(idx, 0)] if len(self.values) else 0.0, 0.0)

    def area(self, t: float | np.ndarray) -> np.ndarray:
        """Integral of the level from 0 to ``t`` (level x minutes)."""
        t = np.asarray(t, dtype=float)
        idx = np.searchsorted(self.times, t, side="right") - 1
        if not len(self.times):
            return np.zeros_like(t)
        safe = np.maximum(idx, 0)
        partial = self._area[safe] + self.values[safe] * (t - self.times[safe])
        return np.where(idx >= 0, partial, 0.0)

    def mean(self, t0: float, t1: float) -> float:
        """Time-average level on ``[t0, t1]``."""
        return float((self.area(t1) - self.area(t0)) / (t1 - t0)) if t1 > t0 else float("nan")

    def max(self, t0: float, t1: float) -> float:
        """Largest level reached on ``[t0, t1]``."""
        start = float(self.at(t0))
        inside = (self.times > t0) & (self.times <= t1)
        return max(start, float(self.values[inside].max())) if inside.any() else start

    def window_means(self, edges: np.ndarray) -> np.ndarray:
        """Time-average level on each interval between consecutive ``edges``."""
        areas = self.area(edges)
        return np.diff(areas) / np.diff(edges)
