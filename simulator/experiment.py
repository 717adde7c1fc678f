"""Running replications: a pure, top-level replication function mapped over an executor.

Serial runs and process pools give byte-identical results: each replication draws only
from its own named streams, and results are put back in replication order.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from .config import Scenario
from .kpis import replication_kpis, timeseries
from .model import RunOutput, simulate
from .results import Results

__all__ = ["ReplicationResult", "run", "run_replication"]


@dataclass(frozen=True)
class ReplicationResult:
    """KPIs, hourly levels and (optionally) the raw records of one replication."""

    replication: int
    kpis: pd.DataFrame
    timeseries: pd.DataFrame
    output: RunOutput | None


def run_replication(
    scenario: Scenario, replication: int, seed: int | None = None, keep_log: bool = True
) -> ReplicationResult:
    """Simulate one replication and reduce it to KPIs.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    replication : int
        Replication index.
    seed : int, optional
        Overrides ``scenario.run.seed``.
    keep_log : bool
        Keep the event log in the result (it is pickled back from worker processes).
    """
    out = simulate(scenario, replication, seed)
    return ReplicationResult(replication, replication_kpis(out), timeseries(out), out if keep_log else None)


def _star(args: tuple[Scenario, int, int | None, bool]) -> ReplicationResult:
    return run_replication(*args)


EVENT_LOG_CHOICES = ("all", "first", "none")


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    event_log: str = "all",
    progress: Callable[[int, int], None] | None = None,
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
        Worker processes; 1 runs in this process. Results do not depend on it.
    event_log : {"all", "first", "none"}
        Which replications keep their event log (``Results.trucks``); KPIs never depend on it.
    progress : callable, optional
        Called as ``progress(done, total)`` after each replication.

    Returns
    -------
    Results
        Summary with confidence intervals, per-replication KPIs, hourly levels and the event log.
    """
    n = scenario.run.replications if replications is None else replications
    if n < 1:
        raise ValueError(f"replications must be >= 1, got {n}")
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    if event_log not in EVENT_LOG_CHOICES:
        raise ValueError(f"event_log must be one of {EVENT_LOG_CHOICES}, got {event_log!r}")
    seed = scenario.run.seed if seed is None else seed
    keep = {"all": n, "first": 1, "none": 0}[event_log]
    tasks: list[tuple[Scenario, int, int | None, bool]] = [(scenario, r, seed, r < keep) for r in range(n)]
    results = _map(tasks, jobs, progress)
    return Results.from_replications(scenario, seed, results)


def _map(
    tasks: list[tuple[Scenario, int, int | None, bool]],
    jobs: int,
    progress: Callable[[int, int], None] | None,
) -> list[ReplicationResult]:
    total = len(tasks)
    done: dict[int, ReplicationResult] = {}

    def finished(results: Iterable[ReplicationResult]) -> None:
        for res in results:
            done[res.replication] = res
            if progress is not None:
                progress(len(done), total)

    if jobs == 1 or total == 1:
        finished(_star(t) for t in tasks)
    else:
        pool = cf.ProcessPoolExecutor(max_workers=min(jobs, total))
        try:
            futures = [pool.submit(_star, t) for t in tasks]
            finished(f.result() for f in cf.as_completed(futures))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return [done[t[1]] for t in tasks]
