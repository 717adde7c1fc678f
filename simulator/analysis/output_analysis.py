"""Output analysis: the warm-up to delete (MSER) and the replications a relative precision needs.

:func:`mser` (MSER-5 by default) picks the warm-up to delete from an output series;
:func:`relative_half_width` and :func:`replications_needed` measure and plan the precision of a
KPI's mean over replications. :mod:`simulator.analysis.fitting` re-exports all three, as notebooks
and older code use ``fitting.mser``. This module never imports SimPy or the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["MserResult", "mser", "relative_half_width", "replications_needed"]


@dataclass(frozen=True)
class MserResult:
    """The warm-up chosen by MSER on one output series.

    Attributes
    ----------
    truncation : int
        Observations to delete from the start (a multiple of ``batch``).
    batch : int
        Batch size (5 for MSER-5).
    statistic : numpy.ndarray
        ``MSER(d)`` for ``d = 0, 1, ...`` deleted batches (the curve that was minimised).
    kept_mean : float
        Mean of the observations kept.
    at_limit : bool
        The minimum lies at the largest truncation allowed: the series is probably too short
        (or still trending) to show a steady state, so run longer.
    """

    truncation: int
    batch: int
    statistic: np.ndarray
    kept_mean: float
    at_limit: bool


def mser(series: Any, batch: int = 5, max_fraction: float = 0.5) -> MserResult:
    """Marginal Standard Error Rule (MSER-``batch``; MSER-5 by default) for the warm-up.

    The series is cut into batches of ``batch`` observations (a trailing partial batch is
    dropped) with means ``Z_1..Z_m``; deleting the first ``d`` batches gives
    ``MSER(d) = sum_{j>d} (Z_j - mean_{j>d} Z)^2 / (m - d)^2``, and the warm-up is the ``d``
    that minimises it, searched over ``d <= max_fraction * m`` (White 1997; White, Cobb and
    Spratt 2000).

    Parameters
    ----------
    series : array-like
        One output series in time order: e.g. the hourly number of trucks in the system
        (averaged over replications), or successive trucks' times in the system.
    batch : int
        Batch size.
    max_fraction : float
        Largest share of the batches that may be deleted.

    Returns
    -------
    MserResult
        ``truncation`` in observations of ``series``.
    """
    y = np.asarray(series, dtype=float).ravel()
    m = len(y) // batch
    if batch < 1 or m < 4 or not 0 < max_fraction < 1:
        raise ValueError(f"need batch >= 1, at least 4 batches and 0 < max_fraction < 1; got {len(y)} values")
    z = y[: m * batch].reshape(m, batch).mean(axis=1)
    tail_sum, tail_sq = np.cumsum(z[::-1])[::-1], np.cumsum((z * z)[::-1])[::-1]
    kept = np.arange(m, 0, -1, dtype=float)
    sse = tail_sq - tail_sum**2 / kept
    d_max = max(1, int(max_fraction * m))
    curve = sse[: d_max + 1] / kept[: d_max + 1] ** 2
    d = int(np.argmin(curve))
    return MserResult(d * batch, batch, curve, float(z[d:].mean()), d == d_max)


def relative_half_width(values: Any, level: float = 0.95) -> float:
    """Half-width of the Student-t confidence interval of the mean, divided by the mean's absolute value."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2 or x.mean() == 0:
        return float("nan")
    return float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)) / abs(x.mean()))


def replications_needed(values: Any, relative: float = 0.05, level: float = 0.95, max_n: int = 100_000) -> int:
    """Replications for a relative precision, from a pilot run (Law, *Simulation Modeling and Analysis*, §9.4.1).

    The smallest ``n >= 2`` with ``t(n-1) s / sqrt(n) <= relative' |mean|``, where ``mean`` and
    ``s`` are the pilot's mean and standard deviation and ``relative' = relative / (1 + relative)``
    (so that the actual relative error is at most ``relative``).

    Parameters
    ----------
    values : array-like
        One KPI's value in each pilot replication (at least 2).
    relative : float
        Wanted relative half-width, e.g. 0.05 for +-5%.
    level : float
        Confidence level.
    max_n : int
        Upper bound returned when the precision is out of reach.

    Returns
    -------
    int
        The total number of replications (may be fewer than the pilot already has).
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2 or not 0 < relative < 1:
        raise ValueError("need at least 2 pilot values and 0 < relative < 1")
    target = relative / (1 + relative) * abs(float(x.mean()))
    s = float(x.std(ddof=1))
    if s == 0:
        return 2
    n = np.arange(2, max_n + 1)
    ok = stats.t.ppf(0.5 + level / 2, n - 1) * s / np.sqrt(n) <= target
    return int(n[np.argmax(ok)]) if ok.any() else max_n
