"""Time-weighted levels (queue lengths, busy servers, trucks in the system), reduced a window at a time.

A level is a step function that each entity raises by its weight when it enters and lowers
when it leaves. :class:`LevelFamily` keeps several such series (one per stage, or one per
truck group) and reduces each window of entries and exits, given in any order, to exact
figures:

* the area under each series in every hour (the hourly means of the time series) and in every
  day (daily means; any mean over whole days, such as the measured window), from the counts
  and sums of the entry and exit times in each hour: :math:`A(e) = L_0 (e - T) + \\sum_{a \\le e}
  w (e - a) - \\sum_{b \\le e} w (e - b)`;
* the largest level in every day, from a sweep over the events in time order, exits before
  entries at equal times (so a level never overshoots), starting from the level just after
  the day's first instant;
* the level just after chosen instants (the daily backlog clock).

Windows are whole days; only the current level of each series is carried from one window to
the next, so the memory does not grow with the horizon beyond a few figures per day (and the
hourly rows of the series kept for the time series).

:class:`Level` is the same idea for a whole record held in memory, used by tests and notebooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["BIN_MIN", "DAY_MIN", "Level", "LevelFamily", "Moves"]

BIN_MIN = 60.0  # the hourly bins of every level
DAY_MIN = 1440.0
_KEY_SPAN = float(2**20)  # minutes per series in a combined (series, time) search key


@dataclass(frozen=True)
class Moves:
    """Entries and exits of a family's series in one window: series, time (ascending), weight.

    The series are a matrix with one column per *partition* of the family's series: an event
    moves one series of each partition (-1: none of that partition), as for truck groups, where
    a truck is in one gate, one direction, one class... A family with one partition (one series
    per stage) has one column. Times must be in ascending order (the order events happen in).
    """

    in_series: np.ndarray
    in_t: np.ndarray
    in_w: np.ndarray
    out_series: np.ndarray
    out_t: np.ndarray
    out_w: np.ndarray

    @classmethod
    def of(
        cls,
        in_series: np.ndarray,
        in_t: np.ndarray,
        out_series: np.ndarray,
        out_t: np.ndarray,
        in_w: np.ndarray | None = None,
        out_w: np.ndarray | None = None,
    ) -> Moves:
        """Moves with unit weights unless weights are given."""
        return cls(
            _as_columns(in_series),
            np.asarray(in_t, dtype=float),
            np.ones(len(in_t)) if in_w is None else np.asarray(in_w, dtype=float),
            _as_columns(out_series),
            np.asarray(out_t, dtype=float),
            np.ones(len(out_t)) if out_w is None else np.asarray(out_w, dtype=float),
        )


def _as_columns(series: np.ndarray) -> np.ndarray:
    s = np.asarray(series)
    if not np.issubdtype(s.dtype, np.integer):
        s = s.astype(np.int64)
    return s.reshape(len(s), 1) if s.ndim == 1 else s


@dataclass
class _Side:
    """One side (entries or exits) of a window's moves, binned by hour."""

    series: np.ndarray
    t: np.ndarray
    w: np.ndarray
    count: np.ndarray  # (n, bins + 1): weight of the events before each hour edge
    total: np.ndarray  # (n, bins + 1): weight x (time - start) of the same events

    def between(self, n: int, lo: float, hi: float, right: bool = True) -> np.ndarray:
        """Weight per series of the events with ``lo <= t <= hi`` (``< hi`` unless ``right``)."""
        a = int(np.searchsorted(self.t, lo, side="left"))
        b = int(np.searchsorted(self.t, hi, side="right" if right else "left"))
        return _weights(self.series[a:b], self.w[a:b], n)


