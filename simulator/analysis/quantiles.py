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

from collections.abc import Iterator, Sequence

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
    columns : int
        Values per item (the TRS keeps five milestones per truck, with one set of group codes).
    """

    def __init__(self, groups: int, budget: Budget, scale: float = 1.0, columns: int = 1) -> None:
        self.groups = groups
        self.scale = scale
        self.columns = columns
        self.budget = budget
        budget.members.append(self)
        self._code_type = np.int16 if groups < 32768 else np.int64
        self._codes: list[np.ndarray] = []
        self._values: list[np.ndarray] = []
        self.counts: np.ndarray | None = None  # histogram mode: (columns, groups, bins)
        self.maxima = np.full((columns, groups), -np.inf)

    def add(self, codes: np.ndarray, values: np.ndarray) -> None:
        """Add ``values`` (NaN ones are ignored) to their groups.

        ``codes`` is one group per item, or a matrix with one column per partition (-1: in no
        group of that partition); ``values`` one value per item, or ``columns`` values per item.
        """
        codes = np.asarray(codes)
        codes = codes.reshape(len(codes), 1) if codes.ndim == 1 else codes
        values = np.asarray(values, dtype=float).reshape(len(codes), self.columns)
        keep = ~np.isnan(values).all(axis=1) & (codes >= 0).any(axis=1)
        codes, values = codes[keep].astype(self._code_type), values[keep]
        if not len(values):
            return
        if self.counts is None and self.budget.exact:
            self._codes.append(codes)
            self._values.append(values)
            self.budget.spend(values.size)
        else:
            self._histogram(codes, values)

    def to_histograms(self) -> None:
        """Move the exactly kept values into histograms (the budget is spent)."""
        if self.counts is not None:
            return
        self.counts = np.zeros((self.columns, self.groups, len(EDGES_MIN)), dtype=np.int32)
        for codes, values in zip(self._codes, self._values):
            self._histogram(codes, values)
        self._codes, self._values = [], []

    def _histogram(self, codes: np.ndarray, values: np.ndarray) -> None:
        if self.counts is None:
            self.counts = np.zeros((self.columns, self.groups, len(EDGES_MIN)), dtype=np.int32)
        for c in range(self.columns):
            v = values[:, c]
            b = np.clip(np.searchsorted(EDGES_MIN, v * self.scale, side="right") - 1, 0, len(EDGES_MIN) - 1)
            for column in codes.T:
                mine = (column >= 0) & ~np.isnan(v)
                g = column[mine].astype(np.int64)
                np.add.at(self.counts[c], (g, b[mine]), 1)
                np.maximum.at(self.maxima[c], g, v[mine])

    def _partitions(self, c: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """For each partition of the codes: column ``c``'s values grouped by group (a radix sort of
        the group codes), and the start of every group (groups of other partitions are empty there).

        One partition at a time, so the memory this takes is that of one copy of the values.
        """
        codes = np.concatenate(self._codes) if self._codes else np.empty((0, 1), self._code_type)
        values = np.concatenate([v[:, c] for v in self._values]) if self._values else np.empty(0)
        reached = ~np.isnan(values)
        for column in codes.T:
            mine = reached & (column >= 0)
            groups = column[mine]
            vals = values[mine][np.argsort(groups, kind="stable")]
            counts = np.bincount(groups.astype(np.int64), minlength=self.groups)
            yield vals, np.concatenate(([0], np.cumsum(counts)))

    def percentiles(self, qs: Sequence[float], column: int = 0) -> np.ndarray:
        """The ``qs`` percentiles of every group: shape ``(groups, len(qs))`` (NaN for an empty group).

        Exact values give exactly what ``numpy.percentile`` gives (linear interpolation, its
        formula bit for bit), from a partial sort of each group (``numpy.partition``).
        """
        out = np.full((self.groups, len(qs)), np.nan)
        if self.counts is not None:
            for g in range(self.groups):
                out[g] = [self._from_histogram(column, g, q) for q in qs]
            return out
        qs_arr = np.asarray(qs, dtype=float)
        for vals, starts in self._partitions(column):
            n = np.diff(starts)
            groups = np.flatnonzero(n)
            if not len(groups):
                continue
            pos = qs_arr[None, :] / 100.0 * (n[groups, None] - 1)  # (groups, qs)
            lo = np.floor(pos).astype(np.int64)
            hi = np.minimum(lo + 1, n[groups, None] - 1)
            a = np.empty(pos.shape)
            b = np.empty(pos.shape)
            for i, g in enumerate(groups.tolist()):
                segment = vals[starts[g] : starts[g + 1]]
                part = np.partition(segment, np.union1d(lo[i], hi[i])) if len(segment) > 1 else segment
                a[i], b[i] = part[lo[i]], part[hi[i]]
            frac = pos - lo
            diff = b - a
            lerp = np.where(frac >= 0.5, b - diff * (1 - frac), a + diff * frac)
            out[groups] = np.where(a == b, a, lerp)
        return out

    def percentile(self, q: float, column: int = 0) -> np.ndarray:
        """The ``q``-th percentile of every group (NaN for an empty group), as ``numpy.percentile``."""
        return self.percentiles([q], column)[:, 0]

    def _from_histogram(self, c: int, g: int, q: float) -> float:
        assert self.counts is not None
        counts = self.counts[c, g]
        n = int(counts.sum())
        if n == 0:
            return float("nan")
        rank = q / 100.0 * (n - 1)  # the position numpy's linear method interpolates at
        cum = np.cumsum(counts)
        b = int(np.searchsorted(cum, rank, side="right"))
        lo = EDGES_MIN[b] / self.scale
        hi = (EDGES_MIN[b + 1] if b + 1 < len(EDGES_MIN) else EDGES_MIN[b] * 2) / self.scale
        inside = (rank - (cum[b] - counts[b])) / counts[b]
        return float(min(lo + inside * (hi - lo), self.maxima[c, g]))

    def maximum(self, column: int = 0) -> np.ndarray:
        """The largest value of every group (exact in both modes; NaN when empty)."""
        if self.counts is None:
            out = np.full(self.groups, np.nan)
            for vals, starts in self._partitions(column):
                n = np.diff(starts)
                if n.any():
                    out[n > 0] = np.maximum.reduceat(vals, starts[:-1][n > 0])
            return out
        return np.where(np.isfinite(self.maxima[column]), self.maxima[column], np.nan)

    @property
    def exact(self) -> bool:
        """Whether the percentiles are exact."""
        return self.counts is None
