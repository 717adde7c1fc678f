"""Smart-gate levers: named, pure scenario transforms ``Scenario -> Scenario``, composable in order.

A proposal is a baseline plus a list of levers. In a scenario file they are listed under
``levers:``, one mapping each, ``lever`` naming it and the other keys its parameters::

    levers:
      - lever: autonomous_transport
        gates: [huu_nghi]
        share: 0.3      # [A]
        fleet: 40       # [A]

:func:`simulator.load_scenario` applies them after validation; :func:`apply_levers` does
the same for a scenario in memory. Each lever validates its parameters (unknown keys are
errors, with a "did you mean"), checks that the gates, stages, yards and classes it names
exist, changes a plain copy of the scenario and validates the result again; the new
scenario's ``provenance`` records ``lever NAME(param=value, ...)``. Nothing is mutated.
What each lever changes, the claim it encodes and the sources of its defaults are in the
docstrings of :mod:`simulator.levers.catalog` and :mod:`simulator.levers.flows`, and in
``docs/levers.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from simulator.levers.catalog import (
    automated_gates,
    digital_platform,
    extended_hours,
    joint_inspection,
    risk_management,
    scanners,
    yard_expansion,
)
from simulator.levers.draft import LeverError, Path
from simulator.levers.flows import appointments, autonomous_transport, two_way_carriage
from simulator.scenario.errors import describe_error
from simulator.scenario.lever_params import LeverSpec, LeverText
from simulator.scenario.models import Scenario
from simulator.scenario.types import CrossCheckError

__all__ = ["LEVERS", "LeverError", "LeverSpec", "apply_lever", "apply_levers", "describe_lever"]

Transform = Callable[[Scenario, Any], Scenario]

LEVERS: dict[str, Transform] = {
    "digital_platform": digital_platform,
    "automated_gates": automated_gates,
    "risk_management": risk_management,
    "scanners": scanners,
    "joint_inspection": joint_inspection,
    "autonomous_transport": autonomous_transport,
    "extended_hours": extended_hours,
    "yard_expansion": yard_expansion,
    "appointments": appointments,
    "two_way_carriage": two_way_carriage,
}
"""The transform of every lever, by name (the same names as :data:`simulator.scenario.lever_params.PARAMS`)."""

SpecLike = LeverSpec | Mapping[str, Any]


def _compact(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict) and "dist" in value:
        args = ", ".join(f"{k}={_compact(v)}" for k, v in value.items() if k != "dist" and v is not None)
        return f"{value['dist']}({args})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    return str(value)


def describe_lever(name: str, params: BaseModel) -> str:
    """The provenance entry of a lever: ``lever NAME(param=value, ...)``, every parameter that is set."""
    values = params.model_dump(mode="json", exclude_none=True)
    return f"lever {name}(" + ", ".join(f"{k}={_compact(v)}" for k, v in values.items()) + ")"


def _spec(item: SpecLike, path: Path) -> LeverSpec:
    if isinstance(item, LeverSpec):
        return item
    try:
        return LeverSpec.model_validate(dict(item))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            cause = (err.get("ctx") or {}).get("error")
            if isinstance(cause, CrossCheckError):
                problems += [((*path, *p), m) for p, m in cause.problems]
            else:
                loc = tuple(err["loc"])
                problems.append(((*path, *loc), describe_error(dict(err), LeverSpec, loc)))
        raise LeverError(problems) from None


def apply_lever(scenario: Scenario, spec: SpecLike, index: int = 0) -> Scenario:
    """Apply one lever and append its provenance entry.

    Parameters
    ----------
    scenario : Scenario
        The scenario to transform; it is not changed.
    spec : LeverSpec or mapping
        ``{"lever": NAME, PARAM: VALUE, ...}``.
    index : int
        Position of the lever in its list, for the key paths of errors (``levers.<index>...``).

    Raises
    ------
    LeverError
        For an unknown lever or parameter, a bad value, or a name the scenario does not have.
    """
    path: Path = ("levers", index)
    lever = _spec(spec, path)
    try:
        params = lever.params()
    except CrossCheckError as exc:
        raise LeverError([((*path, *p), m) for p, m in exc.problems]) from None
    try:
        new = LEVERS[lever.lever](scenario, params)
    except LeverError as exc:
        raise LeverError([((*path, *p), m) for p, m in exc.problems]) from None
    entry = describe_lever(lever.lever, params)
    text = LeverText(lever=lever.lever, entry=entry, description=lever.description, description_vi=lever.description_vi)
    return new.model_copy(update={"provenance": (*new.provenance, entry), "lever_texts": (*new.lever_texts, text)})


def apply_levers(scenario: Scenario, specs: Sequence[SpecLike] | None = None) -> Scenario:
    """Apply levers in order; by default the scenario's own ``levers`` list.

    Parameters
    ----------
    scenario : Scenario
        The scenario; it is not changed.
    specs : sequence of LeverSpec or mapping, optional
        The levers to apply; default ``scenario.levers``.

    Returns
    -------
    Scenario
        A new, validated scenario with the levers applied, an empty ``levers`` list and one
        ``provenance`` entry per lever.

    Raises
    ------
    LeverError
        With key paths ``levers.<i>.<param>`` for the first lever that cannot be applied.
    """
    todo = list(scenario.levers if specs is None else specs)
    current = scenario.model_copy(update={"levers": ()}) if scenario.levers else scenario
    for i, spec in enumerate(todo):
        current = apply_lever(current, spec, i)
    return current
