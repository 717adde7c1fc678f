"""Parameters of the smart-gate levers, and the ``levers:`` entry of a scenario file.

Each lever has a frozen parameter model (unknown keys are errors, with a "did you mean"
hint); :class:`LeverSpec` is one entry of a scenario's ``levers:`` list, written flat as
``{lever: NAME, PARAM: VALUE, ...}``. The defaults carry their source tags (``[S]`` sourced,
``[I]`` inferred, ``[A]`` assumed; with the ids of ``docs/sources.md``); what each lever does to
the model is in :mod:`simulator.levers.catalog` and ``docs/levers.md``. Nothing here
touches a scenario: name checks against gates, stages and classes happen when a lever is
applied.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError, model_validator

from simulator.scenario.distributions import Distribution, Uniform
from simulator.scenario.errors import describe_error
from simulator.scenario.types import (
    Channel,
    CrossCheckError,
    Direction,
    Frozen,
    FrozenMap,
    Ident,
    Probability,
    Text,
    TimeWindow,
    check_shares,
)

__all__ = [
    "PARAMS",
    "Appointments",
    "AutomatedGates",
    "AutonomousTransport",
    "DigitalPlatform",
    "ExtendedHours",
    "JointInspection",
    "LeverParams",
    "LeverSpec",
    "LeverText",
    "RiskManagement",
    "ScannerLever",
    "TwoWayCarriage",
    "YardExpansion",
]

ALL_DAY = ["00:00-24:00"]
BOTH: tuple[Direction, ...] = ("export", "import")


def _both() -> tuple[Direction, ...]:
    return BOTH


def _documents() -> tuple[Channel, ...]:
    return ("green", "yellow")


def _export() -> tuple[Direction, ...]:
    return ("export",)


Slots = Annotated[StrictInt, Field(ge=0, le=1_000_000)]


class LeverParams(Frozen):
    """Base of every lever's parameters; ``gates`` limits a lever to some gates (default: all).

    Their validators are built on first use (``defer_build``): checking a scenario without
    levers never pays for them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, defer_build=True)

    gates: tuple[Ident, ...] | None = Field(None, description="gates the lever applies to; default: every gate")


class DigitalPlatform(LeverParams):
    """Pre-arrival declaration on the digital border-gate platform."""

    pre_declared_share: Probability = Field(1.0, description="share of trucks declared before arrival")
    registration_stages: tuple[Ident, ...] = Field(default_factory=lambda: ("entry_lane",))
    registration_factor: StrictFloat = Field(0.5, gt=0, le=100, allow_inf_nan=False)
    customs_stages: tuple[Ident, ...] | None = Field(None, description="default: every customs stage of the gate")
    document_channels: tuple[Channel, ...] = Field(default_factory=_documents)
    document_factor: StrictFloat = Field(0.5, gt=0, le=100, allow_inf_nan=False)
    quarantine_stages: tuple[Ident, ...] = Field(default_factory=tuple)
    quarantine_factor: StrictFloat = Field(1.0, gt=0, le=100, allow_inf_nan=False)


class AutomatedGates(LeverParams):
    """ANPR / QR automated gates on the entry lanes."""

    stages: tuple[Ident, ...] = Field(default_factory=lambda: ("entry_lane",), min_length=1)
    factor: StrictFloat | None = Field(16 / 90, gt=0, le=100, allow_inf_nan=False, description="on the service time")
    transaction: Distribution | None = Field(None, description="replaces the service time (then no factor)")
    lanes: StrictInt | None = Field(None, ge=1, le=100_000, description="new number of lanes; default: unchanged")

    @model_validator(mode="after")
    def _one_time(self) -> AutomatedGates:
        if self.transaction is not None and "factor" in self.model_fields_set:
            raise CrossCheckError([(("factor",), "give factor or transaction, not both")])
        return self


class RiskManagement(LeverParams):
    """Risk management and trusted traders (AEO): more trucks in the green channel."""

    stages: tuple[Ident, ...] | None = Field(None, description="customs stages; default: every customs stage")
    shares_by: FrozenMap[str, FrozenMap[Channel, Probability]] = Field(default_factory=dict)
    aeo_share: Probability = Field(0.0, description="share of trucks of trusted traders, sent green")
    min_green: Probability | None = Field(0.9, description="raise the green share to at least this")
    classes: tuple[Ident, ...] | None = Field(None, description="classes aeo_share and min_green apply to; default all")
    directions: tuple[Direction, ...] = Field(default_factory=_both, min_length=1)

    @model_validator(mode="after")
    def _sums(self) -> RiskManagement:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for key, shares in self.shares_by.items():
            check_shares(shares, ("shares_by", key), problems)
        if problems:
            raise CrossCheckError(problems)
        return self


