"""Per-replication tables beyond the KPIs: the Time Release Study and fees by month.

The Time Release Study (WCO) form gives, for every truck that arrived after the warm-up
and left before the end, the time from arrival to each milestone: yard entry, customs
release, quarantine release, hand-over and exit. Trucks that never pass a milestone
(no quarantine for containerised goods) are left out of that milestone only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.analysis.kpis import reduce_output
from simulator.analysis.stats import t_interval
from simulator.analysis.trs import MILESTONES
from simulator.engine.output import RunOutput

__all__ = ["MILESTONES", "fees_by_month", "milestone_hours", "summarise_fees", "summarise_trs", "trs_table"]

TRS_KEYS = ["direction", "cargo_class", "channel", "milestone"]


def milestone_hours(out: RunOutput) -> np.ndarray:
    """Hours from arrival to each milestone, per truck: shape ``(trucks, 5)``, NaN if not reached."""
    n = len(out.t_arrive)
    times = np.full((n, len(MILESTONES)), np.nan)
    v = out.visits
    kind = np.array(out.stage_kind)[v.stage] if len(v.stage) else np.empty(0, str)
    milestone = np.array(out.stage_milestone)[v.stage] if len(v.stage) else np.empty(0, str)
    yard = kind == "yard"
    np.fmin.at(times[:, 0], v.truck[yard], v.t_start[yard])
    for j, name in enumerate(MILESTONES[1:4], start=1):
        rows = milestone == name
        column = times[:, j]
        np.fmax.at(column, v.truck[rows], v.t_end[rows])
        times[:, j] = column
    times[:, 4] = out.t_exit
    return (times - out.t_arrive[:, None]) / 60.0


def trs_table(out: RunOutput) -> pd.DataFrame:
    """Time Release Study table of one replication (see :mod:`simulator.analysis.trs`).

    Returns
    -------
    pandas.DataFrame
        ``replication, direction, cargo_class, channel, milestone, trucks, mean_h,
        median_h, p90_h``; ``all`` marks a group over every value of that column.
    """
    return reduce_output(out).trs


def summarise_trs(table: pd.DataFrame) -> pd.DataFrame:
    """Across replications: mean of each statistic, with a 95% t-interval on the mean time."""
    rows = []
    for keys, grp in table.groupby(TRS_KEYS, sort=False):
        mean, low, high = t_interval(grp.mean_h.to_numpy())
        med, p90 = float(grp.median_h.mean()), float(grp.p90_h.mean())
        rows.append((*keys, float(grp.trucks.mean()), mean, low, high, med, p90))
    columns = [*TRS_KEYS, "trucks_per_replication", "mean_h", "mean_h_ci_low", "mean_h_ci_high", "median_h", "p90_h"]
    return pd.DataFrame(rows, columns=columns)


def fees_by_month(out: RunOutput) -> pd.DataFrame:
    """Fees of the trucks that left in the measured window, by gate and calendar month.

    Returns
    -------
    pandas.DataFrame
        ``replication, gate, month, trucks, infrastructure, transloading, total``.
    """
    return reduce_output(out).fees


def summarise_fees(table: pd.DataFrame) -> pd.DataFrame:
    """Mean fees by gate and month over replications, with a 95% t-interval on the total."""
    rows = []
    n = table.replication.nunique() if len(table) else 0
    for (gate, month), grp in table.groupby(["gate", "month"], sort=True):
        totals = grp.total.to_numpy()
        padded = np.concatenate((totals, np.zeros(n - len(totals))))
        mean, low, high = t_interval(padded)
        rows.append(
            (
                gate,
                month,
                grp.trucks.sum() / n,
                grp.infrastructure.sum() / n,
                grp.transloading.sum() / n,
                mean,
                low,
                high,
            )
        )
    columns = ["gate", "month", "trucks", "infrastructure", "transloading", "total", "total_ci_low", "total_ci_high"]
    return pd.DataFrame(rows, columns=columns)
