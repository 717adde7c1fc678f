"""Replications to a precision: add replications in batches until the key KPI's 95% CI is narrow enough.

The **stopping rule**: after each batch, the 95% Student-t half-width of the key KPI over the
replications run so far is compared with ``relative × |mean|``; the run stops at the first batch
where it is within that for every unit checked (the one run; each scenario of a comparison, on
its own mean, not on the difference, which may be about 0; each gate searched by ``capacity``,
on its capacity), or when ``max_replications`` is reached (``reached`` is then false).

The **batch rule**: the first batch is the scenario's ``run.replications`` (at least 2). Each
later batch brings the total to the largest count any unit still needs by
:func:`simulator.analysis.output_analysis.replications_needed` on the replications run so far (Law
§9.4.1: the smallest *n* with ``t(n-1) s / sqrt(n) <= relative / (1 + relative) |mean|``), at
least one more than run so far and never beyond ``max_replications``. A unit with fewer than two
values of the KPI doubles the count.

Replication *r* is the same task as in a fixed run (same seed, index and streams), and each batch
runs only the new indices, so the results are byte-identical to a fixed run with the final count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulator.analysis.output_analysis import replications_needed
from simulator.analysis.stats import t_interval
from simulator.experiments.cache import ReplicationCache
from simulator.experiments.capacity import CapacityResult, Target, parse_target
from simulator.experiments.capacity_each import find_capacities
from simulator.experiments.capacity_target import check_target
from simulator.experiments.comparison import Comparison, assemble, common_warmup, prepare_scenarios
from simulator.experiments.executors import Executor
from simulator.experiments.progress import Reporter
from simulator.experiments.replication import Progress, ReplicationResult, replication_tasks, run_tasks
from simulator.experiments.results import Results
from simulator.experiments.warmup import resolve_warmup
from simulator.levers.load import load_scenario
from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.models import Scenario

__all__ = [
    "CAPACITY",
    "DEFAULT_KPI",
    "DEFAULT_MAX_REPLICATIONS",
    "Precision",
    "PrecisionGoal",
    "capacities_to_precision",
    "compare_to_precision",
    "next_total",
    "parse_precision_kpi",
    "relative_half_width",
    "run_to_precision",
]

DEFAULT_KPI = "time_in_system_h_mean"
CAPACITY = "capacity"
DEFAULT_MAX_REPLICATIONS = 50
MAX_REPLICATIONS = 100_000  # as run.replications
OPTION = "--precision-kpi"


@dataclass(frozen=True)
class PrecisionGoal:
    """What a precision run aims at: ``relative`` half-width of the key KPI, within ``max_replications``."""

    relative: float
    max_replications: int = DEFAULT_MAX_REPLICATIONS
    kpi: str = DEFAULT_KPI
    scope: str = "all"
    key: str = "all"

    def __post_init__(self) -> None:
        if not 0 < self.relative < 1:
            raise ValueError(f"relative must be between 0 and 1 (exclusive), got {self.relative}")
        if not 2 <= self.max_replications <= MAX_REPLICATIONS:
            raise ValueError(f"max_replications must be in [2, {MAX_REPLICATIONS}], got {self.max_replications}")

    @property
    def label(self) -> str:
        """``KPI`` for the whole system, else ``SCOPE:KEY:KPI``; ``capacity`` for capacity."""
        return self.kpi if self.scope == "all" else f"{self.scope}:{self.key}:{self.kpi}"

    def first_batch(self, replications: int) -> int:
        """The first batch: ``replications`` (the scenario's), at least 2; raises past the maximum."""
        first = max(2, replications)
        if first > self.max_replications:
            raise ScenarioError(
                [
                    Issue(
                        "--max-replications",
                        None,
                        str(self.max_replications),
                        f"smaller than the first batch of {first} replications (the scenario's run.replications "
                        "or --replications); give a larger maximum or fewer --replications",
                    )
                ]
            )
        return first


@dataclass
class Precision:
    """The outcome of a precision run.

    Attributes
    ----------
    target, kpi, max_replications
        The goal: relative half-width, key KPI label, the maximum count.
    replications : int
        Replications used (of every scenario).
    reached : bool
        Whether every unit met the target at the last batch.
    relative_half_width : float
        The widest unit's half-width over ``|mean|`` at the last batch (NaN when not measurable).
    batches : list of int
        The total replication count after each batch.
    units : dict of str to float
        Each unit's relative half-width at the last batch (scenario label, or ``scenario:gate``).
    """

    target: float
    kpi: str
    replications: int
    reached: bool
    relative_half_width: float
    batches: list[int]
    max_replications: int
    units: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The ``precision`` block of the JSON files."""
        return {
            "target": self.target,
            "kpi": self.kpi,
            "replications": self.replications,
            "reached": self.reached,
            "relative_half_width": self.relative_half_width,
            "batches": list(self.batches),
            "max_replications": self.max_replications,
            "units": dict(self.units),
        }


def parse_precision_kpi(text: str) -> tuple[str, str, str]:
    """``[SCOPE:KEY:]KPI`` (a registry KPI, as ``--kpi`` of ``sensitivity``) as ``(scope, key, kpi)``.

    Raises
    ------
    ScenarioError
        An unknown KPI or a malformed text, naming ``--precision-kpi``.
    """
    try:
        target = parse_target(f"{text}<=0")
    except ScenarioError as exc:
        raise ScenarioError([Issue(OPTION, None, text, i.message) for i in exc.issues]) from None
    return target.scope, target.key, target.kpi


def check_goal(scenario: Scenario, goal: PrecisionGoal) -> None:
    """Raise :class:`ScenarioError` (naming ``--precision-kpi``) if the KPI's scope key is not in ``scenario``."""
    try:
        check_target(scenario, Target(goal.kpi, "<=", 0.0, goal.scope, goal.key), "all")
    except ScenarioError as exc:
        raise ScenarioError([Issue(OPTION, None, goal.label, i.message) for i in exc.issues]) from None


def relative_half_width(values: Any, level: float = 0.95) -> float:
    """The t-interval half-width over ``|mean|`` (NaN values left out; NaN with fewer than 2; 0 for 0/0)."""
    mean, low, high = t_interval(np.asarray(values, dtype=float), level)
    half = (high - low) / 2
    if half != half:
        return float("nan")
    if mean == 0:
        return 0.0 if half == 0 else float("inf")
    return float(half / abs(mean))


def _met(width: float, relative: float) -> bool:
    return width == width and width <= relative


def next_total(samples: Sequence[Any], done: int, goal: PrecisionGoal) -> int:
    """The replication count after the next batch (the batch rule of this module's docstring)."""
    needed = done + 1
    for values in samples:
        x = np.asarray(values, dtype=float)
        x = x[~np.isnan(x)]
        if len(x) < 2:
            needed = max(needed, 2 * done)
        elif not _met(relative_half_width(x), goal.relative):
            needed = max(needed, replications_needed(x, goal.relative, max_n=goal.max_replications))
    return min(needed, goal.max_replications)


def _batches(first: int, goal: PrecisionGoal, label: str, evaluate: Callable[[int], dict[str, Any]]) -> Precision:
    """Run batches (``evaluate(n)`` gives each unit's values at ``n`` replications) until the goal or the maximum."""
    n, history = first, []
    while True:
        samples = evaluate(n)
        history.append(n)
        widths = {unit: relative_half_width(v) for unit, v in samples.items()}
        reached = bool(widths) and all(_met(w, goal.relative) for w in widths.values())
        if reached or n >= goal.max_replications or not samples:
            break
        n = next_total(list(samples.values()), n, goal)
    worst = max(widths.values(), key=lambda w: np.inf if w != w else w) if widths else float("nan")
    return Precision(goal.relative, label, n, reached, float(worst), history, goal.max_replications, widths)


def _with_replications(scenario: Scenario, n: int) -> Scenario:
    return scenario if scenario.run.replications == n else load_scenario(scenario, [f"run.replications={n}"])


def _shifted(progress: Progress | Reporter | None, offset: int, total: int) -> Progress | Reporter | None:
    """``progress`` of a batch counted from ``offset`` done, out of the ``total`` of the run so far."""
    if progress is None:
        return None

    def update(done: float, _: int) -> None:
        progress(offset + done, total)

    return Reporter(update, progress.every_s) if isinstance(progress, Reporter) else update


class _Runs:
    """The replications of several scenarios run so far, extended batch by batch (new indices only)."""

    def __init__(self, scenarios: Sequence[Scenario], seed: int, event_log: str, log_dir: str | Path | None) -> None:
        self.scenarios, self.seed, self.event_log, self.log_dir = list(scenarios), seed, event_log, log_dir
        self.done: list[list[ReplicationResult]] = [[] for _ in self.scenarios]

    def extend(self, n: int, executor: Executor | None, cache: ReplicationCache | None, progress: Any) -> None:
        """Run replications ``len(done)..n-1`` of every scenario in one batch of tasks."""
        have = len(self.done[0])
        new = [
            replication_tasks(sc, n, self.seed, self.event_log, log_dir=self.log_dir)[have:] for sc in self.scenarios
        ]
        total = len(self.scenarios)
        batch = run_tasks(
            [t for tasks in new for t in tasks], executor, cache, _shifted(progress, have * total, n * total)
        )
        for i, done in enumerate(self.done):
            done.extend(batch[i * (n - have) : (i + 1) * (n - have)])

    def values(self, i: int, goal: PrecisionGoal) -> np.ndarray:
        """Scenario ``i``'s key KPI, one value per replication run so far."""
        out = []
        for r in self.done[i]:
            k = r.kpis
            sel = k[(k.scope == goal.scope) & (k.key == goal.key) & (k.kpi == goal.kpi)]["value"]
            out.append(float(sel.iloc[0]) if len(sel) else float("nan"))
        return np.array(out, dtype=float)

    def results(self, i: int) -> Results:
        """Scenario ``i``'s results, as a fixed run with this many replications gives them."""
        sc = _with_replications(self.scenarios[i], len(self.done[i]))
        return Results.from_replications(sc, self.seed, self.done[i])


def run_to_precision(
    scenario: Scenario,
    goal: PrecisionGoal,
    seed: int | None = None,
    event_log: str = "first",
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Progress | Reporter | None = None,
    log_dir: str | Path | None = None,
) -> tuple[Results, Precision]:
    """Run replications of ``scenario`` in batches until ``goal`` is met (or its maximum is reached).

    Parameters are as for :func:`simulator.experiments.replication.run`; the first batch is
    ``scenario.run.replications`` (at least 2). Returns the results (the same as a fixed run
    with ``precision.replications`` replications) and the :class:`Precision` reached.
    """
    check_goal(scenario, goal)
    scenario, warmup = resolve_warmup(scenario, executor, cache)  # warmup_days: auto, before any batch
    runs = _Runs([scenario], scenario.run.seed if seed is None else seed, event_log, log_dir)

    def evaluate(n: int) -> dict[str, Any]:
        runs.extend(n, executor, cache, progress)
        return {scenario.name: runs.values(0, goal)}

    precision = _batches(goal.first_batch(scenario.run.replications), goal, goal.label, evaluate)
    results = runs.results(0)
    results.warmup = warmup
    return results, precision


def compare_to_precision(
    scenarios: Sequence[Scenario],
    goal: PrecisionGoal,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Progress | Reporter | None = None,
    event_log: str = "first",
    level: float = 0.95,
) -> tuple[Comparison, Precision]:
    """A comparison (:func:`simulator.experiments.comparison.compare`) run in batches until every
    scenario's own mean of the key KPI meets ``goal``; the first batch is the base's replications."""
    prepared = prepare_scenarios(list(scenarios))
    prepared, warmup = common_warmup(prepared, executor, cache, None, 1)  # warmup_days: auto, one for all
    for _, sc in prepared:
        check_goal(sc, goal)
    first = prepared[0][1].run
    runs = _Runs([sc for _, sc in prepared], first.seed, event_log, None)
    labels = [label for label, _ in prepared]

    def evaluate(n: int) -> dict[str, Any]:
        runs.extend(n, executor, cache, progress)
        return {label: runs.values(i, goal) for i, label in enumerate(labels)}

    precision = _batches(goal.first_batch(first.replications), goal, goal.label, evaluate)
    results = {label: runs.results(i) for i, label in enumerate(labels)}
    for res in results.values():
        res.warmup = warmup
    return assemble(results, (first.seed, precision.replications, first.days), level), precision


def capacities_to_precision(
    scenarios: Sequence[Scenario],
    target: Target,
    scale: str,
    tolerance: float,
    goal: PrecisionGoal,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[list[CapacityResult]], Precision]:
    """Capacity searches (:func:`~simulator.experiments.capacity_each.find_capacities`) rerun with more
    replications until each searched gate's capacity CI half-width is within ``goal.relative`` of it.

    A search that is not found has no capacity to measure and is left out of the rule; with none
    found, the first batch is the last. With a cache, a rerun reads the replications it already ran.
    """
    found: list[list[CapacityResult]] = []

    def evaluate(n: int) -> dict[str, Any]:
        found[:] = find_capacities(
            [_with_replications(sc, n) for sc in scenarios], target, scale, tolerance, executor, cache, progress
        )
        return {
            f"{r.scenario}:{r.scale}": np.asarray(r.per_replication) * r.base_demand_per_day
            for row in found
            for r in row
            if r.found
        }

    first = max(sc.run.replications for sc in scenarios)
    return found, _batches(goal.first_batch(first), goal, CAPACITY, evaluate)
