"""The scenario schema: frozen pydantic models, strict about unknown keys.

This module only describes a scenario; it never touches SimPy. Loading YAML files,
``extends:`` and ``--set`` live in :mod:`simulator.scenario.loader`. Times are in minutes unless
a key says otherwise (``_h``, ``_per_day``). Stage parts live in
:mod:`simulator.scenario.stage`, dated data and fees in :mod:`simulator.scenario.calendar`,
the money unit values in :mod:`simulator.scenario.economics`, and the checks across sections
in :mod:`simulator.scenario.checks`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    StrictFloat,
    StrictInt,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from simulator.scenario.calendar import Calendar, Closure, Disruption, FeeRegime, Fees, Reporting, Season
from simulator.scenario.claim import Claim
from simulator.scenario.demand import Demand
from simulator.scenario.economics import Economics
from simulator.scenario.lever_params import LeverSpec, LeverText
from simulator.scenario.stage import Channels, Diversion, HandoverMode, LabHold, Scanners, Stage, Yard
from simulator.scenario.types import (
    MAX_TRUCKS_PER_DAY,
    WEEKDAYS,
    CrossCheckError,
    Day,
    Direction,
    Frozen,
    FrozenMap,
    Ident,
    Mode,
    NonNegFloat,
    Probability,
    Text,
    UtcOffset,
    Weight,
    check_shares,
    parse_window,
)
from simulator.scenario.uncertainty import UncertainInput

__all__ = [
    "WEEKDAYS",
    "Calendar",
    "CargoClass",
    "Claim",
    "Channels",
    "Closure",
    "CrossCheckError",
    "Disruption",
    "Diversion",
    "Economics",
    "FeeRegime",
    "Fees",
    "Flow",
    "Gate",
    "HandoverMode",
    "LabHold",
    "LeverSpec",
    "LeverText",
    "Reporting",
    "RunSettings",
    "Scanners",
    "Scenario",
    "Season",
    "Stage",
    "Yard",
    "parse_window",
]


class RunSettings(Frozen):
    """Run length, warm-up, replications and seed."""

    start_date: Day = Field(dt.date(2024, 8, 1), description="first simulated day (model clock)")
    days: StrictInt = Field(28, ge=1, le=3660, description="simulated days, warm-up included")
    warmup_days: Annotated[StrictInt, Field(ge=0, le=3659)] | Literal["auto"] = Field(
        3,
        description="days discarded from every KPI, or 'auto': MSER-5 on a pilot's in-system series, rounded up "
        "to whole days (simulator.experiments.warmup)",
    )
    replications: StrictInt = Field(10, ge=1, le=100_000)
    seed: StrictInt = Field(12345, ge=0, lt=2**63)
    utc_offset_h: UtcOffset = Field(7.0, description="clock of the model (Vietnam: 7)")

    @field_validator("warmup_days", mode="wrap")
    @classmethod
    def _warmup_value(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """One message for a bad value (not one per branch of ``int | "auto"``)."""
        try:
            return handler(value)
        except ValidationError:
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            raise ValueError(f"must be a whole number of days from 0 to 3659, or auto, got {shown}") from None

    @model_validator(mode="after")
    def _warmup_shorter(self) -> RunSettings:
        if self.warmup_days != "auto" and self.warmup_days >= self.days:
            raise CrossCheckError([(("warmup_days",), f"must be < days ({self.days}), got {self.warmup_days}")])
        return self

    @property
    def warmup_auto(self) -> bool:
        """Whether the warm-up is still to be chosen (``warmup_days: auto``); runs resolve it first."""
        return self.warmup_days == "auto"

    @property
    def warmup(self) -> int:
        """The warm-up in days, once resolved; raises ``ValueError`` while it is still "auto"."""
        if self.warmup_days == "auto":
            raise ValueError("run.warmup_days is 'auto': resolve it first (simulator.experiments.warmup)")
        return self.warmup_days

    @property
    def end_date(self) -> dt.date:
        """The last simulated day."""
        return self.start_date + dt.timedelta(days=self.days - 1)


class CargoClass(Frozen):
    """A kind of cargo, e.g. fresh fruit or containerised goods."""

    description: Text = ""
    description_vi: Text = Field("", description="Vietnamese translation of description (report)")
    perishable: bool = False
    payload_t: StrictFloat = Field(20.0, gt=0, le=1000, allow_inf_nan=False, description="mean payload in tonnes")


class Flow(Frozen):
    """One direction of traffic through a gate."""

    direction: Direction
    trucks_per_day: StrictFloat = Field(
        ge=0,
        le=MAX_TRUCKS_PER_DAY,
        allow_inf_nan=False,
        description="mean arrivals per day (weekday weights average to 1)",
    )
    hourly_profile: Annotated[tuple[Weight, ...], Field(min_length=24, max_length=24)] = Field(
        default_factory=lambda: (1.0,) * 24, description="24 relative weights of arrivals by local hour"
    )
    weekday_weights: Annotated[tuple[Weight, ...], Field(min_length=7, max_length=7)] = Field(
        default_factory=lambda: (1.0,) * 7, description="7 relative weights, Monday first"
    )
    class_mix: FrozenMap[Ident, Probability] = Field(min_length=1, description="share of each cargo class; sums to 1")
    route: tuple[Ident, ...] = Field(min_length=1, description="yards and stages in the order trucks visit them")
    route_by_class: FrozenMap[Ident, tuple[Ident, ...]] = Field(default_factory=dict)
    handover_shares: FrozenMap[Mode, Probability] = Field(
        default_factory=dict, description="share of trucks using each hand-over mode; sums to 1"
    )
    handover_shares_by_class: FrozenMap[Ident, FrozenMap[Mode, Probability]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sums(self) -> Flow:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        check_shares(self.class_mix, ("class_mix",), problems)
        if self.handover_shares:
            check_shares(self.handover_shares, ("handover_shares",), problems)
        for cls, shares in self.handover_shares_by_class.items():
            check_shares(shares, ("handover_shares_by_class", cls), problems)
        for key in ("hourly_profile", "weekday_weights"):
            if sum(getattr(self, key)) <= 0:
                problems.append(((key,), "weights must have a positive sum"))
        if problems:
            raise CrossCheckError(problems)
        return self

    def route_for(self, cargo_class: str) -> tuple[str, ...]:
        """The ordered yard and stage names a truck of ``cargo_class`` visits."""
        return self.route_by_class.get(cargo_class, self.route)

    def handover_for(self, cargo_class: str) -> dict[str, float]:
        """Hand-over mode shares for ``cargo_class``."""
        shares = self.handover_shares_by_class.get(cargo_class, self.handover_shares)
        return {str(k): v for k, v in shares.items()}


class Gate(Frozen):
    """A border gate: its yards, stages, scanners and flows of trucks."""

    name: Text = Field("", description="display name, e.g. 'Hữu Nghị'")
    name_vi: Text = Field("", description="Vietnamese display name when it differs (a proper name is kept as is)")
    description: Text = ""
    description_vi: Text = Field("", description="Vietnamese translation of description (report)")
    utc_offset_h: UtcOffset | None = Field(None, description="clock of the gate; default: the run's")
    yards: FrozenMap[Ident, Yard] = Field(default_factory=dict, description="holding yards, named in routes")
    road_m_per_truck: NonNegFloat = Field(20.0, description="road length one waiting truck takes, metres")
    scanners: Scanners | None = Field(None, description="X-ray scanners shared by the gate's customs stages")
    stages: FrozenMap[Ident, Stage] = Field(min_length=1)
    flows: FrozenMap[Ident, Flow] = Field(min_length=1)
    diversion: Diversion | None = None
    demand: Demand | None = Field(None, description="demand that reacts to congestion (simulator.scenario.demand)")

    def offset(self, run: RunSettings) -> float:
        """The gate's clock, in hours east of UTC."""
        return self.utc_offset_h if self.utc_offset_h is not None else run.utc_offset_h

    def stage_offset(self, stage: str, run: RunSettings) -> float:
        """The clock of stage ``stage`` (its own, else the gate's), in hours east of UTC."""
        own = self.stages[stage].utc_offset_h
        return own if own is not None else self.offset(run)


