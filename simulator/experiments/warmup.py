"""``run.warmup_days: auto``: the warm-up chosen by MSER-5 on a pilot of the scenario itself.

The pilot runs the scenario with ``warmup_days: 0`` for ``min(replications, 5)`` replications,
on the run's own seed and replication numbers 0, 1, ...: its random streams are those of the
first replications of the run that follows (common random numbers), and the hourly series
does not depend on the warm-up, so the pilot's series is exactly the one the run writes to
``timeseries.parquet`` for those replications, and the choice can be checked from the result
folder. Five replications are enough to smooth the series that MSER reads (its noise falls as
``1/sqrt(5)``) and keep the pilot's cost fixed whatever the run's size; fewer are used when
the run has fewer.

The series is the hourly mean number of trucks in the whole system (the sum of the gates'
``in_system`` levels), averaged over the pilot's replications. MSER-5
(:func:`simulator.analysis.output_analysis.mser`, batches of 5 hours) searches the first half of the
run, as usual: MSER's statistic divides by the square of the batches kept, so with only a few
batches left it finds spurious minima (searched up to three quarters from the start, a
stationary M/M/1 at rho = 0.85 over 14 days was cut at 9.6 days in one of 12 seeds). When the
minimum lies at the end of that half, which a late excursion can cause as well as a trend (an
M/M/1 at rho = 0.8 with a busy day 6 of 14), the search is extended to three quarters: a
minimum still past half the run means there is no steady state within the run (run longer,
or the system is overloaded), and that is an error naming the file and line of
``run.warmup_days``. The truncation is rounded up to whole days (a 1-day run can therefore
only resolve to 0). A comparison or a capacity study needs one warm-up for all its scenarios:
it uses the largest of their truncations (:func:`resolve_warmups`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.analysis.output_analysis import mser
from simulator.experiments.cache import ReplicationCache
from simulator.experiments.executors import Executor, make_executor
from simulator.experiments.replication import ReplicationResult, replication_tasks, run_tasks
from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.models import Scenario

__all__ = [
    "BATCH",
    "EXTENDED_FRACTION",
    "PILOT_REPLICATIONS",
    "SEARCH_FRACTION",
    "WarmupChoice",
    "resolve_warmup",
    "resolve_warmups",
]

#: Most replications of a pilot.
PILOT_REPLICATIONS = 5
#: MSER batch size, in hourly observations (MSER-5).
BATCH = 5
#: Share of the run MSER searches over first (the usual half).
SEARCH_FRACTION = 0.5
#: Share searched when the first search's minimum lies at its end.
EXTENDED_FRACTION = 0.75
Progress = Callable[[float, int], None]


@dataclass(frozen=True)
class WarmupChoice:
    """How ``warmup_days: auto`` was resolved.

    Attributes
    ----------
    days : int
        The warm-up used, in whole days.
    truncation_h : float
        The MSER-5 truncation, in hours (the largest, for several scenarios).
    batch : int
        MSER batch size (hours).
    pilot_replications : int
        Replications of each pilot.
    at_limit : bool
        Whether the first search's minimum lay at its end, half the run (it was then extended to
        :data:`EXTENDED_FRACTION`), for any of the scenarios.
    run_days : int
        The run's length.
    by_scenario_h : dict of str to float
        Each scenario's own truncation, in hours, when one warm-up serves several.
    """

    days: int
    truncation_h: float
    batch: int
    pilot_replications: int
    at_limit: bool
    run_days: int
    by_scenario_h: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The ``warmup`` entry of ``manifest.json``."""
        return {
            "warmup_days": "auto",
            "resolved_days": self.days,
            "method": f"MSER-{self.batch}",
            "series": "trucks in the system (all gates), hourly mean over the pilot's replications",
            "truncation_h": self.truncation_h,
            "batch": self.batch,
            "pilot_replications": self.pilot_replications,
            "search_fraction": SEARCH_FRACTION,
            "extended_fraction": EXTENDED_FRACTION if self.at_limit else None,
            "at_limit": self.at_limit,
            "run_days": self.run_days,
            "by_scenario_h": dict(self.by_scenario_h),
            "common": "largest" if len(self.by_scenario_h) > 1 else None,
        }

    def describe(self) -> str:
        """One line for the console, e.g. ``warm-up: auto → 3 days (MSER-5 on ...)``."""
        unit = "day" if self.days == 1 else "days"
        how = f"MSER-{self.batch} on the in-system series of a {self.pilot_replications}-replication pilot"
        if len(self.by_scenario_h) <= 1:
            return f"warm-up: auto → {self.days} {unit} ({how}; {self.truncation_h:g} h deleted, rounded up)"
        each = ", ".join(f"{name} {h:g} h" for name, h in self.by_scenario_h.items())
        return f"warm-up: auto → {self.days} {unit}, the largest of the scenarios' truncations ({how} each: {each})"


def in_system_series(results: Sequence[ReplicationResult]) -> np.ndarray:
    """Hourly trucks in the whole system (sum of the gates' ``in_system``), averaged over replications."""
    rows = []
    for r in results:
        red = r.reduction
        picked = [i for i, (scope, _, metric) in enumerate(red.series) if scope == "gate" and metric == "in_system"]
        rows.append(red.hourly[picked].sum(axis=0))
    return np.mean(rows, axis=0)