class ScannerLever(LeverParams):
    """X-ray scanners: how many, how fast (drive-through 3D X-ray), when open, and how often used."""

    count: StrictInt | None = Field(None, ge=1, le=1000, description="scanners; default: unchanged")
    scan: Distribution | None = Field(None, description="time per truck; default: unchanged")
    drive_through: bool = Field(False, description="drive-through 3D X-ray: scan 1-3 min unless scan is given")
    hours: tuple[TimeWindow, ...] | None = Field(None, description="opening windows; default: unchanged")
    red_scan_share: Probability | None = Field(None, description="share of red trucks scanned, at every customs stage")


class JointInspection(LeverParams):
    """One-stop inspection shared with the partner side."""

    stages: tuple[Ident, ...] | None = Field(None, description="partner-side stages; default: all of the gate's")
    service_factor: StrictFloat = Field(1 / 1.35, gt=0, le=100, allow_inf_nan=False)
    cap_factor: StrictFloat = Field(1.35, gt=0, le=100, allow_inf_nan=False)
    skip: bool = Field(False, description="trucks skip the partner stages: one inspection for both sides")


def _crane_time() -> Distribution:
    return Uniform(dist="uniform", low_min=3, high_min=5)


class AutonomousTransport(LeverParams):
    """A dedicated lane of autonomous container vehicles across the border."""

    stage: Ident = Field("handover", description="the hand-over stage the lane bypasses")
    share: Probability = Field(0.3, description="adoption: share of eligible trucks using the lane")
    classes: tuple[Ident, ...] | None = Field(None, description="eligible cargo classes; default: all")
    directions: tuple[Direction, ...] = Field(default_factory=_both, min_length=1)
    fleet: StrictInt = Field(40, ge=1, le=100_000, description="autonomous vehicles")
    route_km: StrictFloat = Field(3.6, gt=0, le=1000, description="one-way length of the lane")
    speed_kmh: StrictFloat = Field(20.0, gt=0, le=200, description="mean speed on the lane")
    cranes: StrictInt = Field(5, ge=1, le=10_000, description="cranes loading the vehicles")
    crane_time: Distribution = Field(default_factory=_crane_time, description="crane time per container")
    round_trip: Distribution | None = Field(None, description="vehicle cycle; default: from km, speed, cranes")
    hours: tuple[TimeWindow, ...] = Field(default_factory=lambda: tuple(ALL_DAY), min_length=1)
    fee_regime: Ident | None = Field(None, description="a fees.regimes name that also covers the lane")


class ExtendedHours(LeverParams):
    """Longer opening hours (up to 24 h) and working weekends."""

    side: Literal["home", "partner", "both"] = "both"
    stages: tuple[Ident, ...] | None = Field(None, description="default: every stage of the side")
    hours: tuple[TimeWindow, ...] = Field(default_factory=lambda: tuple(ALL_DAY), min_length=1)
    clear_closed_weekdays: bool = False
    scanners: bool = Field(False, description="also the scanners' hours (home side)")


class YardExpansion(Frozen):
    """More slots in holding yards, keyed ``gate.yard``."""

    slots: FrozenMap[str, Slots] = Field(default_factory=dict, description="new slot count per gate.yard")
    add: FrozenMap[str, Slots] = Field(default_factory=dict, description="slots added per gate.yard")

    @model_validator(mode="after")
    def _some(self) -> YardExpansion:
        if not self.slots and not self.add:
            msg = "name at least one yard in slots or add, e.g. {huu_nghi.gate_yard: 900}"
            raise CrossCheckError([(("slots",), msg)])
        return self


def _punctuality() -> Distribution:
    return Uniform(dist="uniform", low_min=0, high_min=60)


