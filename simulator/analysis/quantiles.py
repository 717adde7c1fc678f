"""Percentiles of many groups of values that arrive a window at a time, in bounded memory.

While a replication's values fit a budget (:data:`EXACT_VALUES` in all, shared by every
accumulator of the replication through one :class:`Budget`), every value is kept and the
percentiles are exact (``numpy.percentile``, linear interpolation). Beyond the budget, every
accumulator of the replication switches to a fixed histogram (:data:`EDGES_MIN`: 6-second bins
below an hour, 1-minute bins below a day, 10-minute bins below 30 days, daily beyond) and
percentiles are interpolated within a bin, so their error is below one bin width. Which
method was used depends only on how many values there were, so it is the same on every
executor and in every rerun. Means are never taken from here: callers keep exact sums.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["EDGES_MIN", "EXACT_VALUES", "Budget", "GroupedQuantiles"]

EXACT_VALUES = 6_000_000
EDGES_MIN = np.unique(
    np.concatenate(
        (
            np.arange(0.0, 60.0, 0.1),
            np.arange(60.0, 1440.0, 1.0),
            np.arange(1440.0, 43_200.0, 10.0),
            np.arange(43_200.0, 20 * 525_600.0 + 1440.0, 1440.0),
        )
    )
)


class Budget:
    """How many values the accumulators of one replication may still keep exactly."""

    def __init__(self, limit: int = EXACT_VALUES) -> None:
        self.limit = limit
        self.used = 0
        self.members: list[GroupedQuantiles] = []

    @property
    def exact(self) -> bool:
        """Whether values are still kept exactly."""
        return self.used <= self.limit

    def spend(self, n: int) -> None:
        """Account for ``n`` more values; past the limit, every member switches to histograms."""
        was = self.exact
        self.used += n
        if was and not self.exact:
            for member in self.members:
                member.to_histograms()


class GroupedQuantiles:
    """Values in ``groups`` groups; each value may belong to one group of each of several partitions.

    Parameters
    ----------
    groups : int
        Number of groups.
    budget : Budget
        The replication's budget of exactly kept values (each value counts once, whatever
        the number of groups it is in).
    scale : float
        Values are multiplied by this to get minutes for the histogram (60 for hours).
    """

    def __init__(self, groups: int, budget: Budget, scale: float = 1.0) -> None:
        self.groups = groups
        self.scale = scale
        self.budget = budget
        budget.members.append(self)
        self._codes: list[np.ndarray] = []
        self._values: list[np.ndarray] = []
        self.counts: np.ndarray | None = None  # histogram mode: (groups, bins)
        self.maxima = np.full(groups, -np.inf)
        self._sorted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def add(self, codes: np.ndarray, values: np.ndarray) -> None:
        """Add ``values`` (NaN ones are ignored) to their groups: ``codes`` is one group per value,
        or a matrix with one column per partition (-1: in no group of that partition)."""
        codes = np.asarray(codes, dtype=np.int64)
        codes = codes.reshape(len(codes), 1) if codes.ndim == 1 else codes
        keep = ~np.isnan(values) & (codes >= 0).any(axis=1)
        codes, values = codes[keep], np.asarray(values, dtype=float)[keep]
        if not len(values):
            return
        self._sorted = None
        if self.counts is None and self.budget.exact:
            self._codes.append(codes)
            self._values.append(values)
            self.budget.spend(len(values))
        else:
            self._histogram(codes, values)

    def to_histograms(self) -> None:
        """Move the exactly kept values into histograms (the budget is spent)."""
        if self.counts is not None:
            return
        self.counts = np.zeros((self.groups, len(EDGES_MIN)), dtype=np.int32)
        for codes, values in zip(self._codes, self._values):
            self._histogram(codes, values)
        self._codes, self._values = [], []
        self._sorted = None

    def _histogram(self, codes: np.ndarray, values: np.ndarray) -> None:
        if self.counts is None:
            self.counts = np.zeros((self.groups, len(EDGES_MIN)), dtype=np.int32)
        b = np.clip(np.searchsorted(EDGES_MIN, values * self.scale, side="right") - 1, 0, len(EDGES_MIN) - 1)
        for column in codes.T:
            mine = column >= 0
            np.add.at(self.counts, (column[mine], b[mine]), 1)
            np.maximum.at(self.maxima, column[mine], values[mine])

    def _grouped(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (group, value) pair's value, grouped by group and sorted within it; each group's start."""
        if self._sorted is None:
            codes = np.concatenate(self._codes) if self._codes else np.empty((0, 1), np.int64)
            values = np.concatenate(self._values) if self._values else np.empty(0)
            order = np.argsort(values, kind="stable")
            values, codes = values[order], codes[order]
            groups = [column[column >= 0] for column in codes.T]
            vals = [values[column >= 0] for column in codes.T]
            flat_groups = np.concatenate(groups) if groups else np.empty(0, np.int64)
            flat_values = np.concatenate(vals) if vals else np.empty(0)
            small = flat_groups.astype(np.int16) if self.groups < 32768 else flat_groups
            by_group = np.argsort(small, kind="stable")  # radix sort: values stay sorted within a group
            starts = np.searchsorted(flat_groups[by_group], np.arange(self.groups + 1))
            self._sorted = (flat_values[by_group], starts, np.empty(0))
        return self._sorted[0], self._sorted[1]

    def percentiles(self, qs: Sequence[float]) -> np.ndarray:
        """The ``qs`` percentiles of every group: shape ``(groups, len(qs))`` (NaN for an empty group).

        Exact values give exactly what ``numpy.percentile`` gives (linear interpolation, its
        formula bit for bit).
        """
        out = np.full((self.groups, len(qs)), np.nan)
        if self.counts is not None:
            for g in range(self.groups):
                out[g] = [self._from_histogram(g, q) for q in qs]
            return out
        vals, starts = self._grouped()
        n = np.diff(starts)
        has = n > 0
        base = starts[:-1][has]
        for i, q in enumerate(qs):
            pos = q / 100.0 * (n[has] - 1)
            lo = np.floor(pos).astype(np.int64)
            hi = np.minimum(lo + 1, n[has] - 1)
            frac = pos - lo
            a, b = vals[base + lo], vals[base + hi]
            diff = b - a
            lerp = np.where(frac >= 0.5, b - diff * (1 - frac), a + diff * frac)
            out[has, i] = np.where(a == b, a, lerp)
        return out

    def percentile(self, q: float) -> np.ndarray:
        """The ``q``-th percentile of every group (NaN for an empty group), as ``numpy.percentile``."""
        return self.percentiles([q])[:, 0]

    def _from_histogram(self, g: int, q: float) -> float:
        assert self.counts is not None
        counts = self.counts[g]
        n = int(counts.sum())
        if n == 0:
            return float("nan")
        rank = q / 100.0 * (n - 1)  # the position numpy's linear method interpolates at
        cum = np.cumsum(counts)
        b = int(np.searchsorted(cum, rank, side="right"))
        lo = EDGES_MIN[b] / self.scale
        hi = (EDGES_MIN[b + 1] if b + 1 < len(EDGES_MIN) else EDGES_MIN[b] * 2) / self.scale
        inside = (rank - (cum[b] - counts[b])) / counts[b]
        return float(min(lo + inside * (hi - lo), self.maxima[g]))

    def maximum(self) -> np.ndarray:
        """The largest value of every group (exact in both modes; NaN when empty)."""
        if self.counts is None:
            vals, starts = self._grouped()
            n = np.diff(starts)
            out = np.full(self.groups, np.nan)
            out[n > 0] = vals[starts[1:][n > 0] - 1]
            return out
        return np.where(np.isfinite(self.maxima), self.maxima, np.nan)

    @property
    def exact(self) -> bool:
        """Whether the percentiles are exact."""
        return self.counts is None
