"""Across-replication statistics: means with Student-t confidence intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["BOTTLENECK_BAND", "busiest_stages", "stability", "summarise", "t_interval"]


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


def stability(summary: pd.DataFrame, window_days: float) -> pd.DataFrame:
    """Flag scopes whose backlog grows without bound.

    A scope is **unstable** when the 95% CI of its backlog growth (trucks per day, the slope
    of the daily mean number in the system after the warm-up) lies above zero *and* the
    growth over the window adds more than 10% of one day's arrivals. The second condition
    keeps a statistically detectable but negligible drift (a stable queue still filling up
    from an empty start) from being called overload. With one replication, the point
    estimate alone is compared with that threshold.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`summarise`.
    window_days : float
        Days after the warm-up.

    Returns
    -------
    pandas.DataFrame
        ``scope, key, growth_mean, growth_ci_low, growth_ci_high, unstable``.
    """
    growth = summary[summary.kpi == GROWTH_KPI]
    arr = summary[summary.kpi == "arrived_per_day"]
    arrived = dict(zip(zip(arr.scope, arr.key), arr["mean"]))
    rows = []
    for scope, key, mean, low, high in zip(growth.scope, growth.key, growth["mean"], growth.ci_low, growth.ci_high):
        threshold = PRACTICAL_SHARE * float(arrived.get((scope, key), 0.0)) / window_days
        significant = low > 0 if low == low else True
        unstable = bool(significant and mean > threshold and mean > 0)
        rows.append((scope, key, mean, low, high, unstable))
    return pd.DataFrame(rows, columns=["scope", "key", "growth_mean", "growth_ci_low", "growth_ci_high", "unstable"])


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
