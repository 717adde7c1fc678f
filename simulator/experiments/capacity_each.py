"""Capacity for every gate in one call (``--scale each``), and for several scenarios side by side.

With ``scale="each"`` every gate is searched on its own: its demand is scaled while the other
gates keep today's demand, and the target (given for the whole system, such as
``time_in_system_h_p95<=24``) is applied to that gate's own trucks (``gate:G:...``). Only that
gate's overload decides its capacity, so a gate that is overloaded at today's demand does not
stop the others' answers (it gets its own "not found" result). ``scale="all"``, a gate or a
flow runs the single search of :func:`~simulator.experiments.capacity.find_capacity`.

Every scenario's searches run on the same seed and replication numbers, so replication *r* of
a proposal is paired with replication *r* of the baseline (common random numbers): the paired
ratios and the province sums of :mod:`simulator.experiments.capacity_table` use that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from simulator.experiments.cache import ReplicationCache
from simulator.experiments.capacity import CapacityResult, Target, check_target, find_capacity
from simulator.experiments.executors import Executor
from simulator.experiments.warmup import resolve_warmups
from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.models import Scenario

__all__ = [
    "SCALE_EACH",
    "check_capacity_request",
    "coupled_gates",
    "default_scale",
    "find_capacities",
    "gate_target",
    "units",
]

SCALE_EACH = "each"


def gate_target(target: Target, gate: str) -> Target:
    """The system-wide ``target`` applied to one gate's own trucks.

    Raises
    ------
    ScenarioError
        The target already names a scope (``--scale each`` needs a target for the whole system).
    """
    if target.scope != "all":
        why = (
            "--scale each applies the target to every gate's own trucks, so give it without a scope "
            "(e.g. 'time_in_system_h_p95<=24'), or scale one gate with --scale GATE"
        )
        raise ScenarioError([Issue("--target", None, str(target), why)])
    return Target(target.kpi, target.op, target.value, "gate", gate)


def default_scale(target: Target) -> str:
    """The scale used when none is given: ``each`` for a system-wide target, else the target's own.

    A target at one gate (``gate:G:...``) or one of its stages (``stage:G.S:...``) scales that
    gate; a target for a direction or a cargo class, which spans gates, scales them all.

    >>> default_scale(Target("queue_max", "<=", 9.0)), default_scale(Target("wait_min_mean", "<=", 5.0, "stage", "a.s"))
    ('each', 'a')
    """
    if target.scope == "all":
        return SCALE_EACH
    if target.scope in ("gate", "stage"):
        return target.key.split(".", 1)[0]
    return "all"


def units(scenario: Scenario, scale: str) -> list[str]:
    """What is searched: every gate for ``each``, else the one ``scale`` (all, GATE or GATE.FLOW)."""
    return list(scenario.gates) if scale == SCALE_EACH else [scale]


def _search(target: Target, scale: str, unit: str) -> tuple[Target, str]:
    return (gate_target(target, unit), unit) if scale == SCALE_EACH else (target, unit)


def check_capacity_request(scenarios: Sequence[Scenario], target: Target, scale: str) -> None:
    """Check the target and scale against every scenario before any search runs (raises ScenarioError)."""
    for sc in scenarios:
        for unit in units(sc, scale):
            check_target(sc, *_search(target, scale, unit))


def coupled_gates(scenario: Scenario) -> list[tuple[str, str]]:
    """The ``(from, to)`` gate pairs that divert trucks to each other; empty when the gates are independent."""
    return [(name, gate.diversion.to) for name, gate in scenario.gates.items() if gate.diversion is not None]


def find_capacities(
    scenarios: Sequence[Scenario],
    target: Target,
    scale: str = SCALE_EACH,
    tolerance: float = 0.02,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[list[CapacityResult]]:
    """Per scenario, the capacity of each unit searched (every gate for ``each``), in gate order.

    A search that cannot be bracketed is a result with ``found`` false, not an error; the other
    gates and scenarios keep their answers. Scenarios with ``warmup_days: auto`` get one common
    warm-up, the largest MSER-5 truncation of their pilots at today's demand
    (:func:`simulator.experiments.warmup.resolve_warmups`).
    """
    check_capacity_request(scenarios, target, scale)
    scenarios, warmup = resolve_warmups(scenarios, executor, cache)  # auto: one common warm-up, at today's demand
    total = sum(len(units(sc, scale)) for sc in scenarios)
    done, out = 0, []
    for sc in scenarios:
        row = []
        for unit in units(sc, scale):
            unit_target, unit_scale = _search(target, scale, unit)
            row.append(find_capacity(sc, unit_target, unit_scale, tolerance, executor=executor, cache=cache))
            done += 1
            if progress is not None:
                progress(done, total)
        out.append(row if warmup is None else [replace(r, warmup=warmup) for r in row])
    return out
