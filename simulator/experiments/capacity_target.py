"""Capacity targets and demand scaling: ``[SCOPE:KEY:]KPI OP VALUE`` and ``--scale all|GATE|GATE.FLOW``."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from simulator.analysis.registry import STAGE_KPIS, TRUCK_KPIS
from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.models import Scenario

__all__ = [
    "OPERATORS",
    "TARGET_PATTERN",
    "Target",
    "check_target",
    "decisive_scopes",
    "demand_per_day",
    "parse_target",
    "scaled",
    "scaled_gates",
]

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}
TARGET_PATTERN = re.compile(
    r"^\s*(?:(all|gate|direction|class|stage):([\w.]+):)?(\w+)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*$"
)


@dataclass(frozen=True)
class Target:
    """A service level such as ``time_in_system_h_p95 <= 6`` (optionally for one scope)."""

    kpi: str
    op: str
    value: float
    scope: str = "all"
    key: str = "all"

    def met(self, x: float) -> bool:
        """Whether the KPI value ``x`` meets the target."""
        return bool(x == x and OPERATORS[self.op](x, self.value))

    def __str__(self) -> str:
        where = "" if self.scope == "all" else f"{self.scope}:{self.key}:"
        return f"{where}{self.kpi}{self.op}{self.value:g}"


def parse_target(text: str) -> Target:
    """Parse ``[SCOPE:KEY:]KPI OP VALUE``.

    Examples: ``time_in_system_h_p95<=6``, ``gate:huu_nghi:queue_max<=450``,
    ``stage:huu_nghi.customs:wait_min_mean<=30``.
    """
    match = TARGET_PATTERN.match(text)
    if not match:
        raise ScenarioError(
            [Issue("--target", None, text, "expected [SCOPE:KEY:]KPI OP VALUE, e.g. 'time_in_system_h_p95<=6'")]
        )
    scope, key, kpi, op, value = match.groups()
    scope = scope or "all"
    known = STAGE_KPIS if scope == "stage" else TRUCK_KPIS
    if kpi not in known:
        raise ScenarioError(
            [Issue("--target", None, text, f"unknown KPI '{kpi}' for scope {scope} (known: {', '.join(known)})")]
        )
    try:
        number = float(value)
    except ValueError:
        raise ScenarioError([Issue("--target", None, text, f"'{value}' is not a number")]) from None
    return Target(kpi, op, number, scope, key or "all")


def scaled(scenario: Scenario, multiplier: float, scale: str = "all") -> Scenario:
    """The scenario with ``trucks_per_day`` of the ``scale`` flows (all, GATE or GATE.FLOW) times ``multiplier``."""
    data = scenario.model_dump(mode="json")
    for _, _, flow in _flows(data, scale):
        flow["trucks_per_day"] = flow["trucks_per_day"] * multiplier
    data["provenance"] = [*data.get("provenance", []), f"demand x{multiplier:.6g} on {scale}"]
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:  # the scaled demand passes a bound of the schema
        err = exc.errors()[0]
        where, why = ".".join(map(str, err["loc"])), str(err["msg"]).removeprefix("Value error, ")
        message = f"demand x{multiplier:.6g} goes beyond the scenario's limits ({where}: {why})"
        raise ScenarioError([Issue("--scale", None, scale, message)]) from None


def _flows(data: dict[str, Any], scale: str) -> list[tuple[str, str, dict[str, Any]]]:
    gate, _, flow = scale.partition(".")
    chosen = [
        (g, f, spec)
        for g, gspec in data["gates"].items()
        for f, spec in gspec["flows"].items()
        if scale == "all" or (g == gate and (not flow or f == flow))
    ]
    if not chosen:
        raise ScenarioError([Issue("--scale", None, scale, "no such gate or flow (use all, GATE or GATE.FLOW)")])
    return chosen


def demand_per_day(scenario: Scenario, scale: str) -> float:
    """Today's ``trucks_per_day`` summed over the flows that ``scale`` multiplies."""
    return float(sum(f["trucks_per_day"] for _, _, f in _flows(scenario.model_dump(mode="json"), scale)))


def scaled_gates(scenario: Scenario, scale: str) -> list[str]:
    """The gates whose demand ``scale`` multiplies (raises for an unknown gate or flow)."""
    return list(dict.fromkeys(g for g, _, _ in _flows(scenario.model_dump(mode="json"), scale)))


def check_target(base: Scenario, target: Target, scale: str) -> None:
    """Raise :class:`ScenarioError` if the target's scope key or the scale names nothing in ``base``."""
    scopes: dict[str, set[str]] = {
        "all": {"all"},
        "gate": set(base.gates),
        "direction": {f.direction for g in base.gates.values() for f in g.flows.values()},
        "class": set(base.cargo_classes),
        "stage": {f"{g}.{s}" for g, gate in base.gates.items() for s in gate.stages},
    }
    keys = scopes[target.scope]
    if target.key not in keys:
        known = ", ".join(sorted(keys))
        raise ScenarioError(
            [Issue("--target", None, str(target), f"no {target.scope} '{target.key}' in {base.name} (known: {known})")]
        )
    scaled_gates(base, scale)


def decisive_scopes(base: Scenario, target: Target, scale: str) -> set[tuple[str, str]]:
    """The ``(scope, key)`` whose overload decides a capacity: the scaled gates and the target's scope.

    Scaling everything adds the whole system; a stage target adds the stage's gate. Overload
    anywhere else is reported as a warning, not as the target being missed.
    """
    gates = scaled_gates(base, scale)
    decisive = {("gate", g) for g in gates}
    if scale == "all" or target.scope == "all":
        decisive.add(("all", "all"))
    if target.scope == "stage":
        decisive.add(("gate", target.key.split(".", 1)[0]))
    elif target.scope != "all":
        decisive.add((target.scope, target.key))
    return decisive
