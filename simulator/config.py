"""The scenario schema: frozen pydantic models, strict about unknown keys.

This module only describes a scenario; it never touches SimPy. Loading YAML files,
``extends:`` and ``--set`` live in :mod:`simulator.loader`. Times are in minutes unless
a key says otherwise (``_h``, ``_per_day``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from .distributions import Distribution

__all__ = [
    "WEEKDAYS",
    "CargoClass",
    "CrossCheckError",
    "Flow",
    "Gate",
    "RunSettings",
    "Scenario",
    "Stage",
    "parse_window",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FROZEN = ConfigDict(extra="forbid", frozen=True)
_TIME = re.compile(r"^(\d{2}):(\d{2})$")

Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="lower_snake_case identifier")]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
UtcOffset = Annotated[float, Field(ge=-12, le=14, description="hours east of UTC, e.g. 7 for Hanoi, 8 for China")]


def _parse_clock(text: str, *, end: bool) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time HH:MM")
    hh, mm = int(match.group(1)), int(match.group(2))
    limit = 24 if end else 23
    if hh > limit or mm > 59 or (hh == 24 and mm != 0):
        raise ValueError(f"'{text}' is not a valid time (00:00 to {'24:00' if end else '23:59'})")
    return hh * 60 + mm


def parse_window(text: str) -> tuple[int, int]:
    """Parse ``"HH:MM-HH:MM"`` into minutes after local midnight ``(open, close)``.

    A close at or before the open means the window runs past midnight, so the returned
    close is then greater than 1440.
    """
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"must be a window 'HH:MM-HH:MM', got '{text}'")
    start, stop = _parse_clock(parts[0], end=False), _parse_clock(parts[1], end=True)
    if stop <= start:
        stop += 1440
    return start, stop


def _check_window(text: str) -> str:
    parse_window(text)
    return text


TimeWindow = Annotated[str, AfterValidator(_check_window), Field(description="local opening window 'HH:MM-HH:MM'")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Frozen(BaseModel):
    model_config = _FROZEN


class RunSettings(_Frozen):
    """Run length, warm-up, replications and seed."""

    start_date: dt.date = Field(dt.date(2024, 8, 1), description="first simulated day (model clock)")
    days: int = Field(28, ge=1, le=3660, description="simulated days, warm-up included")
    warmup_days: int = Field(3, ge=0, description="days discarded from every KPI")
    replications: int = Field(10, ge=1, le=100_000)
    seed: int = Field(12345, ge=0, lt=2**63)
    utc_offset_h: UtcOffset = Field(7.0, description="clock of the model (Vietnam: 7)")

    @model_validator(mode="after")
    def _warmup_shorter(self) -> RunSettings:
        if self.warmup_days >= self.days:
            raise CrossCheckError([(("warmup_days",), f"must be < days ({self.days}), got {self.warmup_days}")])
        return self


class CargoClass(_Frozen):
    """A kind of cargo, e.g. fresh fruit or containerised goods."""

    description: str = ""
    perishable: bool = False
    payload_t: float = Field(20.0, gt=0, description="mean payload in tonnes")


class Stage(_Frozen):
    """A service step with servers, a service time, opening hours and a visit probability."""

    description: str = ""
    servers: int = Field(ge=1, le=100_000, description="servers, lanes or crews working in parallel")
    service: Distribution
    service_by_class: dict[Ident, Distribution] = Field(default_factory=dict)
    hours: list[TimeWindow] | None = Field(None, description="local opening windows; omit for 24 h")
    closed_weekdays: list[Weekday] = Field(default_factory=list, description="local weekdays with no service")
    utc_offset_h: UtcOffset | None = Field(None, description="clock of the hours; default: the gate's")
    visit_probability: Probability = 1.0
    visit_probability_by_class: dict[Ident, Probability] = Field(default_factory=dict)

    def service_for(self, cargo_class: str) -> Any:
        """The service distribution that applies to ``cargo_class``."""
        return self.service_by_class.get(cargo_class, self.service)

    def visit_probability_for(self, cargo_class: str) -> float:
        """The probability that a truck of ``cargo_class`` visits this stage."""
        return self.visit_probability_by_class.get(cargo_class, self.visit_probability)


def _normalised(values: list[float], what: str) -> list[float]:
    if sum(values) <= 0:
        raise ValueError(f"{what} must have a positive sum")
    return values


class Flow(_Frozen):
    """One direction of traffic through a gate."""

    direction: Literal["export", "import"]
    trucks_per_day: NonNegFloat = Field(description="mean arrivals per day (weekday weights average to 1)")
    hourly_profile: Annotated[list[NonNegFloat], Field(min_length=24, max_length=24)] = Field(
        default_factory=lambda: [1.0] * 24, description="24 relative weights of arrivals by local hour"
    )
    weekday_weights: Annotated[list[NonNegFloat], Field(min_length=7, max_length=7)] = Field(
        default_factory=lambda: [1.0] * 7, description="7 relative weights, Monday first"
    )
    class_mix: dict[Ident, Probability] = Field(min_length=1, description="share of each cargo class; sums to 1")
    route: list[Ident] = Field(min_length=1, description="stages in the order trucks visit them")
    route_by_class: dict[Ident, list[Ident]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sums(self) -> Flow:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        total = sum(self.class_mix.values())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            problems.append((("class_mix",), f"shares must sum to 1, got {total:g}"))
        for key in ("hourly_profile", "weekday_weights"):
            if sum(getattr(self, key)) <= 0:
                problems.append(((key,), "weights must have a positive sum"))
        if problems:
            raise CrossCheckError(problems)
        return self

    def route_for(self, cargo_class: str) -> list[str]:
        """The ordered stage names a truck of ``cargo_class`` visits."""
        return self.route_by_class.get(cargo_class, self.route)


class Gate(_Frozen):
    """A border gate: its stages and its flows of trucks."""

    name: str = Field("", description="display name, e.g. 'Hữu Nghị'")
    utc_offset_h: UtcOffset | None = Field(None, description="clock of the gate; default: the run's")
    stages: dict[Ident, Stage] = Field(min_length=1)
    flows: dict[Ident, Flow] = Field(min_length=1)


class Scenario(_Frozen):
    """A complete, validated and immutable scenario.

    Build it with :func:`simulator.load_scenario`; it is hashable and picklable.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="short name, used for result folders")
    description: str = ""
    run: RunSettings = Field(default_factory=RunSettings)
    cargo_classes: dict[Ident, CargoClass] = Field(min_length=1)
    gates: dict[Ident, Gate] = Field(min_length=1)
    provenance: list[str] = Field(default_factory=list, description="levers and overrides applied, in order")

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems = list(_cross_check(self))
        if problems:
            raise CrossCheckError(problems)
        return self

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form; equal scenarios have equal digests."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()

    def __hash__(self) -> int:
        return int(self.digest()[:16], 16)


