"""Open minutes of many stages' schedules between many pairs of instants, in one vectorised step."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.engine.clock import OpenSchedule

__all__ = ["OpenMinutes"]

_SPAN = float(2**25)  # minutes per stage in the combined search key (63 years)
_SHIFT = float(2**23)  # schedules start a few days before model time 0


class OpenMinutes:
    """How many minutes each stage's schedule is open within ``[lo, hi)``.

    Parameters
    ----------
    schedules : sequence of OpenSchedule or None
        One per stage; ``None`` is always open.
    """

    def __init__(self, schedules: Sequence[OpenSchedule | None]) -> None:
        self.always = np.array([s is None for s in schedules], dtype=bool)
        starts, ends, owner = [], [], []
        for i, s in enumerate(schedules):
            if s is not None:
                starts.append(np.asarray(s.starts, dtype=float))
                ends.append(np.asarray(s.ends, dtype=float))
                owner.append(np.full(len(s.starts), i, dtype=np.int64))
        self.starts = np.concatenate(starts) if starts else np.empty(0)
        self.ends = np.concatenate(ends) if ends else np.empty(0)
        stage = np.concatenate(owner) if owner else np.empty(0, np.int64)
        self.key = stage * _SPAN + (self.starts + _SHIFT)
        lengths = self.ends - self.starts
        self.before = np.zeros(len(lengths))  # open minutes of the same stage before each interval
        if len(lengths):
            cum = np.cumsum(lengths) - lengths
            first = np.searchsorted(stage, stage, side="left")
            self.before = cum - cum[first]
        self.stage = stage
        # stages whose every opening and closing falls on a whole model hour
        off_hour = (np.abs(self.starts / 60.0 - np.round(self.starts / 60.0)) > 1e-9) | (
            np.abs(self.ends / 60.0 - np.round(self.ends / 60.0)) > 1e-9
        )
        self.aligned = self.always.copy()
        for i in range(len(schedules)):
            if not self.always[i]:
                self.aligned[i] = not off_hour[stage == i].any()

    def open_hours(self, start: float, bins: int) -> np.ndarray:
        """Whether each stage is open for each whole hour from ``start``: shape ``(stages, bins)``.

        Exact for :attr:`aligned` stages (an hour is then wholly open or wholly closed).
        """
        mids = start + 60.0 * (np.arange(bins) + 0.5)
        out = np.repeat(self.always[:, None], bins, axis=1)
        for i in np.flatnonzero(~self.always):
            mine = self.stage == i
            if not mine.any():  # never open
                out[i] = False
                continue
            k = np.searchsorted(self.starts[mine], mids, side="right") - 1
            inside = (k >= 0) & (mids < self.ends[mine][np.maximum(k, 0)])
            out[i] = inside
        return out

    def spans(self, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The open intervals of every scheduled stage clipped to ``[lo, hi]``: ``(stage, start, end)``.

        Always-open stages give one interval, the whole of ``[lo, hi]``.
        """
        a = np.maximum(self.starts, lo)
        b = np.minimum(self.ends, hi)
        keep = b > a
        always = np.flatnonzero(self.always)
        return (
            np.concatenate((self.stage[keep], always)),
            np.concatenate((a[keep], np.full(len(always), lo))),
            np.concatenate((b[keep], np.full(len(always), hi))),
        )

    def cumulative(self, stage: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Open minutes of each ``stage``'s schedule before ``x`` (stages with a schedule only)."""
        i = np.searchsorted(self.key, stage * _SPAN + (x + _SHIFT), side="right") - 1
        valid = (i >= 0) & (self.stage[np.maximum(i, 0)] == stage) if len(self.key) else np.zeros(len(x), bool)
        j = np.maximum(i, 0)
        inside = np.minimum(x - self.starts[j], self.ends[j] - self.starts[j]) if len(self.key) else x * 0
        return np.where(valid, self.before[j] + np.maximum(inside, 0.0), 0.0)

    def between(self, stage: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Open minutes of each ``stage`` within ``[lo, hi)`` (``hi >= lo``)."""
        stage = np.asarray(stage, dtype=np.int64)
        out = np.asarray(hi, dtype=float) - np.asarray(lo, dtype=float)
        gated = ~self.always[stage] if len(stage) else np.zeros(0, bool)
        if gated.any():
            s = stage[gated]
            out[gated] = self.cumulative(s, hi[gated]) - self.cumulative(s, lo[gated])
        return out