class Scenario(Frozen):
    """A complete, validated and immutable scenario.

    Build it with :func:`simulator.load_scenario`; it is hashable and picklable.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="short name, used for result folders")
    description: Text = ""
    description_vi: Text = Field("", description="Vietnamese translation of description (report)")
    notes: tuple[Text, ...] = Field(default_factory=tuple, description="notes on the scenario, shown in the report")
    notes_vi: tuple[Text, ...] = Field(
        default_factory=tuple, description="Vietnamese translation of each note, in the order of notes"
    )
    run: RunSettings = Field(default_factory=RunSettings)
    cargo_classes: FrozenMap[Ident, CargoClass] = Field(min_length=1)
    gates: FrozenMap[Ident, Gate] = Field(min_length=1)
    calendar: Calendar = Field(default_factory=Calendar)
    fees: Fees | None = None
    reporting: Reporting = Field(default_factory=Reporting)
    claim: Claim | None = Field(None, description="what a proposal claims for capacity (simulator.scenario.claim)")
    economics: Economics = Field(
        default_factory=Economics, description="unit values of the money KPIs (VND per truck-day); all defaults"
    )
    levers: tuple[LeverSpec, ...] = Field(
        default_factory=tuple,
        description="smart-gate levers to apply, in order: {lever: NAME, PARAM: VALUE, ...} (docs/levers.md); "
        "loading applies them and empties this list",
    )
    uncertainty: tuple[UncertainInput, ...] = Field(
        default_factory=tuple,
        max_length=200,
        description="uncertain inputs: {path, dist, ...params, tag, why} (simulator.scenario.uncertainty); "
        "sampled by --uncertainty N",
    )
    provenance: tuple[str, ...] = Field(default_factory=tuple, description="levers and overrides applied, in order")
    lever_texts: tuple[LeverText, ...] = Field(
        default_factory=tuple, description="the description of each applied lever, in order (set by applying levers)"
    )

    # Where ``run.warmup_days`` was written (file, line), kept by loading when it is "auto" so that a
    # warm-up that cannot be chosen later names its line; not part of the data, dumps or digests.
    _warmup_origin: tuple[str, int | None] | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        from simulator.scenario.checks import cross_check

        problems = list(cross_check(self))
        extra = range(len(self.notes), len(self.notes_vi))
        problems += [(("notes_vi", i), f"translates no entry of notes (it has {len(self.notes)})") for i in extra]
        if problems:
            raise CrossCheckError(problems)
        return self

    def period_days(self) -> int:
        """The period, in days, over which the scenario's calendar repeats.

        7 when something recurs by weekday (a stage's or mode's ``closed_weekdays``, a calendar
        closure's ``weekdays``, unequal ``weekday_weights`` of a flow), else 1 (dated closures,
        seasons and disruptions do not repeat). The overload check compares
        whole periods (:func:`simulator.analysis.stats.stability`).
        """
        return 7 if _weekly(self.model_dump()) else 1

    def warmup_origin(self) -> tuple[str, int | None]:
        """``(file, line)`` of ``run.warmup_days`` when loading recorded it, else ``(name, None)``."""
        return self._warmup_origin or (self.name, None)

    def with_warmup_origin(self, origin: tuple[str, int | None] | None) -> Scenario:
        """This scenario, recording where ``run.warmup_days`` came from (only an "auto" one keeps it)."""
        if origin is not None and self.run.warmup_auto:
            self._warmup_origin = origin
        return self

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form; equal scenarios have equal digests."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()

    def result_digest(self) -> str:
        """SHA-256 of everything that can change one replication's result.

        The same as :meth:`digest` but blind to how many replications a run has and to the
        default seed (each replication gets its seed explicitly), so adding replications to a
        study reuses the ones already cached; and blind to ``uncertainty:`` (a sample of it is
        another scenario, and a zero-width sample is this one).
        """
        data = self.model_dump(mode="json")
        data["run"].pop("replications", None)
        data["run"].pop("seed", None)
        data.pop("uncertainty", None)  # the ranges are sampled into other scenarios; one run never reads them
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()

    def __hash__(self) -> int:
        return int(self.digest()[:16], 16)


def _weekly(data: Any) -> bool:
    """Whether any part of a dumped scenario recurs by weekday."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("closed_weekdays", "weekdays") and value:
                return True
            if key == "weekday_weights" and len(set(value)) > 1:
                return True
            if _weekly(value):
                return True
    elif isinstance(data, list | tuple):
        return any(_weekly(v) for v in data)
    return False
