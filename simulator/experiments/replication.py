"""Running replications: a pure, top-level replication function mapped over an executor.

Every task is one replication of one resolved scenario, so tasks spread over all workers.
Serial runs, process pools and Dask give identical results: each replication draws only
from its own named streams, and results are put back in task order. With a cache, each
finished replication is stored at once, so an interrupted run recomputes nothing that
finished.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from simulator.analysis.reducer import Reducer, Reduction
from simulator.engine.eventlog import Collector, Observer
from simulator.engine.model import Model
from simulator.engine.output import RunOutput
from simulator.experiments.cache import ReplicationCache
from simulator.experiments.eventlog_frame import event_log_frame
from simulator.experiments.executors import Executor, make_executor
from simulator.experiments.results import Results
from simulator.scenario.models import Scenario

__all__ = ["EVENT_LOG_CHOICES", "ReplicationResult", "Task", "run", "run_replication", "run_tasks"]

EVENT_LOG_CHOICES = ("all", "first", "none")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReplicationResult:
    """What one replication is kept as: its reduction (KPIs, hourly levels, TRS and fee tables),
    and, when asked for, its event log as a table (``log``) and its whole record (``output``,
    only in the process that ran it: it is neither cached nor needed to rebuild the results).
    """

    replication: int
    reduction: Reduction
    log: pd.DataFrame | None = None
    output: RunOutput | None = None

    @property
    def kpis(self) -> pd.DataFrame:
        """``replication, scope, key, kpi, value``."""
        return self.reduction.kpis

    @property
    def timeseries(self) -> pd.DataFrame:
        """Hourly levels: ``replication, time_h, scope, key, metric, value``."""
        return self.reduction.timeseries()

    @property
    def trs(self) -> pd.DataFrame:
        """The replication's Time Release Study table."""
        return self.reduction.trs

    @property
    def fees(self) -> pd.DataFrame:
        """The replication's fees by gate and month."""
        return self.reduction.fees


@dataclass(frozen=True)
class Task:
    """One replication of one resolved scenario: the unit of work sent to executors."""

    scenario: Scenario
    replication: int
    seed: int
    keep_log: bool = False
    demand_multiplier: float = 1.0

    def cache_key(self) -> str:
        """Key of this task's reduction in a :class:`ReplicationCache` (the log does not change it)."""
        return ReplicationCache.key(
            self.scenario.result_digest(), self.seed, self.replication, demand_multiplier=self.demand_multiplier
        )


def run_replication(
    scenario: Scenario,
    replication: int,
    seed: int | None = None,
    keep_log: bool = True,
    demand_multiplier: float = 1.0,
) -> ReplicationResult:
    """Simulate one replication, reducing its events to KPIs as the run goes.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    replication : int
        Replication index.
    seed : int, optional
        Overrides ``scenario.run.seed``.
    keep_log : bool
        Also keep the event log (and the whole record) in the result.
    demand_multiplier : float
        Scales every flow's arrival rate (common random numbers are kept).
    """
    model = Model(scenario, replication, seed, demand_multiplier)
    reducer = Reducer(model.layout)
    observers: list[Observer] = [reducer]
    collector = Collector() if keep_log else None
    if collector is not None:
        observers.append(collector)
    model.run(observers)
    output = RunOutput.collect(model.layout, collector) if collector is not None else None
    log = event_log_frame(output) if output is not None else None
    return ReplicationResult(replication, reducer.finish(), log, output)


def execute(task: Task) -> ReplicationResult:
    """Run one :class:`Task` (top-level, so it pickles to processes and Dask workers)."""
    return run_replication(task.scenario, task.replication, task.seed, task.keep_log, task.demand_multiplier)


def run_tasks(
    tasks: Sequence[Task],
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Progress | None = None,
) -> list[ReplicationResult]:
    """Run tasks (cached ones are read back, not rerun) and return results in task order.

    Parameters
    ----------
    tasks : sequence of Task
        The replications to run.
    executor : Executor, optional
        Where to run them; serial by default.
    cache : ReplicationCache, optional
        Reads finished replications and stores each new one as soon as it finishes.
    progress : callable, optional
        Called as ``progress(done, total)``, cached results included.
    """
    total = len(tasks)
    results: dict[int, ReplicationResult] = {}
    keys = [t.cache_key() for t in tasks] if cache is not None else []
    if cache is not None:
        for i, key in enumerate(keys):
            hit = cache.get(key, with_log=tasks[i].keep_log)
            if hit is not None:
                results[i] = hit
    if progress is not None and results:
        progress(len(results), total)
    todo = [i for i in range(total) if i not in results]
    if todo:
        runner = executor if executor is not None else make_executor(1)
        for j, result in runner.imap(execute, [tasks[i] for i in todo]):
            index = todo[j]
            results[index] = result
            if cache is not None:
                cache.put(keys[index], result)
            if progress is not None:
                progress(len(results), total)
    return [results[i] for i in range(total)]


def replication_tasks(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    event_log: str = "none",
    demand_multiplier: float = 1.0,
) -> list[Task]:
    """The tasks of one scenario's replications (the event log kept as ``event_log`` says)."""
    n = scenario.run.replications if replications is None else replications
    if n < 1:
        raise ValueError(f"replications must be >= 1, got {n}")
    if event_log not in EVENT_LOG_CHOICES:
        raise ValueError(f"event_log must be one of {EVENT_LOG_CHOICES}, got {event_log!r}")
    seed = scenario.run.seed if seed is None else seed
    keep = {"all": n, "first": 1, "none": 0}[event_log]
    return [Task(scenario, r, seed, r < keep, demand_multiplier) for r in range(n)]


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    event_log: str = "all",
    progress: Progress | None = None,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
) -> Results:
    """Run replications of a scenario and summarise them.

    Parameters
    ----------
    scenario : Scenario
        From :func:`simulator.load_scenario`.
    replications : int, optional
        Defaults to ``scenario.run.replications``.
    seed : int, optional
        Defaults to ``scenario.run.seed``.
    jobs : int
        Worker processes when no ``executor`` is given; 1 runs in this process.
    event_log : {"all", "first", "none"}
        Which replications keep their event log (``Results.trucks``); KPIs never depend on it.
    progress : callable, optional
        Called as ``progress(done, total)`` after each replication.
    executor : Executor, optional
        Serial, processes or Dask (see :mod:`simulator.experiments.executors`); results do not depend on it.
    cache : ReplicationCache, optional
        Reuse finished replications and store new ones.

    Returns
    -------
    Results
        Summary with confidence intervals, per-replication KPIs, hourly levels and the event log.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    tasks = replication_tasks(scenario, replications, seed, event_log)
    own = executor is None
    runner = make_executor(jobs) if executor is None else executor
    try:
        results = run_tasks(tasks, runner, cache, progress)
    finally:
        if own:
            runner.close()
    return Results.from_replications(scenario, tasks[0].seed, results)
