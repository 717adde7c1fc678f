"""Across-replication statistics: means with Student-t confidence intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulator.analysis.reduction_tables import MIN_DAYS, MIN_PERIODS

__all__ = [
    "BOTTLENECK_BAND",
    "busiest_stages",
    "min_window_days",
    "stability",
    "stability_reason",
    "summarise",
    "t_interval",
]


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided Student-t confidence interval of independent replications.

    NaN values (a KPI undefined in a replication) are left out. With fewer than two
    values the bounds are NaN.

    Returns
    -------
    tuple of float
        ``(mean, ci_low, ci_high)``.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    from scipy import stats as sps  # loaded on first use: importing this module stays cheap

    half = float(sps.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return mean, mean - half, mean + half


def summarise(replications: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval of every KPI over replications.

    Parameters
    ----------
    replications : pandas.DataFrame
        Tidy table with columns ``replication, scope, key, kpi, value``.
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per ``scope, key, kpi`` with ``n, mean, sd, ci_low, ci_high, half_width``,
        in the order KPIs first appear.
    """
    rows = []
    for (scope, key, kpi), group in replications.groupby(["scope", "key", "kpi"], sort=False):
        values = group["value"].to_numpy(dtype=float)
        finite = values[~np.isnan(values)]
        mean, low, high = t_interval(finite, level)
        sd = float(finite.std(ddof=1)) if len(finite) > 1 else float("nan")
        rows.append((scope, key, kpi, len(finite), mean, sd, low, high, (high - low) / 2))
    columns = ["scope", "key", "kpi", "n", "mean", "sd", "ci_low", "ci_high", "half_width"]
    return pd.DataFrame(rows, columns=columns)


GROWTH_KPI = "backlog_growth_per_day"
PRACTICAL_SHARE = 0.10


def stability(
    summary: pd.DataFrame,
    window_days: float,
    period_days: int = 1,
    late_events: Sequence[tuple[str, tuple[str, ...]]] = (),
) -> pd.DataFrame:
    """Overload check of every truck scope: ``stable``, ``unstable`` or ``inconclusive``, with the reason.

    The backlog growth (trucks per day) of a replication is the slope of the mean number in the
    system over *whole calendar periods* after the warm-up (``period_days``: 7 when closures
    or arrivals depend on the weekday, else 1), so a weekend closure is compared with weekend
    closures (:func:`simulator.analysis.reduction_tables.growth_per_day`). A scope is

    - **inconclusive** when the measured window is shorter than :func:`min_window_days` (two
      whole periods, and at least three days: the growth is then not defined), or when its
      growth would count as overload but a dated season, closure or disruption
      (``late_events``: description and gates, empty for all) falls in the later half of the
      window, or there is only one replication (no confidence interval);
    - **unstable** when the 95% CI of the growth lies above zero *and* the growth over the
      window adds more than 10% of one day's arrivals (a significant, practical growth);
    - **stable** otherwise.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`summarise`.
    window_days : float
        Days after the warm-up.
    period_days : int
        The calendar's period, :meth:`simulator.scenario.models.Scenario.period_days`.
    late_events : sequence of (str, tuple of str)
        Dated events in the later half of the measured window and the gates they apply to.

    Returns
    -------
    pandas.DataFrame
        ``scope, key, growth_mean, growth_ci_low, growth_ci_high, status, reason_code, reason,
        event, unstable``; ``reason_code`` is ``short_window``, ``late_event`` or
        ``one_replication`` when inconclusive (:func:`stability_reason` words it).
    """
    growth = summary[summary.kpi == GROWTH_KPI]
    arr = summary[summary.kpi == "arrived_per_day"]
    arrived = dict(zip(zip(arr.scope, arr.key), arr["mean"]))
    rows = []
    for scope, key, mean, low, high in zip(growth.scope, growth.key, growth["mean"], growth.ci_low, growth.ci_high):
        threshold = PRACTICAL_SHARE * float(arrived.get((scope, key), 0.0)) / window_days
        events = [d for d, gates in late_events if scope != "gate" or not gates or key in gates]
        code, event = "", ""
        if mean != mean:
            code = "short_window"
        elif mean > threshold and mean > 0 and (low != low or low > 0):
            code = "late_event" if events else "one_replication" if low != low else "unstable"
            event = events[0] if events else ""
        status = "stable" if not code else "unstable" if code == "unstable" else "inconclusive"
        reason = stability_reason(code if status == "inconclusive" else "", window_days, period_days, event)
        rows.append((scope, key, mean, low, high, status, code if status == "inconclusive" else "", reason, event))
    columns = ["scope", "key", "growth_mean", "growth_ci_low", "growth_ci_high", "status", "reason_code", "reason"]
    table = pd.DataFrame(rows, columns=[*columns, "event"])
    table["unstable"] = table.status == "unstable"
    return table


def min_window_days(period_days: int) -> int:
    """The shortest measured window the overload check decides on: 2 whole periods, at least 3 days."""
    periods = max(MIN_PERIODS, -(-MIN_DAYS // period_days))
    return periods * period_days


def stability_reason(code: str, window_days: float, period_days: int, event: str = "") -> str:
    """Why the overload check is inconclusive, in English ("" for none).

    >>> stability_reason("short_window", 4, 7)
    'the measured window (4 days) is shorter than 2 whole periods of the calendar (14 days)'
    """
    if code == "short_window":
        return (
            f"the measured window ({window_days:g} days) is shorter than {MIN_PERIODS} whole periods of the "
            f"calendar ({min_window_days(period_days)} days)"
        )
    if code == "late_event":
        return f"{event} falls in the later half of the measured window"
    if code == "one_replication":
        return "one replication gives no confidence interval for the growth"
    return ""


BOTTLENECK_BAND = 0.02


def busiest_stages(summary: pd.DataFrame, keys: pd.Series | None = None) -> pd.DataFrame:
    """Stages ranked as bottlenecks: by utilisation, near-ties by how long trucks wait.

    The utilisation is the busy share of a stage's *open* server-time (at most 1). A stage is
    ranked first by its utilisation rounded down to bands of :data:`BOTTLENECK_BAND` (2
    percentage points), then by its mean queue wait: of two stages both about fully busy, the
    one trucks wait longer for binds. Lab holds (no servers) are left out.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`summarise` (``scope, key, kpi, mean, ...``).
    keys : pandas.Series, optional
        Only these stage keys (e.g. one gate's).

    Returns
    -------
    pandas.DataFrame
        ``key, utilisation, ci_low, ci_high, wait_min_mean``, busiest first.
    """
    stage = summary[summary.scope == "stage"]
    util = stage[stage.kpi == "utilisation"].set_index("key")
    wait = stage[stage.kpi == "wait_min_mean"].set_index("key")["mean"]
    table = pd.DataFrame(
        {
            "key": util.index,
            "utilisation": util["mean"].to_numpy(),
            "ci_low": util["ci_low"].to_numpy(),
            "ci_high": util["ci_high"].to_numpy(),
            "wait_min_mean": wait.reindex(util.index).to_numpy(),
        }
    )
    table = table[table.utilisation.notna()]
    if keys is not None:
        table = table[table.key.isin(set(keys))]
    band = np.floor(table.utilisation / BOTTLENECK_BAND + 1e-9)
    table = table.assign(_band=band, _wait=table.wait_min_mean.fillna(0.0))
    table = table.sort_values(["_band", "_wait"], ascending=[False, False], kind="stable")
    return table.drop(columns=["_band", "_wait"]).reset_index(drop=True)
