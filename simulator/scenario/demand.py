"""Schema of demand that reacts to congestion: balking, deferral, reneging and dispatch suspension.

A gate's optional ``demand:`` block; every part is off unless written. What the parts mean:

* *balking*: a truck due to arrive is not sent with a probability that is a function of the
  gate's backlog when it is due (``measure``): trucks in the gate's system (``in_system``), trucks in
  its yards or on the road waiting for them (``yard_road``), or the *published expected wait*
  (``expected_wait_h``): trucks in the gate's system divided by the rate at which trucks left the
  gate over the last ``window_h`` hours, published every hour on the hour (infinite while none
  left). The function is piecewise linear through ``points`` (flat beyond the first and last) or
  logistic, ``max_probability / (1 + exp(-(x - midpoint) / scale))``;
* *deferral*: a share ``deferred_share`` of balked trucks is sent again after ``defer_delay``
  (and may balk again); the rest is lost demand;
* *reneging*: a truck whose cargo class has a ``patience`` leaves the queue it waits in (on the
  road for a yard, in a yard for the next stage, in the line of a stage) once its patience,
  counted from its arrival, has run out; it goes to a gate outside the model;
* *suspension*: when the gate's trucks in the system (of ``classes``, default all) reach
  ``suspend_at``, new arrivals of those classes are held back until it falls to ``resume_at``
  (``action: hold``: then they are all sent) or refused as lost (``action: refuse``).

Only descriptions live here; the runtime is :mod:`simulator.engine.demand`.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, StrictFloat, StrictInt, model_validator

from simulator.scenario.distributions import Distribution
from simulator.scenario.types import CrossCheckError, Frozen, FrozenMap, Ident, NonNegFloat, Probability

__all__ = ["Balking", "Demand", "Logistic", "Suspension"]

Point = tuple[NonNegFloat, Probability]
Backlog = Literal["in_system", "yard_road", "expected_wait_h"]


class Logistic(Frozen):
    """``max_probability / (1 + exp(-(x - midpoint) / scale))`` of the backlog measure ``x``."""

    midpoint: NonNegFloat = Field(description="the measure at which half of max_probability balk")
    scale: Annotated[StrictFloat, Field(gt=0, allow_inf_nan=False)] = Field(description="steepness, in its unit")
    max_probability: Probability = 1.0

    def __call__(self, x: float) -> float:
        z = (x - self.midpoint) / self.scale
        return self.max_probability / (1.0 + math.exp(-z)) if z > -700 else 0.0


class Balking(Frozen):
    """Trucks that are not sent when the gate is congested (one rule; the first matching rule applies)."""

    flows: tuple[Ident, ...] = Field(default_factory=tuple, description="the gate's flows it applies to; all")
    classes: tuple[Ident, ...] = Field(default_factory=tuple, description="cargo classes it applies to; all")
    measure: Backlog = Field("in_system", description="the backlog measure the probability depends on")
    window_h: Annotated[StrictFloat, Field(gt=0, le=720, allow_inf_nan=False)] = Field(
        24.0, description="clearance-rate window of expected_wait_h, hours"
    )
    points: tuple[Point, ...] | None = Field(None, description="[measure, probability] pairs, measure increasing")
    logistic: Logistic | None = None
    deferred_share: Probability = Field(0.0, description="share of balked trucks sent again later; the rest is lost")
    defer_delay: Distribution | None = Field(None, description="delay before a deferred truck is sent again")

    @model_validator(mode="after")
    def _shape(self) -> Balking:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if (self.points is None) == (self.logistic is None):
            problems.append((("points",), "give either points or logistic"))
        if self.points is not None:
            xs = [x for x, _ in self.points]
            if not xs:
                problems.append((("points",), "needs at least one [measure, probability] pair"))
            elif any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
                problems.append((("points",), f"measures must increase, got {xs}"))
        if self.deferred_share > 0 and self.defer_delay is None:
            problems.append((("defer_delay",), "required when deferred_share > 0"))
        if problems:
            raise CrossCheckError(problems)
        return self

    def probability(self, x: float) -> float:
        """The balking probability at backlog measure ``x``."""
        if self.logistic is not None:
            return self.logistic(x)
        assert self.points is not None
        pts = self.points
        if x <= pts[0][0]:
            return pts[0][1]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
            if x <= x1:
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        return pts[-1][1]


class Suspension(Frozen):
    """Dispatch of some classes stops at a backlog and restarts below a lower one (hysteresis)."""

    classes: tuple[Ident, ...] = Field(default_factory=tuple, description="classes suspended and counted; all")
    suspend_at: StrictInt = Field(ge=1, description="trucks in the gate's system (of the classes) that start it")
    resume_at: StrictInt = Field(ge=0, description="trucks in the system it ends at; < suspend_at")
    action: Literal["hold", "refuse"] = Field("hold", description="hold arrivals until it ends, or refuse (lost)")

    @model_validator(mode="after")
    def _order(self) -> Suspension:
        if self.resume_at >= self.suspend_at:
            msg = f"must be < suspend_at ({self.suspend_at}), got {self.resume_at}"
            raise CrossCheckError([(("resume_at",), msg)])
        return self


class Demand(Frozen):
    """A gate's demand that reacts to congestion; each part is optional and off when absent."""

    balking: tuple[Balking, ...] = Field(default_factory=tuple, description="balking rules; the first match applies")
    patience: FrozenMap[Ident, Distribution] = Field(
        default_factory=dict, description="patience by cargo class, counted from arrival; absent: never reneges"
    )
    suspension: tuple[Suspension, ...] = Field(default_factory=tuple, description="dispatch suspension rules")

    def balking_for(self, flow: str, cargo_class: str) -> Balking | None:
        """The first balking rule that applies to ``flow`` and ``cargo_class``, if any."""
        for rule in self.balking:
            if (not rule.flows or flow in rule.flows) and (not rule.classes or cargo_class in rule.classes):
                return rule
        return None
