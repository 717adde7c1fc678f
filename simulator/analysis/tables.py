"""Per-replication tables beyond the KPIs: the Time Release Study and fees by month.

The Time Release Study (WCO) form gives, for every truck that arrived after the warm-up
and left before the end, the time from arrival to each milestone: yard entry, customs
release, quarantine release, hand-over and exit. Trucks that never pass a milestone
(no quarantine for containerised goods) are left out of that milestone only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from simulator.analysis.kpis import reduce_output
from simulator.analysis.stats import t_interval
from simulator.analysis.trs import MILESTONES
from simulator.engine.output import RunOutput

__all__ = [
    "MILESTONES",
    "fees_by_month",
    "measured_days_by_month",
    "milestone_hours",
    "summarise_fees",
    "summarise_trs",
    "trs_table",
]

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


def measured_days_by_month(start_date: dt.date, warmup_days: int, days: int) -> dict[str, int]:
    """Measured days (after the warm-up) in each calendar month of the model clock, ``YYYY-MM``.

    >>> measured_days_by_month(dt.date(2024, 8, 1), 3, 40)
    {'2024-08': 28, '2024-09': 9}
    """
    if days <= warmup_days:
        return {}
    origin = np.datetime64(start_date, "D")
    dates = origin + np.arange(warmup_days, days).astype("timedelta64[D]")
    months, counts = np.unique(dates.astype("datetime64[M]").astype(str), return_counts=True)
    return {str(m): int(c) for m, c in zip(months, counts)}


def summarise_fees(table: pd.DataFrame, measured_days: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Mean fees by gate and month over replications, with a 95% t-interval on the total.

    ``trucks``, ``infrastructure``, ``transloading`` and ``total`` are totals over the month's
    measured days; with ``measured_days`` (by month, :func:`measured_days_by_month`), the
    columns ``measured_days`` and ``total_per_day`` say how many and give the total per day.
    """
    rows = []
    n = table.replication.nunique() if len(table) else 0
    for (gate, month), grp in table.groupby(["gate", "month"], sort=True):
        totals = grp.total.to_numpy()
        padded = np.concatenate((totals, np.zeros(n - len(totals))))
        mean, low, high = t_interval(padded)
        sums = (grp.trucks.sum() / n, grp.infrastructure.sum() / n, grp.transloading.sum() / n)
        days = (measured_days or {}).get(str(month), 0)
        rows.append((gate, month, days, *sums, mean, mean / days if days else np.nan, low, high))
    columns = [
        "gate",
        "month",
        "measured_days",
        "trucks",
        "infrastructure",
        "transloading",
        "total",
        "total_per_day",
        "total_ci_low",
        "total_ci_high",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame if measured_days is not None else frame.drop(columns=["measured_days", "total_per_day"])