def _truncation(scenario: Scenario, series: np.ndarray) -> tuple[float, bool]:
    """MSER-5 truncation in hours, and whether the first search hit its bound (and was extended).

    Raises :class:`ScenarioError` past half the run.
    """
    first = mser(series, BATCH, SEARCH_FRACTION)
    # at the end of the first half: a late excursion, or a trend; look further to tell them apart
    result = mser(series, BATCH, EXTENDED_FRACTION) if first.at_limit else first
    hours, run_days = float(result.truncation), scenario.run.days
    days = math.ceil(hours / 24.0)
    if hours > run_days * 12.0 or days >= run_days:
        file, line = scenario.warmup_origin()
        deleted = f"at least {hours / 24:.1f}" if result.at_limit else f"{hours / 24:.1f}"
        why = "more than half the run" if hours > run_days * 12.0 else "the whole run once rounded up to whole days"
        message = (
            f"auto: MSER-{BATCH} deletes {deleted} of {run_days} days, {why}: no steady state within the run "
            "(run longer, or the system is overloaded)"
        )
        raise ScenarioError([Issue(file, line, "run.warmup_days", message)])
    return hours, first.at_limit


def _with_warmup(scenario: Scenario, days: int) -> Scenario:
    """``scenario`` with an integer warm-up (validated again, as ``--set`` would be)."""
    data = scenario.model_dump(mode="json")
    data["run"]["warmup_days"] = days
    return Scenario.model_validate(data)


def resolve_warmups(
    scenarios: Sequence[Scenario],
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Progress | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    labels: Sequence[str] | None = None,
) -> tuple[list[Scenario], WarmupChoice | None]:
    """Resolve ``warmup_days: auto`` of several scenarios to one common warm-up: the largest truncation.

    Scenarios with a number keep it; those with ``auto`` all get the common warm-up. Their
    pilots run as one batch of tasks.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The scenarios of a comparison or capacity study.
    executor, cache, progress
        As for :func:`simulator.run` (``progress`` counts the pilots' replications); without an
        executor, one of ``jobs`` processes is made for the pilots and closed after them.
    replications, seed : int, optional
        The run's replications and seed (default: each scenario's ``run`` values).
    jobs : int
        Worker processes of the pilots when no ``executor`` is given.
    labels : sequence of str, optional
        The scenarios' names in the record (default: their ``name``; a comparison's labels are distinct).

    Returns
    -------
    tuple of (list of Scenario, WarmupChoice or None)
        The scenarios with integer warm-ups, and how the common one was chosen (None when no
        scenario said ``auto``: the scenarios are returned unchanged).

    Raises
    ------
    ScenarioError
        When a truncation exceeds half the run, naming the file and line of ``run.warmup_days``.
    """
    auto = [i for i, sc in enumerate(scenarios) if sc.run.warmup_auto]
    if not auto:
        return list(scenarios), None
    pilots = [_with_warmup(scenarios[i], 0) for i in auto]
    counts = [min(replications or sc.run.replications, PILOT_REPLICATIONS) for sc in pilots]
    task_lists = [replication_tasks(sc, n, seed) for sc, n in zip(pilots, counts)]
    runner = executor if executor is not None else make_executor(jobs)
    try:
        done = run_tasks([t for tasks in task_lists for t in tasks], runner, cache, progress)
    finally:
        if executor is None:
            runner.close()
    names = list(labels) if labels is not None else [sc.name for sc in scenarios]
    found, start = {}, 0
    for i, tasks in zip(auto, task_lists):
        found[names[i]] = _truncation(scenarios[i], in_system_series(done[start : start + len(tasks)]))
        start += len(tasks)
    hours = max(h for h, _ in found.values())
    days = math.ceil(hours / 24.0)
    choice = WarmupChoice(
        days,
        hours,
        BATCH,
        max(counts),
        any(limit for _, limit in found.values()),
        scenarios[auto[0]].run.days,
        {name: h for name, (h, _) in found.items()} if len(scenarios) > 1 else {},
    )
    return [_with_warmup(sc, days) if sc.run.warmup_auto else sc for sc in scenarios], choice


def resolve_warmup(
    scenario: Scenario,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Progress | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
) -> tuple[Scenario, WarmupChoice | None]:
    """The scenario with ``warmup_days: auto`` resolved by MSER-5 on a pilot (see the module notes).

    A scenario whose warm-up is a number is returned unchanged, with None and nothing run.
    Parameters and errors are those of :func:`resolve_warmups`.

    Examples
    --------
    >>> import simulator
    >>> sc = simulator.load_scenario("scenarios/examples/mm1.yaml", ["run.days=4", "run.warmup_days=auto"])
    >>> resolved, choice = resolve_warmup(sc, replications=2)
    >>> resolved.run.warmup_days == choice.days, choice.pilot_replications
    (True, 2)
    """
    resolved, choice = resolve_warmups(
        [scenario], executor, cache, progress, replications=replications, seed=seed, jobs=jobs
    )
    return resolved[0], choice
