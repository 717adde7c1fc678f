"""Non-homogeneous Poisson arrivals with a piecewise-constant hourly rate.

Arrival times are found by inverting the cumulative rate at the points of one unit-rate
Poisson process drawn from the flow's own stream. Scaling demand (a season, a capacity
search) then moves the same points instead of drawing new ones, so common random numbers
stay synchronised across demand levels.
"""

from __future__ import annotations

import numpy as np

from .calendar import hour_of_week
from .config import Flow, RunSettings

__all__ = ["arrival_times", "hourly_rates"]


def hourly_rates(flow: Flow, run: RunSettings, shift_h: float = 0.0) -> np.ndarray:
    """Expected arrivals in each model hour of the run (trucks per hour).

    Parameters
    ----------
    flow : Flow
        Daily volume, 24 hourly weights (local clock) and 7 weekday weights.
    run : RunSettings
        Start date and length.
    shift_h : float
        The flow's local clock minus the model clock, in hours.
    """
    hod, weekday = hour_of_week(run.start_date, run.days * 24, shift_h)
    profile = np.asarray(flow.hourly_profile, dtype=float)
    profile = profile / profile.sum()
    week = np.asarray(flow.weekday_weights, dtype=float)
    week = week / week.mean()
    return flow.trucks_per_day * week[weekday] * profile[hod]


def arrival_times(rates: np.ndarray, rng: np.random.Generator, multiplier: float = 1.0) -> np.ndarray:
    """Arrival times in minutes for hourly ``rates``, by inversion of the cumulative rate.

    Parameters
    ----------
    rates : numpy.ndarray
        Expected arrivals per hour, one value per model hour.
    rng : numpy.random.Generator
        The flow's arrival stream.
    multiplier : float
        Demand multiplier applied to every rate.

    Returns
    -------
    numpy.ndarray
        Sorted arrival times in minutes, all within the horizon.
    """
    cum = np.concatenate(([0.0], np.cumsum(rates * multiplier)))
    total = float(cum[-1])
    if total <= 0:
        return np.empty(0)
    points = _unit_poisson_points(rng, total)
    seg = np.searchsorted(cum, points, side="right") - 1
    frac = (points - cum[seg]) / (cum[seg + 1] - cum[seg])
    return (seg + frac) * 60.0


def _unit_poisson_points(rng: np.random.Generator, total: float) -> np.ndarray:
    """Points of a unit-rate Poisson process on ``[0, total)``; drawing in chunks keeps the stream order."""
    chunk = int(total + 6.0 * np.sqrt(total) + 16)
    gaps = -np.log1p(-rng.random(chunk))
    points = np.cumsum(gaps)
    while points[-1] < total:
        more = np.cumsum(-np.log1p(-rng.random(chunk))) + points[-1]
        points = np.concatenate((points, more))
    return points[points < total]