def _weights(series: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    """Total weight per series of events, each moving one series per partition column."""
    out = np.zeros(n)
    for column in series.T:
        mine = column >= 0
        if mine.all():
            out += np.bincount(column, weights=w, minlength=n)
        elif mine.any():
            out += np.bincount(column[mine], weights=w[mine], minlength=n)
    return out


class LevelFamily:
    """Several level series reduced window by window.

    Parameters
    ----------
    n_series : int
        Number of series.
    track_max : bool
        Also find each series' largest level in every day (a sweep; costs more).
    hourly : sequence of int, optional
        The series whose hourly means are kept for the time series (default: all). The
        others keep one area per day only.
    unit : bool
        Every weight is one (counts of trucks): the sweep then runs on integers.
    max_partitions : sequence of int, optional
        The partitions (columns of the moves' series) whose daily maxima are wanted (default all),
        and ``max_series`` the series they hold; the maxima of the other series are NaN.
    """

    def __init__(
        self,
        n_series: int,
        track_max: bool = True,
        hourly: Sequence[int] | None = None,
        unit: bool = True,
        max_partitions: Sequence[int] | None = None,
        max_series: Sequence[int] | None = None,
    ) -> None:
        self.n = n_series
        self.track_max = track_max
        self.max_partitions = None if max_partitions is None else list(max_partitions)
        self.untracked = np.ones(n_series, dtype=bool)
        self.untracked[np.arange(n_series) if max_series is None else np.asarray(max_series, dtype=np.int64)] = False
        self.unit = unit
        self.hourly_series = np.arange(n_series) if hourly is None else np.asarray(hourly, dtype=np.int64)
        self.level = np.zeros(n_series)
        self.hour_areas: list[np.ndarray] = []  # per window: (len(hourly), hours), level x minutes
        self.day_area: list[np.ndarray] = []  # per window: (n_series, days), level x minutes
        self.day_max: list[np.ndarray] = []  # per window: (n_series, days)
        self.day_start: list[np.ndarray] = []  # per window: model minute each day starts
        self.last_areas = np.zeros((n_series, 0))

    def window(self, start: float, days: int, moves: Moves, instants: Sequence[float] = ()) -> np.ndarray:
        """Reduce one window of ``days`` whole days from ``start``.

        Events at or after the window's end are counted in its last hour (they happen at the
        horizon itself and add no area). Returns the level just after each of ``instants``
        (shape ``(len(instants), n_series)``), which must lie inside the window.
        """
        bins = days * 24
        ins = self._side(start, bins, moves.in_series, moves.in_t, moves.in_w)
        outs = self._side(start, bins, moves.out_series, moves.out_t, moves.out_w)
        edges = np.arange(bins + 1) * BIN_MIN
        cum = (self.level[:, None] + ins.count - outs.count) * edges[None, :] - ins.total + outs.total
        areas = np.diff(cum, axis=1)
        self.last_areas = areas  # the hourly areas of the window just reduced (read by the caller)
        self.day_start.append(start + DAY_MIN * np.arange(days))
        self.day_area.append(areas.reshape(self.n, days, 24).sum(axis=2))
        if len(self.hourly_series):
            self.hour_areas.append(areas[self.hourly_series])
        before = self.level[:, None] + ins.count - outs.count  # level just before each hour edge
        if self.track_max:
            peaks = self._max(start, days, moves, ins, outs, before)
            peaks[self.untracked] = np.nan
            self.day_max.append(peaks)
        at = np.array([self._level_at(start, float(c), ins, outs, before) for c in instants])
        self.level = before[:, -1]
        return at.reshape(len(instants), self.n)

    def span_areas(self, start: float, moves: Moves, series: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Area under ``series`` over each span ``[a, b]`` inside the window (one-partition families).

        Call it before :meth:`window` for the same window (it reads the level the window starts at).
        """
        s = np.concatenate((moves.in_series[:, 0], moves.out_series[:, 0]))
        t = np.concatenate((moves.in_t, moves.out_t)) - start
        w = np.concatenate((moves.in_w, -moves.out_w))
        order = np.argsort(t, kind="stable")
        order = order[np.argsort(s[order].astype(np.int16), kind="stable")]
        s, t, w = s[order], t[order], w[order]
        cw = np.concatenate(([0.0], np.cumsum(w)))
        cwt = np.concatenate(([0.0], np.cumsum(w * t)))
        key = s * _KEY_SPAN + t
        series = np.asarray(series, dtype=np.int64)
        first = np.searchsorted(key, series * _KEY_SPAN, side="left")

        def area_to(x: np.ndarray) -> np.ndarray:
            pos = np.searchsorted(key, series * _KEY_SPAN + x, side="right")
            return self.level[series] * x + x * (cw[pos] - cw[first]) - (cwt[pos] - cwt[first])

        return area_to(np.asarray(b, dtype=float) - start) - area_to(np.asarray(a, dtype=float) - start)

    def _side(self, start: float, bins: int, series: np.ndarray, t: np.ndarray, w: np.ndarray) -> _Side:
        count = np.zeros((self.n, bins + 1))
        total = np.zeros((self.n, bins + 1))
        if len(t):
            rel = t - start
            b = np.minimum((rel * (1.0 / BIN_MIN)).astype(np.int64), bins - 1)
            wr = w * rel
            for column in series.T:
                mine = column >= 0
                key = column.astype(np.int64) * bins + b
                if not mine.all():
                    key, ww, wwr = key[mine], w[mine], wr[mine]
                else:
                    ww, wwr = w, wr
                count[:, 1:] += np.bincount(key, weights=ww, minlength=self.n * bins).reshape(self.n, bins)
                total[:, 1:] += np.bincount(key, weights=wwr, minlength=self.n * bins).reshape(self.n, bins)
            np.cumsum(count, axis=1, out=count)
            np.cumsum(total, axis=1, out=total)
        return _Side(series, t, w, count, total)

    def _level_at(self, start: float, instant: float, ins: _Side, outs: _Side, before: np.ndarray) -> np.ndarray:
        """The level just after ``instant``: before its hour's edge, plus the moves from the edge to it."""
        j = min(int((instant - start) // BIN_MIN), before.shape[1] - 2)
        edge = start + j * BIN_MIN
        return before[:, j] + ins.between(self.n, edge, instant) - outs.between(self.n, edge, instant)

    def _max(self, start: float, days: int, m: Moves, ins: _Side, outs: _Side, before: np.ndarray) -> np.ndarray:
        """Largest level of each series in each day: shape ``(n_series, days)``.

        A day's maximum starts from the level just after its first instant (after every event
        at that instant), then runs over the events after it, in time order with exits first at
        equal times.
        """
        out = np.stack([self._level_at(start, start + d * DAY_MIN, ins, outs, before) for d in range(days)], axis=1)
        t = np.concatenate((m.out_t, m.in_t))
        if not len(t):
            return out
        w = np.concatenate((-m.out_w, m.in_w))
        if self.unit:
            w = w.astype(np.int32)
        order = np.argsort(t, kind="stable")  # two ascending runs; exits first at equal times
        t, w = t[order], w[order]
        columns = range(m.in_series.shape[1]) if self.max_partitions is None else self.max_partitions
        series = [np.concatenate((m.out_series[:, c], m.in_series[:, c]))[order] for c in columns]
        day = np.minimum(((t - start) * (1.0 / DAY_MIN)).astype(np.int16), days - 1)
        # events at a day's first instant are counted through ``out`` (the level after all of them)
        bounds = start + DAY_MIN * np.arange(days)
        at_bound = np.zeros(len(t), dtype=bool)
        for lo, hi in zip(np.searchsorted(t, bounds, "left"), np.searchsorted(t, bounds, "right")):
            at_bound[lo:hi] = True
        for column in series:
            mine = column >= 0
            if mine.all():
                self._partition_max(column, w, day, at_bound, days, out)
            else:
                self._partition_max(column[mine], w[mine], day[mine], at_bound[mine], days, out)
        return out

    def _partition_max(
        self, series: np.ndarray, w: np.ndarray, day: np.ndarray, skip: np.ndarray, days: int, out: np.ndarray
    ) -> None:
        """Raise ``out`` to the running maximum of each series and day of one partition (time-sorted events)."""
        if not len(series):
            return
        key = series.astype(np.int32) * days + day
        order = np.argsort(key.astype(np.int16) if self.n * days < 32768 else key, kind="stable")  # time order kept
        key, w, skip = key[order], w[order], skip[order]
        running = np.cumsum(w).astype(float)
        change = np.flatnonzero(key[1:] != key[:-1]) + 1
        cut = np.concatenate(([0], change))  # each (series, day) segment
        owner = key[cut] // days
        new_series = np.concatenate(([True], owner[1:] != owner[:-1]))
        first = cut[new_series]  # each series' first event
        lengths = np.diff(np.append(first, len(key)))
        running += np.repeat(self.level[owner[new_series]] - (running[first] - w[first]), lengths)
        running[skip] = -np.inf
        peaks = np.maximum.reduceat(running, cut)
        d = key[cut] % days
        out[owner, d] = np.maximum(out[owner, d], peaks)

    def _days(self, t0: float, t1: float) -> np.ndarray:
        starts = np.concatenate(self.day_start) if self.day_start else np.empty(0)
        return (starts >= t0) & (starts < t1)

    def measured(self, t0: float, t1: float) -> np.ndarray:
        """Area of every series over the days that start in ``[t0, t1)``, level x minutes."""
        if not self.day_area:
            return np.zeros(self.n)
        return np.concatenate(self.day_area, axis=1)[:, self._days(t0, t1)].sum(axis=1)

    def daily_means(self, t0: float, t1: float) -> np.ndarray:
        """Mean level of every series in each day that starts in ``[t0, t1)``: shape ``(days, n)``."""
        if not self.day_area:
            return np.zeros((0, self.n))
        return (np.concatenate(self.day_area, axis=1)[:, self._days(t0, t1)] / DAY_MIN).T

    def daily_max(self) -> np.ndarray:
        """Largest level of every series in every day of the run: shape ``(n_series, days)``."""
        return np.concatenate(self.day_max, axis=1) if self.day_max else np.zeros((self.n, 0))

    def max_over(self, t0: float, t1: float) -> np.ndarray:
        """Largest level of every series over the days that start in ``[t0, t1)``."""
        chosen = self._days(t0, t1)
        if not chosen.any():
            return np.full(self.n, np.nan)
        return self.daily_max()[:, chosen].max(axis=1)

    def hourly(self) -> np.ndarray:
        """Hourly mean level of the kept series over the whole run: shape ``(len(hourly), hours)``."""
        if not self.hour_areas:
            return np.zeros((len(self.hourly_series), 0))
        return np.concatenate(self.hour_areas, axis=1) / BIN_MIN

    def move_hourly(self, out: np.ndarray, rows: Sequence[int] | np.ndarray) -> None:
        """Write the hourly mean levels into ``out`` and release the windows they were kept in.

        Kept series ``i`` (the ``i``-th of ``hourly``) goes to row ``rows[i]`` of ``out``; a
        negative row drops it. Only one window is copied at a time, so a long run's series never
        sit in memory twice. The family keeps no hourly areas afterwards.
        """
        keep = np.asarray(rows, dtype=np.int64)
        chosen = np.flatnonzero(keep >= 0)
        col = 0
        while self.hour_areas:
            window = self.hour_areas.pop(0)
            width = window.shape[1]
            out[keep[chosen], col : col + width] = window[chosen] / BIN_MIN
            col += width


class Level:
    """Time-weighted step function built from entry and exit times of a whole record.

    Each entity raises the level by its weight (one by default) at its entry time and lowers it
    at its exit time (NaN exit: still there at the end).

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
