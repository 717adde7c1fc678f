"""Capacity at a service level: the largest demand that still meets a KPI target.

Demand is scaled by a multiplier ``m`` on the chosen flows (``all``, a gate, or one flow).
Scaling a flow's ``trucks_per_day`` stretches its cumulative arrival rate, and the engine
draws arrivals by inverting that rate at fixed unit-Poisson points, so every multiplier runs
on **common random numbers**: each replication's KPI is then a smooth, nearly monotone
function of ``m``, and bisection on the replication mean is well posed.

The search brackets the target (doubling or halving ``m`` from 1), then bisects until the
bracket is narrower than ``tolerance`` (relative). A multiplier meets the target when the
mean KPI over replications satisfies it **and** neither the whole system nor any gate is
flagged unstable. Each replication's own capacity is where its KPI curve, known at every
multiplier evaluated, crosses the target (linear interpolation between the last multiplier
that meets it and the first that does not); the capacity and its 95% t-interval are taken
over those per-replication capacities.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.analysis.registry import STAGE_KPIS, TRUCK_KPIS
from simulator.analysis.stats import busiest_stages, t_interval
from simulator.experiments.cache import ReplicationCache
from simulator.experiments.executors import Executor
from simulator.experiments.replication import ReplicationResult, replication_tasks, run_tasks
from simulator.experiments.results import Results
from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.models import Scenario

__all__ = ["CapacityResult", "Target", "find_capacity", "parse_target", "scaled"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}
_TARGET = re.compile(r"^\s*(?:(all|gate|direction|class|stage):([\w.]+):)?(\w+)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*$")


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
        return bool(x == x and _OPS[self.op](x, self.value))

    def __str__(self) -> str:
        where = "" if self.scope == "all" else f"{self.scope}:{self.key}:"
        return f"{where}{self.kpi}{self.op}{self.value:g}"


def parse_target(text: str) -> Target:
    """Parse ``[SCOPE:KEY:]KPI OP VALUE``.

    Examples: ``time_in_system_h_p95<=6``, ``gate:huu_nghi:queue_max<=450``,
    ``stage:huu_nghi.customs:wait_min_mean<=30``.
    """
    match = _TARGET.match(text)
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
    return Scenario.model_validate(data)


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


@dataclass
class CapacityResult:
    """The outcome of a capacity search for one scenario."""

    scenario: str
    target: Target
    scale: str
    base_demand_per_day: float
    multiplier: float
    multiplier_ci: tuple[float, float]
    bracket: tuple[float, float]
    capacity_per_day: float
    capacity_ci: tuple[float, float]
    throughput_per_day: dict[str, float]
    kpi_at_capacity: dict[str, float]
    bottleneck: str
    bottleneck_utilisation: float
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    met_at_base: bool = True

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = dict(self.__dict__)
        out["target"] = str(self.target)
        out["target_kpi"] = self.target.kpi
        out["target_value"] = self.target.value
        return out


class _Evaluator:
    """Runs and remembers the replications of the scenario at each multiplier."""

    def __init__(
        self,
        base: Scenario,
        target: Target,
        scale: str,
        replications: int | None,
        seed: int | None,
        executor: Executor | None,
        cache: ReplicationCache | None,
    ) -> None:
        self.base, self.target, self.scale = base, target, scale
        self.replications, self.seed = replications, seed
        self.executor, self.cache = executor, cache
        self.results: dict[float, Results] = {}
        self.log: list[dict[str, Any]] = []

    def __call__(self, m: float) -> Results:
        if m not in self.results:
            sc = scaled(self.base, m, self.scale)
            tasks = replication_tasks(sc, self.replications, self.seed)
            reps: list[ReplicationResult] = run_tasks(tasks, self.executor, self.cache)
            self.results[m] = res = Results.from_replications(sc, tasks[0].seed, reps)
            self.log.append(
                {
                    "multiplier": m,
                    "kpi": self.target_kpi(res),
                    "throughput_per_day": res.kpi("throughput_per_day"),
                    "arrived_per_day": res.kpi("arrived_per_day"),
                    "unstable": res.unstable,
                    "meets": self.meets(m),
                }
            )
        return self.results[m]

    def target_kpi(self, res: Results) -> dict[str, float]:
        """``{mean, ci_low, ci_high}`` of the target KPI (its scope and key were checked before the search)."""
        t = self.target
        return res.kpi(t.kpi, t.scope, t.key)

    def per_replication(self, m: float) -> np.ndarray:
        t = self.target
        reps = self(m).replications
        sel = reps[(reps.scope == t.scope) & (reps.key == t.key) & (reps.kpi == t.kpi)].sort_values("replication")
        return sel["value"].to_numpy(dtype=float)

    def meets(self, m: float) -> bool:
        """The target is met, and neither the whole system nor any gate is overloaded."""
        res = self(m)
        flags = res.stability
        overloaded = bool(flags[flags.scope.isin(["all", "gate"]) & flags.unstable].shape[0])
        return self.target.met(self.target_kpi(res)["mean"]) and not overloaded


def find_capacity(
    base: Scenario,
    target: Target,
    scale: str = "all",
    tolerance: float = 0.02,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    max_multiplier: float = 64.0,
) -> CapacityResult:
    """Largest demand multiplier meeting ``target``, by bracketing and bisection on common random numbers."""
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be between 0 and 1, got {tolerance}")
    _check_target_key(base, target)
    base_demand = sum(f["trucks_per_day"] for _, _, f in _flows(base.model_dump(mode="json"), scale))
    ev = _Evaluator(base, target, scale, replications, seed, executor, cache)
    lo, hi = _bracket(ev, max_multiplier)
    while (hi - lo) / lo > tolerance:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ev.meets(mid) else (lo, mid)
    return _result(ev, base, target, scale, base_demand, lo, hi)


def _check_target_key(base: Scenario, target: Target) -> None:
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
            [Issue("--target", None, str(target), f"no {target.scope} '{target.key}' (known: {known})")]
        )


def _bracket(ev: _Evaluator, max_multiplier: float) -> tuple[float, float]:
    m = 1.0
    if ev.meets(m):
        while ev.meets(m * 2):
            m *= 2
            if m * 2 > max_multiplier:
                raise ScenarioError([Issue("capacity", None, str(ev.target), f"still met at demand x{m:g}")])
        return m, m * 2
    while not ev.meets(m / 2):
        m /= 2
        if m / 2 < 1 / max_multiplier:
            raise ScenarioError([Issue("capacity", None, str(ev.target), f"not met even at demand x{m:g}")])
    return m / 2, m


def _replication_crossings(ev: _Evaluator, target: Target) -> np.ndarray:
    """Each replication's own capacity: where its KPI curve crosses the target value.

    Each replication's KPI is known at every multiplier evaluated during the search (common
    random numbers make these curves smooth). The crossing is interpolated linearly between
    the last evaluated multiplier that meets the target and the first that does not; a
    replication that meets it everywhere (or nowhere) is given the largest (smallest)
    multiplier evaluated.
    """
    grid = np.array(sorted(ev.results))
    curves = np.vstack([ev.per_replication(m) for m in grid])  # multipliers x replications
    crossings = []
    for k in curves.T:
        ok = np.array([target.met(v) for v in k])
        fail = np.flatnonzero(~ok)
        if not len(fail):
            crossings.append(grid[-1])
            continue
        first_fail = fail[0]
        if first_fail == 0:
            crossings.append(grid[0])
            continue
        m0, m1, k0, k1 = grid[first_fail - 1], grid[first_fail], k[first_fail - 1], k[first_fail]
        crossings.append(m0 + (target.value - k0) * (m1 - m0) / (k1 - k0) if k1 != k0 else m0)
    return np.array(crossings, dtype=float)


def _result(
    ev: _Evaluator, base: Scenario, target: Target, scale: str, demand: float, lo: float, hi: float
) -> CapacityResult:
    per_rep = _replication_crossings(ev, target)
    mean, ci_low, ci_high = t_interval(per_rep)
    mean = min(max(mean, lo), hi) if mean == mean else lo
    res = ev(lo)
    summary = res.summary
    util = busiest_stages(summary)
    return CapacityResult(
        scenario=base.name,
        target=target,
        scale=scale,
        base_demand_per_day=demand,
        multiplier=mean,
        multiplier_ci=(ci_low, ci_high),
        bracket=(lo, hi),
        capacity_per_day=demand * mean,
        capacity_ci=(demand * ci_low, demand * ci_high),
        throughput_per_day=res.kpi("throughput_per_day"),
        kpi_at_capacity=res.kpi(target.kpi, target.scope, target.key),
        bottleneck=str(util.key.iloc[0]) if len(util) else "",
        bottleneck_utilisation=float(util.utilisation.iloc[0]) if len(util) else float("nan"),
        evaluations=ev.log,
        met_at_base=ev.meets(1.0),
    )
