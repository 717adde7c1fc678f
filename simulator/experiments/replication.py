"""Running replications: a pure, top-level replication function mapped over an executor.

Every task is one replication of one resolved scenario, so tasks spread over all workers.
Serial runs, process pools and Dask give identical results: each replication draws only
from its own named streams, and results are put back in task order. With a cache, each
finished replication is stored at once, so an interrupted run recomputes nothing that
finished.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from simulator.analysis.reducer import Reducer, Reduction
from simulator.engine.eventlog import Collector, Observer
from simulator.engine.model import Model
from simulator.engine.output import RunOutput
from simulator.experiments.cache import ReplicationCache
from simulator.experiments.executors import Executor, make_executor
from simulator.experiments.logfile import LogWriter, read_log
from simulator.experiments.progress import Heartbeats, Reporter, beater
from simulator.experiments.results import Results
from simulator.scenario.models import Scenario

__all__ = ["EVENT_LOG_CHOICES", "ReplicationResult", "Task", "run", "run_replication", "run_tasks"]

EVENT_LOG_CHOICES = ("all", "first", "none")
Progress = Callable[[float, int], None]


@dataclass(frozen=True)
class ReplicationResult:
    """What one replication is kept as: its reduction (KPIs, hourly levels, TRS and fee tables),
    and, when asked for, its event log as Parquet (``log_data`` in memory, or ``log_file`` on
    this machine; the same bytes either way) and its whole record (``output``, only in the
    process that ran it: it is neither cached nor needed to rebuild the results).
    """

    replication: int
    reduction: Reduction
    log_data: bytes | None = None
    output: RunOutput | None = None
    log_file: str | None = None

    @property
    def log(self) -> pd.DataFrame | None:
        """The event log as a table, when it was kept (from its Parquet bytes or file)."""
        if self.log_data is not None:
            return read_log(self.log_data)
        return read_log(Path(self.log_file)) if self.log_file is not None else None

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
    log_path: str | None = None  # with keep_log: stream the event log to this file (same machine)
    progress_path: str | None = None  # heartbeat file of the simulated share done (same machine)

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
    log_path: str | None = None,
    progress_path: str | None = None,
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
        Also keep the event log, as Parquet: in memory (with the whole record), or streamed to
        ``log_path``.
    demand_multiplier : float
        Scales every flow's arrival rate (common random numbers are kept).
    log_path : str, optional
        With ``keep_log``, write the event log to this Parquet file as the run goes instead of
        holding it in memory (:class:`~simulator.experiments.logfile.LogWriter`).
    progress_path : str, optional
        A heartbeat file rewritten with the simulated share done after every simulated week
        (:func:`simulator.experiments.progress.beat`).
    """
    model = Model(scenario, replication, seed, demand_multiplier)
    reducer = Reducer(model.layout)
    observers: list[Observer] = [reducer]
    collector = Collector() if keep_log and log_path is None else None
    writer = LogWriter(model.layout, log_path, scenario.digest()) if keep_log else None
    observers += [o for o in (collector, writer) if o is not None]
    model.run(observers, beater(progress_path))
    output = RunOutput.collect(model.layout, collector) if collector is not None else None
    data = writer.data if writer is not None else None
    file = log_path if keep_log and log_path is not None else None
    return ReplicationResult(replication, reducer.finish(), data, output, file)


def execute(task: Task) -> ReplicationResult:
    """Run one :class:`Task` (top-level, so it pickles to processes and Dask workers)."""
    return run_replication(
        task.scenario,
        task.replication,
        task.seed,
        task.keep_log,
        task.demand_multiplier,
        task.log_path,
        task.progress_path,
    )


def run_tasks(
    tasks: Sequence[Task],
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Progress | Reporter | None = None,
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
    progress : callable or Reporter, optional
        Called as ``progress(done, total)``, cached results included; a
        :class:`~simulator.experiments.progress.Reporter` is also called while replications
        run, counting their simulated share (when the workers share this machine's disk).
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
    if not todo:
        return [results[i] for i in range(total)]
    runner = executor if executor is not None else make_executor(1)
    beats = Heartbeats(progress, total) if isinstance(progress, Reporter) and _shares_disk(runner) else None
    sent = [tasks[i] if beats is None else replace(tasks[i], progress_path=beats.path(i)) for i in todo]
    if beats is not None:
        beats.start(results, todo)
    try:
        for j, result in runner.imap(execute, sent):
            index = todo[j]
            results[index] = result
            if cache is not None:
                cache.put(keys[index], result)
            if beats is not None:
                beats.report(len(results))
            elif progress is not None:
                progress(len(results), total)
    finally:
        if beats is not None:
            beats.stop()
    return [results[i] for i in range(total)]


def _shares_disk(executor: Executor) -> bool:
    """Whether the executor's workers see this machine's files (heartbeats, streamed logs)."""
    return bool(getattr(executor, "shares_disk", False))


def replication_tasks(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    event_log: str = "none",
    demand_multiplier: float = 1.0,
    log_dir: str | Path | None = None,
) -> list[Task]:
    """The tasks of one scenario's replications (the event log kept as ``event_log`` says; in
    files under ``log_dir`` when it is given, else in memory)."""
    n = scenario.run.replications if replications is None else replications
    if n < 1:
        raise ValueError(f"replications must be >= 1, got {n}")
    if event_log not in EVENT_LOG_CHOICES:
        raise ValueError(f"event_log must be one of {EVENT_LOG_CHOICES}, got {event_log!r}")
    seed = scenario.run.seed if seed is None else seed
    keep = {"all": n, "first": 1, "none": 0}[event_log]
    if log_dir is not None and keep:
        Path(log_dir).mkdir(parents=True, exist_ok=True)

    def path(r: int) -> str | None:
        return str(Path(log_dir) / f"{scenario.name}-replication-{r}.parquet") if log_dir is not None else None

    return [Task(scenario, r, seed, r < keep, demand_multiplier, path(r) if r < keep else None) for r in range(n)]


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    event_log: str = "all",
    progress: Progress | None = None,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    log_dir: str | Path | None = None,
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
    log_dir : str or Path, optional
        Stream the kept event logs to Parquet files in this folder (on this machine) instead of
        holding them in memory: how the command line writes ``trucks.parquet`` of long runs.

    Returns
    -------
    Results
        Summary with confidence intervals, per-replication KPIs, hourly levels and the event log.
        With ``run.warmup_days: auto``, a pilot chooses the warm-up first
        (:func:`simulator.experiments.warmup.resolve_warmup`); ``Results.warmup`` records how.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    from simulator.experiments.warmup import resolve_warmup  # it runs its pilot with run_tasks, of this module

    scenario, warmup = resolve_warmup(
        scenario, executor, cache, progress, replications=replications, seed=seed, jobs=jobs
    )
    tasks = replication_tasks(scenario, replications, seed, event_log, log_dir=log_dir)
    own = executor is None
    runner = make_executor(jobs) if executor is None else executor
    try:
        results = run_tasks(tasks, runner, cache, progress)
    finally:
        if own:
            runner.close()
    return Results.from_replications(scenario, tasks[0].seed, results, warmup)
