"""Capacity at a service level: the largest demand that still meets a KPI target.

Demand is scaled by a multiplier ``m`` on the chosen flows (``all``, a gate, or one flow).
Scaling a flow's ``trucks_per_day`` stretches its cumulative arrival rate, and the engine
draws arrivals by inverting that rate at fixed unit-Poisson points, so every multiplier runs
on **common random numbers**: each replication's KPI is then a smooth, nearly monotone
function of ``m``, and bisection on the replication mean is well posed.

The search brackets the target (doubling or halving ``m`` from 1), then bisects until the
bracket is narrower than ``tolerance`` (relative). A multiplier meets the target when the
mean KPI over replications satisfies it **and** none of the *decisive* scopes is flagged
unstable: the scaled gates, and the target's own scope (the whole system when everything is
scaled or the target is system-wide; :func:`~simulator.experiments.capacity_target.decisive_scopes`).
Overload of any other gate (one that is not scaled, so its load does not change with ``m``)
is reported in ``warnings`` with the gate named, and does not decide the capacity.

Each replication's own capacity is where its KPI curve, known at every multiplier evaluated,
crosses the target (linear interpolation between the last multiplier that meets it and the
first that does not; a multiplier whose decisive scopes are overloaded counts as not meeting
it); the capacity is the mean of those per-replication capacities, with their 95%
t-interval, so it always lies inside its own interval. When no bracket is found (the target
is missed even at ``1/max_multiplier`` of today's demand, or still met at ``max_multiplier``
times it) the result says so (``found`` is false) with the scenario, the demand reached and
the reason, instead of raising: the other scenarios of a study keep their results.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from simulator.analysis.stats import busiest_stages, t_interval
from simulator.experiments.cache import ReplicationCache
from simulator.experiments.capacity_target import (
    Target,
    check_target,
    decisive_scopes,
    demand_per_day,
    parse_target,
    scaled,
    scaled_gates,
)
from simulator.experiments.executors import Executor
from simulator.experiments.replication import ReplicationResult, replication_tasks, run_tasks
from simulator.experiments.results import Results
from simulator.experiments.warmup import WarmupChoice, resolve_warmup
from simulator.scenario.models import Scenario

__all__ = ["CapacityResult", "Target", "check_target", "find_capacity", "parse_target", "scaled"]

NAN = float("nan")


@dataclass
class CapacityResult:
    """The outcome of a capacity search for one scenario.

    ``found`` is false when the target could not be bracketed; ``message`` then says why (and
    ``failure`` holds the same as data: ``above``, ``multiplier``, ``demand_per_day``,
    ``overloaded`` as ``[scope, key]`` pairs, ``kpi``) and the capacity fields are NaN.
    ``warnings`` name the gates whose overload was seen but does not decide this capacity.
    ``throughput_per_day`` and ``bottleneck`` are those of the scaled gate (of the whole
    system when every gate is scaled), at the last multiplier that met the target. Each entry of
    ``evaluations`` holds the whole system's ``throughput_per_day`` and the scaled gate's own
    ``scaled_throughput_per_day`` (older files lack the latter).
    ``per_replication`` holds each replication's own capacity multiplier, in replication order
    (empty when not found): the paired ratios and sums of
    :mod:`simulator.experiments.capacity_table` are computed from it. ``warmup`` records how
    ``warmup_days: auto`` was resolved, once at today's demand
    (:class:`~simulator.experiments.warmup.WarmupChoice`), else None.
    """

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
    found: bool = True
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    decisive: list[str] = field(default_factory=list)
    failure: dict[str, Any] = field(default_factory=dict)
    per_replication: list[float] = field(default_factory=list)
    warmup: WarmupChoice | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``warmup`` only when ``warmup_days: auto`` chose it)."""
        out = dict(self.__dict__)
        if self.warmup is None:
            del out["warmup"]
        else:
            out["warmup"] = self.warmup.as_dict()
        out["target"] = str(self.target)
        out["target_kpi"] = self.target.kpi
        out["target_value"] = self.target.value
        return out


