"""Non-homogeneous Poisson arrivals with a piecewise-constant hourly rate.

Arrival times are found by inverting the cumulative rate at the points of one unit-rate
Poisson process drawn from the flow's own stream. Scaling demand (a season, a capacity
search) then moves the same points instead of drawing new ones, so common random numbers
stay synchronised across demand levels. :class:`ArrivalStream` draws the points a block at
a time as the run goes, so the memory arrivals take does not grow with the horizon.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.engine.clock import hour_of_week
from simulator.scenario.models import Flow, RunSettings

__all__ = ["BLOCK", "ArrivalStream", "arrival_times", "class_rates", "draw_classes", "hourly_rates"]

BLOCK = 1024  # points of the unit-rate process drawn at a time


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


def class_rates(
    flow: Flow, run: RunSettings, classes: Sequence[str], factors: np.ndarray, shift_h: float = 0.0
) -> np.ndarray:
    """Expected arrivals of each cargo class in each model hour: shape ``(hours, classes)``.

    Parameters
    ----------
    flow, run, shift_h
        As for :func:`hourly_rates`.
    classes : sequence of str
        Cargo class names, in the column order wanted.
    factors : numpy.ndarray
        Season factor per model hour and class (see :func:`simulator.engine.calendar_rules.season_factors`).
    """
    mix = np.array([flow.class_mix.get(c, 0.0) for c in classes])
    return hourly_rates(flow, run, shift_h)[:, None] * mix[None, :] * factors


def draw_classes(times: np.ndarray, rates: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Cargo class index of each arrival, in proportion to the class rates of its hour.

    Parameters
    ----------
    times : numpy.ndarray
        Arrival times in minutes.
    rates : numpy.ndarray
        Class rates per model hour, from :func:`class_rates`.
    u : numpy.ndarray
        One uniform number per arrival.
    """
    if not len(times):
        return np.empty(0, np.int16)
    hour = np.minimum((times // 60.0).astype(np.int64), len(rates) - 1)
    cum = np.cumsum(rates[hour], axis=1)
    total = cum[:, -1:]
    cum = cum / np.where(total > 0, total, 1.0)
    cum[:, -1] = 1.0
    picked = (u[:, None] >= cum).sum(axis=1)
    return np.minimum(picked, rates.shape[1] - 1).astype(np.int16)


class ArrivalStream:
    """The arrivals of one flow, a block at a time, in time order.

    Parameters
    ----------
    rates : numpy.ndarray
        Expected arrivals per model hour (one value per hour of the run).
    rng : numpy.random.Generator
        The flow's arrival stream.
    multiplier : float
        Demand multiplier applied to every rate.
    """

    def __init__(self, rates: np.ndarray, rng: np.random.Generator, multiplier: float = 1.0) -> None:
        self.cum = np.concatenate(([0.0], np.cumsum(rates * multiplier)))
        self.total = float(self.cum[-1])
        self.rng = rng
        self.last = 0.0
        self.done = self.total <= 0

    def next_block(self) -> np.ndarray:
        """The next arrival times in minutes (an empty array once the horizon is reached)."""
        if self.done:
            return np.empty(0)
        points = self.last + np.cumsum(-np.log1p(-self.rng.random(BLOCK)))
        self.last = float(points[-1])
        if self.last >= self.total:
            self.done = True
            points = points[points < self.total]
        cum = self.cum
        seg = np.searchsorted(cum, points, side="right") - 1
        frac = (points - cum[seg]) / (cum[seg + 1] - cum[seg])
        return (seg + frac) * 60.0


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
        Sorted arrival times in minutes, all within the horizon (the same as the blocks of an
        :class:`ArrivalStream` put together).
    """
    stream = ArrivalStream(rates, rng, multiplier)
    blocks = []
    while not stream.done:
        blocks.append(stream.next_block())
    return np.concatenate(blocks) if blocks else np.empty(0)
