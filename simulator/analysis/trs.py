"""The Time Release Study (WCO) table of one replication, accumulated as trucks leave.

For every truck that arrived after the warm-up and left before the end: the hours from its
arrival to each milestone — yard entry (its first yard), customs release, quarantine release,
hand-over (the last end of service at a resource with that milestone) and exit — by direction,
cargo class and customs channel, each also over all values (``all``). A truck that never
passes a milestone (no quarantine for containerised goods) is left out of that milestone only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.analysis.groups import LiveTable
from simulator.analysis.quantiles import Budget, GroupedQuantiles
from simulator.engine.output import RunLayout
from simulator.scenario.types import CHANNELS

__all__ = ["MILESTONES", "TRS_COLUMNS", "TrsAccumulator"]

MILESTONES = ("yard_entry", "customs_release", "quarantine_release", "handover", "exit")
TRS_COLUMNS = [
    "replication",
    "direction",
    "cargo_class",
    "channel",
    "milestone",
    "trucks",
    "mean_h",
    "median_h",
    "p90_h",
]
_RELEASES = {"customs_release": 1, "quarantine_release": 2, "handover": 3}


class TrsAccumulator:
    """Milestones of the live trucks, and counts, sums and percentiles of the finished ones."""

    def __init__(self, lay: RunLayout, budget: Budget) -> None:
        self.directions = ["all", *dict.fromkeys(lay.flow_direction)]
        self.classes = ["all", *lay.class_names]
        self.channels = ["all", *CHANNELS]
        self.flow_direction = np.array([self.directions.index(d) for d in lay.flow_direction], dtype=np.int64)
        self.release = np.array([_RELEASES.get(m, 0) for m in lay.stage_milestone], dtype=np.int64)
        self.n_cells = len(self.directions) * len(self.classes) * len(self.channels)
        # counts and sums per finest cell (direction, class, channel or none) and milestone; the
        # cube's cells (each also over all values) are their sums, taken at the end
        self.finest = (len(self.directions) - 1, len(self.classes) - 1, len(self.channels))
        self.count = np.zeros((*self.finest, len(MILESTONES)))
        self.total = np.zeros((*self.finest, len(MILESTONES)))
        self.quantiles = GroupedQuantiles(self.n_cells, budget, scale=60.0, columns=len(MILESTONES))

    def yard_entry(self, trucks: LiveTable, truck: np.ndarray, t: np.ndarray) -> None:
        """Trucks entered a yard at ``t``: the first entry is the yard-entry milestone."""
        if len(truck):
            np.fmin.at(trucks.columns["m0"], trucks.index(truck), t)

    def milestone_end(self, trucks: LiveTable, truck: np.ndarray, stage: np.ndarray, t: np.ndarray) -> None:
        """Rows ended at ``t``: the last end at a resource of a release milestone is that milestone."""
        if not len(truck):
            return
        j = self.release[stage]
        idx = trucks.index(truck)
        for m in (1, 2, 3):
            sel = j == m
            if sel.any():
                np.fmax.at(trucks.columns[f"m{m}"], idx[sel], t[sel])

    def exits(self, trucks: LiveTable, idx: np.ndarray, exit_t: np.ndarray) -> None:
        """Measured trucks (arrived after the warm-up) left at ``exit_t``: add their milestones."""
        if not len(idx):
            return
        cols = trucks.columns
        arrive = cols["arrive"][idx]
        hours = np.stack([cols[f"m{j}"][idx] for j in range(4)] + [exit_t], axis=1)
        hours = (hours - arrive[:, None]) / 60.0
        flow, cls, channel = cols["flow"][idx], cols["cls"][idx], cols["channel"][idx]
        cells = self._cells(flow, cls, channel)
        m = len(MILESTONES)
        _, nc, nh = self.finest
        finest = ((self.flow_direction[flow] - 1) * nc + cls) * nh + (channel + 1)
        keys = (finest[:, None] * m + np.arange(m)[None, :]).ravel()
        reached = ~np.isnan(hours)
        size = self.count.size
        self.count += np.bincount(keys, weights=reached.ravel(), minlength=size).reshape(self.count.shape)
        self.total += np.bincount(keys, weights=np.where(reached, hours, 0.0).ravel(), minlength=size).reshape(
            self.total.shape
        )
        self.quantiles.add(cells, hours)

    def _cells(self, flow: np.ndarray, cls: np.ndarray, channel: np.ndarray) -> np.ndarray:
        """The 8 cells (direction or all x class or all x channel or all) of every truck; -1: none."""
        d = self.flow_direction[flow]
        c = cls + 1
        h = np.where(channel >= 0, channel + 1, -1)
        nc, nh = len(self.classes), len(self.channels)
        out = []
        for dd in (np.zeros_like(d), d):
            for cc in (np.zeros_like(c), c):
                for hh in (np.zeros_like(h), h):
                    out.append(np.where(hh >= 0, (dd * nc + cc) * nh + hh, -1))
        return np.stack(out, axis=1).astype(np.int16)

    def _cube(self, finest: np.ndarray) -> np.ndarray:
        """Sums over the cube's cells, ``all`` first on each axis: shape ``(cells * milestones,)``."""
        d = np.concatenate((finest.sum(axis=0, keepdims=True), finest), axis=0)
        c = np.concatenate((d.sum(axis=1, keepdims=True), d), axis=1)
        h = np.concatenate((c.sum(axis=2, keepdims=True), c[:, :, 1:]), axis=2)  # no channel: only in "all"
        return h.ravel()

    def table(self, replication: int) -> pd.DataFrame:
        """The TRS table: one row per direction, class, channel and milestone (columns :data:`TRS_COLUMNS`)."""
        count, total = self._cube(self.count), self._cube(self.total)
        both = [self.quantiles.percentiles([50, 90], j) for j in range(len(MILESTONES))]  # each (cells, 2)
        median = np.stack([b[:, 0] for b in both], axis=1).ravel()
        p90 = np.stack([b[:, 1] for b in both], axis=1).ravel()
        rows = []
        m = len(MILESTONES)
        nc, nh = len(self.classes), len(self.channels)
        for di, d in enumerate(self.directions):
            for ci, c in enumerate(self.classes):
                for hi, h in enumerate(self.channels):
                    cell = (di * nc + ci) * nh + hi
                    if count[cell * m + m - 1] == 0:
                        continue
                    for j, name in enumerate(MILESTONES):
                        g = cell * m + j
                        if count[g] > 0:
                            stats = (total[g] / count[g], float(median[g]), float(p90[g]))
                            rows.append((replication, d, c, h, name, int(count[g]), *stats))
        return pd.DataFrame(rows, columns=TRS_COLUMNS)