def _where(scope: str, key: str) -> str:
    return "the whole system" if scope == "all" else f"{scope} {key}"


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
        self.decisive = decisive_scopes(base, target, scale)
        self.results: dict[float, Results] = {}
        self.log: list[dict[str, Any]] = []

    def __call__(self, m: float) -> Results:
        if m not in self.results:
            sc = scaled(self.base, m, self.scale)
            tasks = replication_tasks(sc, self.replications, self.seed)
            reps: list[ReplicationResult] = run_tasks(tasks, self.executor, self.cache)
            self.results[m] = res = Results.from_replications(sc, tasks[0].seed, reps)
            decisive, other = self.overloaded(m)
            self.log.append(
                {
                    "multiplier": m,
                    "kpi": self.target_kpi(res),
                    "throughput_per_day": res.kpi("throughput_per_day"),
                    "scaled_throughput_per_day": _throughput(res, self.scale, scaled_gates(self.base, self.scale)),
                    "arrived_per_day": res.kpi("arrived_per_day"),
                    "unstable": res.unstable,
                    "overloaded": decisive,
                    "overloaded_elsewhere": other,
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

    def overloaded(self, m: float) -> tuple[list[list[str]], list[str]]:
        """Unstable decisive scopes (``[scope, key]``), and unstable gates that do not decide, at ``m``."""
        flags = self(m).stability
        flags = flags[flags.unstable]
        pairs = [(str(s), str(k)) for s, k in zip(flags.scope, flags.key)]
        decisive = [[s, k] for s, k in pairs if (s, k) in self.decisive]
        other = [k for s, k in pairs if s == "gate" and (s, k) not in self.decisive]
        return decisive, other

    def meets(self, m: float) -> bool:
        """The target is met, and no decisive scope is overloaded."""
        return self.target.met(self.target_kpi(self(m))["mean"]) and not self.overloaded(m)[0]


class _NotBracketed(Exception):
    def __init__(self, multiplier: float, above: bool) -> None:
        super().__init__(multiplier, above)
        self.multiplier, self.above = multiplier, above


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
    """Largest demand multiplier meeting ``target``, by bracketing and bisection on common random numbers.

    Raises
    ------
    ScenarioError
        When the target's scope key or ``scale`` names nothing in ``base`` (bad input). A
        target that cannot be bracketed is not an error: the result's ``found`` is false.
    """
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be between 0 and 1, got {tolerance}")
    check_target(base, target, scale)
    base, warmup = resolve_warmup(base, executor, cache, replications=replications, seed=seed)  # at today's demand
    if warmup is not None:
        found = find_capacity(base, target, scale, tolerance, replications, seed, executor, cache, max_multiplier)
        return replace(found, warmup=warmup)
    base_demand = demand_per_day(base, scale)
    ev = _Evaluator(base, target, scale, replications, seed, executor, cache)
    try:
        lo, hi = _bracket(ev, max_multiplier)
    except _NotBracketed as exc:
        return _unbracketed(ev, base_demand, exc)
    while (hi - lo) / lo > tolerance:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ev.meets(mid) else (lo, mid)
    return _result(ev, base_demand, lo, hi)


def _bracket(ev: _Evaluator, max_multiplier: float) -> tuple[float, float]:
    m = 1.0
    if ev.meets(m):
        while ev.meets(m * 2):
            m *= 2
            if m * 2 > max_multiplier:
                raise _NotBracketed(m, above=True)
        return m, m * 2
    while not ev.meets(m / 2):
        m /= 2
        if m / 2 < 1 / max_multiplier:
            raise _NotBracketed(m, above=False)
    return m / 2, m


def _replication_crossings(ev: _Evaluator) -> np.ndarray:
    """Each replication's own capacity: where its KPI curve crosses the target value.

    Each replication's KPI is known at every multiplier evaluated during the search (common
    random numbers make these curves smooth). The crossing is interpolated linearly between
    the last evaluated multiplier that meets the target and the first that does not (a
    multiplier whose decisive scopes are overloaded does not meet it); a replication that
    meets it everywhere (or nowhere) is given the largest (smallest) multiplier evaluated.
    """
    target = ev.target
    grid = np.array(sorted(ev.results))
    curves = np.vstack([ev.per_replication(m) for m in grid])  # multipliers x replications
    stable = np.array([not ev.overloaded(m)[0] for m in grid])
    crossings = []
    for k in curves.T:
        ok = np.array([target.met(v) for v in k]) & stable
        fail = np.flatnonzero(~ok)
        if not len(fail):
            crossings.append(grid[-1])
            continue
        first_fail = fail[0]
        if first_fail == 0:
            crossings.append(grid[0])
            continue
        m0, m1, k0, k1 = grid[first_fail - 1], grid[first_fail], k[first_fail - 1], k[first_fail]
        inside = stable[first_fail] and k1 != k0
        crossings.append(float(np.clip(m0 + (target.value - k0) * (m1 - m0) / (k1 - k0), m0, m1)) if inside else m0)
    return np.array(crossings, dtype=float)


def _warnings(ev: _Evaluator) -> list[str]:
    """One warning per gate overloaded at some multiplier evaluated without deciding the capacity."""
    seen: dict[str, list[float]] = {}
    for entry in ev.log:
        for gate in entry["overloaded_elsewhere"]:
            seen.setdefault(gate, []).append(entry["multiplier"])
    return [
        f"gate {gate} is flagged overloaded at {len(ms)} of the {len(ev.log)} demands evaluated "
        f"(x{min(ms):.4g} to x{max(ms):.4g} on {ev.scale}); it is not scaled and not the target's scope, "
        "so it does not decide this capacity"
        for gate, ms in seen.items()
    ]


def _why_missed(ev: _Evaluator, m: float) -> str:
    decisive, _ = ev.overloaded(m)
    kpi = ev.target_kpi(ev(m))
    value = f"{ev.target.kpi} is {kpi['mean']:,.4g} (95% CI {kpi['ci_low']:,.4g} to {kpi['ci_high']:,.4g})"
    if decisive:
        where = " and ".join(_where(s, k) for s, k in decisive)
        return f"{where} overloaded (backlog grows without bound); {value}"
    return value


def _unbracketed(ev: _Evaluator, demand: float, exc: _NotBracketed) -> CapacityResult:
    m = exc.multiplier
    reached = f"demand x{m:.4g} ({demand * m:,.0f} trucks/day on {ev.scale})"
    if exc.above:
        message = f"{ev.base.name}: target {ev.target} is still met at {reached}: the capacity is above it"
    else:
        message = f"{ev.base.name}: target {ev.target} is not met even at {reached}: {_why_missed(ev, m)}"
    res = ev(m)
    return CapacityResult(
        scenario=ev.base.name,
        target=ev.target,
        scale=ev.scale,
        base_demand_per_day=demand,
        multiplier=NAN,
        multiplier_ci=(NAN, NAN),
        bracket=(m, NAN) if exc.above else (NAN, m),
        capacity_per_day=NAN,
        capacity_ci=(NAN, NAN),
        throughput_per_day=_throughput(res, ev.scale, scaled_gates(ev.base, ev.scale)),
        kpi_at_capacity=ev.target_kpi(res),
        bottleneck="",
        bottleneck_utilisation=NAN,
        evaluations=ev.log,
        met_at_base=ev.meets(1.0),
        found=False,
        message=message,
        failure={
            "above": exc.above,
            "multiplier": m,
            "demand_per_day": demand * m,
            "overloaded": ev.overloaded(m)[0],
            "kpi": ev.target_kpi(res),
        },
        warnings=_warnings(ev),
        decisive=sorted(_where(s, k) for s, k in ev.decisive),
    )


def _result(ev: _Evaluator, demand: float, lo: float, hi: float) -> CapacityResult:
    crossings = _replication_crossings(ev)
    mean, ci_low, ci_high = t_interval(crossings)
    res = ev(lo)
    gates = scaled_gates(ev.base, ev.scale)
    util = busiest_stages(res.summary, _stage_keys(res, gates))
    return CapacityResult(
        scenario=ev.base.name,
        target=ev.target,
        scale=ev.scale,
        base_demand_per_day=demand,
        multiplier=mean,
        multiplier_ci=(ci_low, ci_high),
        bracket=(lo, hi),
        capacity_per_day=demand * mean,
        capacity_ci=(demand * ci_low, demand * ci_high),
        throughput_per_day=_throughput(res, ev.scale, gates),
        kpi_at_capacity=ev.target_kpi(res),
        bottleneck=str(util.key.iloc[0]) if len(util) else "",
        bottleneck_utilisation=float(util.utilisation.iloc[0]) if len(util) else NAN,
        evaluations=ev.log,
        met_at_base=ev.meets(1.0),
        warnings=_warnings(ev),
        decisive=sorted(_where(s, k) for s, k in ev.decisive),
        per_replication=[float(x) for x in crossings],
    )


def _throughput(res: Results, scale: str, gates: list[str]) -> dict[str, float]:
    """Trucks cleared per day where the demand is scaled: the scaled gate's, or the whole system's."""
    if scale != "all" and len(gates) == 1:
        return res.kpi("throughput_per_day", "gate", gates[0])
    return res.kpi("throughput_per_day")


def _stage_keys(res: Results, gates: list[str]) -> Any:
    """The stage keys of the scaled gates (the bottleneck is looked for there)."""
    stages = res.summary[res.summary.scope == "stage"].key.drop_duplicates()
    return stages[stages.str.split(".").str[0].isin(gates)]