class Appointments(LeverParams):
    """Slot booking: booked trucks arrive around their slot instead of when they like."""

    directions: tuple[Direction, ...] = Field(default_factory=_export, min_length=1)
    share: Probability = Field(0.5, description="share of trucks that book a slot")
    window: TimeWindow = Field("07:00-19:00", description="local hours in which slots are offered")
    slot_min: StrictFloat = Field(60.0, ge=5, le=1440, allow_inf_nan=False, description="slot length, minutes")
    early_min: StrictFloat = Field(
        30.0, ge=0, le=1440, allow_inf_nan=False, description="earliest arrival before a slot"
    )
    punctuality: Distribution = Field(default_factory=_punctuality, description="arrival after slot start - early")
    no_show: Probability = Field(0.1, description="share of booked trucks that never come")


class TwoWayCarriage(LeverParams):
    """Vehicles drive through to the far yard instead of transloading."""

    stage: Ident = "handover"
    share: Probability = Field(0.3, description="share of transloaded trucks allowed to drive through")
    classes: tuple[Ident, ...] | None = Field(None, description="default: all")
    directions: tuple[Direction, ...] = Field(default_factory=_both, min_length=1)
    lanes: StrictInt | None = Field(None, ge=1, le=100_000, description="through-driving lanes; default: unchanged")
    drive_time: Distribution | None = Field(None, description="through-driving time; default: unchanged")


PARAMS: dict[str, type[BaseModel]] = {
    "digital_platform": DigitalPlatform,
    "automated_gates": AutomatedGates,
    "risk_management": RiskManagement,
    "scanners": ScannerLever,
    "joint_inspection": JointInspection,
    "autonomous_transport": AutonomousTransport,
    "extended_hours": ExtendedHours,
    "yard_expansion": YardExpansion,
    "appointments": Appointments,
    "two_way_carriage": TwoWayCarriage,
}
"""Parameter model of every lever, by name."""


def _data_path(data: Any, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """A pydantic location as a key path in ``data`` (drops union tags such as 'uniform')."""
    path: list[str | int] = []
    node = data
    for i, seg in enumerate(loc):
        in_dict = isinstance(node, dict) and seg in node
        if in_dict or (isinstance(node, list) and isinstance(seg, int) and seg < len(node)):
            path.append(seg)
            node = node[seg]
        elif i == len(loc) - 1 and seg != "[key]":
            path.append(seg)
    return tuple(path)


class LeverSpec(BaseModel):
    """One entry of ``levers:``: ``lever`` names it, every other key is one of its parameters."""

    model_config = ConfigDict(extra="allow", frozen=True)

    lever: str = Field(description="the lever, e.g. autonomous_transport; the other keys are its parameters")
    description: Text = Field("", description="what this lever stands for in the proposal (report)")
    description_vi: Text = Field("", description="Vietnamese translation of description (report)")

    @model_validator(mode="after")
    def _known(self) -> LeverSpec:
        self.params()
        return self

    @property
    def raw_params(self) -> dict[str, Any]:
        """The parameters as written (every key but ``lever`` and the descriptions)."""
        return dict(self.model_extra or {})

    def params(self) -> Any:
        """The validated parameter model of this lever.

        Raises
        ------
        CrossCheckError
            For an unknown lever or a bad parameter, with key paths relative to this entry.
        """
        model = PARAMS.get(self.lever)
        if model is None:
            close = difflib.get_close_matches(self.lever, list(PARAMS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            known = ", ".join(PARAMS)
            raise CrossCheckError([(("lever",), f"unknown lever '{self.lever}'{hint} (levers: {known})")])
        raw = self.raw_params
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            problems: list[tuple[tuple[str | int, ...], str]] = []
            for err in exc.errors():
                loc = tuple(err["loc"])
                cause = (err.get("ctx") or {}).get("error")
                if isinstance(cause, CrossCheckError):
                    problems.extend((_data_path(raw, loc) + tuple(p), m) for p, m in cause.problems)
                else:
                    path = _data_path(raw, loc)
                    problems.append((path, describe_error(dict(err), model, path)))
            raise CrossCheckError(problems) from None


class LeverText(Frozen):
    """The texts of one applied lever, kept in the scenario once its ``levers:`` entry is applied.

    ``entry`` is the lever's ``provenance`` entry (``lever NAME(param=value, ...)``), so the
    report can put each description beside the change it describes.
    """

    lever: str
    entry: str
    description: Text = ""
    description_vi: Text = ""
