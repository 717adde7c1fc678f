"""Schema of what a gate is made of: stages, customs channels, quarantine lab holds,
hand-over modes, holding yards, shared scanners and diversion to another gate.

Only descriptions live here; the runtime resources are built in :mod:`simulator.engine.resource`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictInt, model_validator

from simulator.scenario.distributions import Distribution
from simulator.scenario.types import (
    CHANNELS,
    Channel,
    CrossCheckError,
    Frozen,
    FrozenMap,
    Ident,
    Mode,
    NonNegFloat,
    Probability,
    Side,
    Text,
    TimeWindow,
    UtcOffset,
    Weekday,
    check_shares,
)

__all__ = ["Channels", "Diversion", "HandoverMode", "LabHold", "Milestone", "Scanners", "Stage", "Yard"]

Milestone = Literal["customs_release", "quarantine_release", "handover"]


class Channels(Frozen):
    """Customs risk channels: green (supervision), yellow (documents), red (inspection or scan).

    ``shares_by`` keys are a direction (``export``), a cargo class (``fresh_fruit``) or
    both (``export.fresh_fruit``); the most specific key that matches a truck wins.
    """

    shares: FrozenMap[Channel, Probability] = Field(description="default share of each channel; sums to 1")
    shares_by: FrozenMap[str, FrozenMap[Channel, Probability]] = Field(
        default_factory=dict, description="shares for a direction, a class or 'direction.class'"
    )
    service: FrozenMap[Channel, Distribution] = Field(description="officer time per channel; red = manual inspection")
    red_scan_share: Probability = Field(0.0, description="share of red trucks scanned instead of searched by hand")
    scanned_service: Distribution | None = Field(
        None, description="officer time of a scanned red truck besides the scan; default: the yellow time"
    )

    @model_validator(mode="after")
    def _complete(self) -> Channels:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        check_shares(self.shares, ("shares",), problems)
        for key, shares in self.shares_by.items():
            check_shares(shares, ("shares_by", key), problems)
        missing = [c for c in CHANNELS if c not in self.service]
        if missing:
            problems.append((("service",), f"needs a time for every channel; missing: {', '.join(missing)}"))
        if self.red_scan_share > 0 and self.scanned_service is None and "yellow" not in self.service:
            problems.append((("scanned_service",), "required when red trucks are scanned"))
        if problems:
            raise CrossCheckError(problems)
        return self

    def shares_for(self, direction: str, cargo_class: str) -> dict[str, float]:
        """The channel shares that apply to a truck of ``cargo_class`` travelling ``direction``."""
        for key in (f"{direction}.{cargo_class}", cargo_class, direction):
            if key in self.shares_by:
                return {str(k): v for k, v in self.shares_by[key].items()}
        return {str(k): v for k, v in self.shares.items()}


class LabHold(Frozen):
    """Samples sent to a laboratory: the truck waits for the result, with no server involved."""

    probability: Probability = Field(description="share of visiting trucks held for lab results")
    probability_by_class: FrozenMap[Ident, Probability] = Field(default_factory=dict)
    time: Distribution = Field(description="time until the lab result releases the truck")

    def probability_for(self, cargo_class: str) -> float:
        """The hold probability for ``cargo_class``."""
        return self.probability_by_class.get(cargo_class, self.probability)


class HandoverMode(Frozen):
    """One way of handing goods over at the border: crews, bays, cranes, lanes or vehicles and a time.

    With ``cranes``, a truck using the mode is first lifted by one of the mode's cranes
    (``crane_service``), then served by one of its ``servers``: this is how the autonomous
    lane works, with ``servers`` the fleet and ``service`` the round trip.
    """

    description: Text = ""
    description_vi: Text = Field("", description="Vietnamese translation of description (report)")
    servers: StrictInt = Field(ge=1, le=100_000, description="crews, bays, cranes, lanes or vehicles in parallel")
    service: Distribution
    service_by_class: FrozenMap[Ident, Distribution] = Field(default_factory=dict)
    hours: tuple[TimeWindow, ...] | None = Field(None, description="local opening windows; default: the stage's")
    cranes: StrictInt | None = Field(None, ge=1, le=10_000, description="cranes that load each truck before service")
    crane_service: Distribution | None = Field(None, description="crane time per truck (with cranes)")

    @model_validator(mode="after")
    def _cranes(self) -> HandoverMode:
        if (self.cranes is None) != (self.crane_service is None):
            missing = "crane_service" if self.crane_service is None else "cranes"
            raise CrossCheckError([((missing,), "cranes and crane_service go together")])
        return self

    def service_for(self, cargo_class: str) -> Any:
        """The service distribution that applies to ``cargo_class``."""
        return self.service_by_class.get(cargo_class, self.service)


class Stage(Frozen):
    """A step of the clearance: an agency, a hand-over area or the partner side's acceptance.

    A plain stage has ``servers`` and a ``service`` time. A customs stage adds
    ``channels``; a quarantine stage may add a ``lab_hold``; a hand-over stage has
    ``modes`` instead of servers, and each flow says which share of trucks use each mode.
    """

    description: Text = ""
    description_vi: Text = Field("", description="Vietnamese translation of description (report)")
    side: Side = Field("home", description="'partner' for the far side's stages (its closures apply)")
    milestone: Milestone | None = Field(None, description="the Time Release Study milestone this stage ends")
    servers: StrictInt | None = Field(None, ge=1, le=100_000, description="servers, lanes, officers or crews")
    service: Distribution | None = None
    service_by_class: FrozenMap[Ident, Distribution] = Field(default_factory=dict)
    hours: tuple[TimeWindow, ...] | None = Field(None, description="local opening windows; omit for 24 h")
    closed_weekdays: tuple[Weekday, ...] = Field(default_factory=tuple, description="local weekdays with no service")
    utc_offset_h: UtcOffset | None = Field(None, description="clock of the hours; default: the gate's")
    visit_probability: Probability = 1.0
    visit_probability_by_class: FrozenMap[Ident, Probability] = Field(default_factory=dict)
    cap_per_hour: StrictInt | None = Field(None, ge=0, description="most trucks started per local clock hour")
    cap_per_day: StrictInt | None = Field(None, ge=0, description="most trucks started per local day")
    channels: Channels | None = None
    lab_hold: LabHold | None = None
    modes: FrozenMap[Mode, HandoverMode] | None = Field(None, description="hand-over modes, each with its own servers")

    @model_validator(mode="after")
    def _shape(self) -> Stage:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.modes is not None:
            if not self.modes:
                problems.append((("modes",), "must name at least one mode"))
            for key in ("servers", "service", "channels"):
                if getattr(self, key) is not None:
                    problems.append(((key,), "a hand-over stage sets servers and times per mode, not here"))
        else:
            if self.servers is None:
                problems.append((("servers",), "required key is missing"))
            if self.service is None and self.channels is None:
                problems.append((("service",), "required key is missing"))
        if self.lab_hold is not None and (self.modes is not None or self.channels is not None):
            problems.append((("lab_hold",), "a lab hold belongs on a quarantine stage, not on customs or hand-over"))
        if problems:
            raise CrossCheckError(problems)
        return self

    @property
    def kind(self) -> str:
        """``handover``, ``customs``, ``quarantine`` (with a lab hold) or ``service``."""
        if self.modes is not None:
            return "handover"
        if self.channels is not None:
            return "customs"
        return "quarantine" if self.lab_hold is not None else "service"

    @property
    def release_milestone(self) -> str | None:
        """The milestone this stage ends: explicit, or implied by its kind."""
        if self.milestone is not None:
            return self.milestone
        return {"handover": "handover", "customs": "customs_release", "quarantine": "quarantine_release"}.get(self.kind)

    def service_for(self, cargo_class: str) -> Any:
        """The service distribution that applies to ``cargo_class`` (plain stages)."""
        return self.service_by_class.get(cargo_class, self.service)

    def visit_probability_for(self, cargo_class: str) -> float:
        """The probability that a truck of ``cargo_class`` visits this stage."""
        return self.visit_probability_by_class.get(cargo_class, self.visit_probability)


class Yard(Frozen):
    """A holding yard with a fixed number of truck slots.

    A truck holds a slot from the moment it enters until it enters the next yard of its
    route or leaves the gate area. Trucks that find no free slot in the first yard of
    their route wait on the road, in arrival order.
    """

    description: Text = ""
    description_vi: Text = Field("", description="Vietnamese translation of description (report)")
    slots: StrictInt = Field(ge=0, le=1_000_000, description="trucks the yard holds at once")


class Scanners(Frozen):
    """The gate's shared X-ray scanners, used by red-channel trucks that are scanned."""

    count: StrictInt = Field(ge=1, le=1000, description="scanners working in parallel")
    scan: Distribution = Field(description="time per truck: positioning, imaging and reading")
    hours: tuple[TimeWindow, ...] | None = Field(None, description="local opening windows; omit for 24 h")


class Diversion(Frozen):
    """Send a share of new arrivals to another gate when this one is saturated."""

    to: Ident = Field(description="the gate that receives diverted trucks")
    share: Probability = Field(description="share of arrivals diverted while the trigger holds")
    when_yard_full: bool = Field(True, description="trigger when the first yard of the route has no free slot")
    road_queue_above: StrictInt | None = Field(
        None, ge=0, description="trigger when more trucks than this wait on the road"
    )
    travel_min: NonNegFloat = Field(0.0, description="driving time to the other gate, minutes")
