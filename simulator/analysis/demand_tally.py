"""The counts of reacting demand in a replication: trucks balked, deferred, lost and reneged, and the
dispatch suspension periods (:mod:`simulator.engine.demand`).

Counts are of events in the measured window ``[t0, t1)``, in every truck group a truck has a
value in: a truck that was never sent has a gate, a direction and a class but no channel or mode.
``balked`` counts balking decisions (a deferred truck that balks again counts again),
``deferred`` the trucks sent later (balked and deferred, or held by a suspension), ``lost`` the
trucks never sent (balked and not deferred, or refused by a suspension), ``reneged`` the trucks
that left a queue out of patience, at the gate that was serving them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.engine.demand import BALKED, DEFERRED, LOST
from simulator.engine.eventlog import WindowEvents

if TYPE_CHECKING:
    from simulator.analysis.reducer import Reducer

__all__ = ["COUNTS", "SUSPENSION_COLUMNS", "DemandTally", "reneged_mask"]

#: The group sums kept for reacting demand, with the code of the dispatch event each counts.
COUNTS = {"balked": BALKED, "deferred": DEFERRED, "lost": LOST}
SUSPENSION_COLUMNS = ["replication", "gate", "rule", "start_min", "end_min", "duration_h"]


def reneged_mask(ids: np.ndarray, reneged: np.ndarray) -> np.ndarray:
    """Which of ``ids`` (rows or trucks of a window) are in ``reneged``."""
    if not len(reneged):
        return np.zeros(len(ids), dtype=bool)
    return np.isin(ids, reneged)


class DemandTally:
    """Counts the reacting-demand events of each window into a reducer's group sums."""

    def __init__(self) -> None:
        self.started: dict[tuple[int, int], float] = {}
        self.periods: list[tuple[int, int, float, float]] = []

    def window(self, r: Reducer, ev: WindowEvents) -> None:
        """Count the window's dispatch decisions and reneging trucks; pair suspension starts and ends."""
        if len(ev.demand_t):
            keep = (ev.demand_t >= r.t0) & (ev.demand_t < r.t1)
            flow = ev.demand_flow[keep].astype(np.int64)
            cls = ev.demand_class[keep].astype(np.int64)
            none = np.full(len(flow), -1, dtype=np.int64)
            codes = r.groups.codes(r.lay, flow, cls, none, none)
            what = ev.demand_what[keep]
            for name, code in COUNTS.items():
                r.count_groups(name, codes[what == code])
        if len(ev.renege_t):
            keep = (ev.renege_t >= r.t0) & (ev.renege_t < r.t1)
            r.count_groups("reneged", r.codes_of(ev.renege_truck[keep]))
        for t, gate, rule, on in zip(
            ev.suspend_t.tolist(),
            ev.suspend_gate.tolist(),
            ev.suspend_rule.tolist(),
            ev.suspend_on.tolist(),
            strict=True,
        ):
            if on:
                self.started[(gate, rule)] = t
            else:
                self.periods.append((gate, rule, self.started.pop((gate, rule)), t))

    def table(self, r: Reducer) -> pd.DataFrame:
        """The suspension periods of the run (warm-up included; end NaN: still suspended at the end)."""
        rows = self.periods + [(g, k, t, np.nan) for (g, k), t in self.started.items()]
        rows.sort(key=lambda p: (p[2], p[0], p[1]))
        names = r.lay.gate_names
        return pd.DataFrame(
            [(r.lay.replication, names[g], k, a, b, (b - a) / 60.0) for g, k, a, b in rows],
            columns=SUSPENSION_COLUMNS,
        )