def _cross_check(sc: Scenario) -> Any:
    """Yield ``(path, message)`` for every reference to a missing class or stage."""
    classes = set(sc.cargo_classes)
    known = ", ".join(sorted(classes))
    for gname, gate in sc.gates.items():
        stages = set(gate.stages)
        for sname, stage in gate.stages.items():
            base = ("gates", gname, "stages", sname)
            for key in ("service_by_class", "visit_probability_by_class"):
                for cls in getattr(stage, key):
                    if cls not in classes:
                        yield (*base, key, cls), f"unknown cargo class '{cls}' (known: {known})"
        for fname, flow in gate.flows.items():
            base = ("gates", gname, "flows", fname)
            for cls in flow.class_mix:
                if cls not in classes:
                    yield (*base, "class_mix", cls), f"unknown cargo class '{cls}' (known: {known})"
            routes: list[tuple[tuple[str, ...], list[str]]] = [(("route",), flow.route)]
            for cls, route in flow.route_by_class.items():
                if cls not in classes:
                    yield (*base, "route_by_class", cls), f"unknown cargo class '{cls}' (known: {known})"
                routes.append((("route_by_class", cls), route))
            for rpath, route in routes:
                for i, stage_name in enumerate(route):
                    if stage_name not in stages:
                        have = ", ".join(gate.stages)
                        yield (*base, *rpath, i), f"no stage '{stage_name}' at gate '{gname}' (stages: {have})"
                if len(set(route)) != len(route):
                    yield (*base, *rpath), "a route may visit each stage only once"


class CrossCheckError(ValueError):
    """A validation failure that knows the exact key paths it concerns."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems))
