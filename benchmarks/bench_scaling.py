"""Scaling benchmark: our executors against a plain process-pool yardstick, side by side on one machine.

Every configuration maps the same replications of the benchmark's reference network
(``scenarios/examples/reference_network.yaml``, shortened to ``--days``):

* **ours, processes**: ``simulator.experiments.replication.run_tasks`` on ``ProcessExecutor(n)`` with no cache
  (what ``--jobs n --no-cache`` does): each task simulates one replication and reduces it to KPIs;
* **ours, Dask**: the same tasks on ``DaskExecutor("local", workers=n)`` (what ``--dask local --jobs n``
  starts: a ``LocalCluster`` of ``n`` single-threaded worker processes);
* **yardstick**: a bare ``concurrent.futures.ProcessPoolExecutor(n).map`` over
  ``benchmarks/bare_simpy_reference.py: run_reference(seed, hours)``, the same network in bare SimPy.

Each is timed with 1 worker and with ``--workers`` workers; its speedup is T(1) / T(n), taken within
one repeat (the order of the configurations rotates every repeat) and reported as the median over
repeats. The last figure is ours ÷ yardstick speedup (the aim is at least 95%).

What is timed: from submitting the tasks to holding every result. A process pool forks its workers
inside that time, as ``--jobs`` does. A Dask cluster is started, and its workers import the simulator,
before the clock starts: that start-up is a fixed cost per command, reported on its own line, and is
not part of scaling. The per-task overhead of Dask over local processes is measured on ``--tiny``
no-op tasks and, for real tasks, as (wall Dask - wall processes) / replications. The serial, process
and Dask results are checked to be identical.

Finally, the wall time of one ``capacity`` search on ``scenarios/lang_son_2024.yaml`` is measured
(``--capacity-days``, ``--capacity-replications``, ``--capacity-target``; on ``ProcessExecutor(n)``, no
cache), the same search as ``run_scenario.py capacity ... --jobs n --no-cache``.

Run ``python benchmarks/bench_scaling.py [--workers N] [--replications N] [--days N] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "examples" / "reference_network.yaml"
LANG_SON = ROOT / "scenarios" / "lang_son_2024.yaml"
SEED = 20240101
AIM = 0.95
sys.path.insert(0, str(ROOT / "benchmarks"))

from bare_simpy_reference import run_reference  # noqa: E402

import simulator  # noqa: E402
from simulator.experiments.capacity import find_capacity, parse_target  # noqa: E402
from simulator.experiments.executors import DaskExecutor, Executor, ProcessExecutor, SerialExecutor  # noqa: E402
from simulator.experiments.replication import ReplicationResult, Task, replication_tasks, run_tasks  # noqa: E402

CONFIGS = ("ours_jobs", "ours_dask", "yardstick")
LABELS = {
    "ours_jobs": "ours, --jobs (ProcessExecutor)",
    "ours_dask": "ours, --dask local (LocalCluster)",
    "yardstick": "yardstick (ProcessPoolExecutor, bare SimPy)",
}


def noop(x: int) -> int:
    """A task that does nothing: its wall time is pure scheduling and transport."""
    return x


def _warm_dask(workers: int) -> tuple[DaskExecutor, float]:
    """A LocalCluster of ``workers`` workers whose processes have already imported the simulator."""
    start = time.perf_counter()
    executor = DaskExecutor("local", workers=workers)
    executor.client.run(importlib.import_module, "simulator.experiments.replication")
    return executor, time.perf_counter() - start


def _time_ours(executor: Executor, tasks: list[Task]) -> tuple[float, list[ReplicationResult]]:
    start = time.perf_counter()
    results = run_tasks(tasks, executor, cache=None)
    return time.perf_counter() - start, results


def _time_yardstick(workers: int, seeds: list[int], hours: float) -> tuple[float, int]:
    pool = cf.ProcessPoolExecutor(max_workers=workers)
    try:
        start = time.perf_counter()
        done = sum(pool.map(run_reference, seeds, [hours] * len(seeds)))
        return time.perf_counter() - start, done
    finally:
        pool.shutdown()


def _time_tiny(executor: Executor, n: int) -> float:
    start = time.perf_counter()
    out = dict(executor.imap(noop, list(range(n))))
    assert out == {i: i for i in range(n)}
    return time.perf_counter() - start


def _identical(a: list[ReplicationResult], b: list[ReplicationResult]) -> bool:
    return len(a) == len(b) and all(
        x.replication == y.replication and x.kpis.equals(y.kpis) and x.timeseries.equals(y.timeseries)
        for x, y in zip(a, b)
    )


class Bench:
    """Runs and records every configuration at 1 and ``workers`` workers."""

    def __init__(self, workers: int, replications: int, days: int) -> None:
        self.workers = workers
        scenario = simulator.load_scenario(REFERENCE, [f"run.days={days}", f"run.replications={replications}"])
        self.tasks = replication_tasks(scenario, replications, SEED)
        self.hours = 24.0 * days
        self.seeds = [SEED + r for r in range(replications)]
        self.wall: dict[tuple[str, int], list[float]] = {(c, n): [] for c in CONFIGS for n in (1, workers)}
        self.dask_startup: list[float] = []
        self.results: dict[str, list[ReplicationResult]] = {}
        self.bare_done = 0

    def run(self, config: str, n: int) -> float:
        if config == "yardstick":
            seconds, self.bare_done = _time_yardstick(n, self.seeds, self.hours)
        elif config == "ours_jobs":
            executor = ProcessExecutor(n)
            try:
                seconds, self.results[f"jobs{n}"] = _time_ours(executor, self.tasks)
            finally:
                executor.close()
        else:
            dask, startup = _warm_dask(n)
            self.dask_startup.append(startup)
            try:
                seconds, self.results[f"dask{n}"] = _time_ours(dask, self.tasks)
            finally:
                dask.close()
        self.wall[(config, n)].append(seconds)
        return seconds

    def speedups(self, config: str) -> list[float]:
        return [one / many for one, many in zip(self.wall[(config, 1)], self.wall[(config, self.workers)])]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="workers of the parallel runs (default 2)")
    parser.add_argument("--replications", type=int, default=16, help="replications per run (default 16)")
    parser.add_argument("--days", type=int, default=14, help="reference network horizon in days (default 14)")
    parser.add_argument("--repeats", type=int, default=1, help="repeats of every configuration (default 1)")
    parser.add_argument("--tiny", type=int, default=400, help="no-op tasks for the per-task overhead (default 400)")
    parser.add_argument("--capacity-days", type=int, default=14, help="days of the capacity search (default 14)")
    parser.add_argument("--capacity-replications", type=int, default=4, help="replications per multiplier (4)")
    parser.add_argument("--capacity-target", default="time_in_system_h_p95<=24", help="capacity target")
    parser.add_argument("--skip-capacity", action="store_true", help="do not time the capacity search")
    args = parser.parse_args(argv)
    if args.workers < 2 or args.replications < 1 or args.days < 1 or args.repeats < 1:
        parser.error("--workers must be >= 2; --replications, --days and --repeats >= 1")
    cores = os.cpu_count() or 1
    n = args.workers

    print(
        f"reference network: {args.days} days ({24 * args.days} h), {args.replications} replications, "
        f"1 vs {n} workers, {args.repeats} repeat(s); {cores} cores"
        + (f" (fewer cores than --workers {n}: expect poor scaling)" if cores < n else "")
    )
    bench = Bench(n, args.replications, args.days)
    order = [(c, w) for c in CONFIGS for w in (1, n)]
    for r in range(args.repeats):
        shift = (2 * r) % len(order)
        for config, workers in order[shift:] + order[:shift]:
            seconds = bench.run(config, workers)
            print(f"  repeat {r + 1}: {LABELS[config]:<44} {workers:>2} worker(s) {seconds:7.2f} s", flush=True)

    serial_s, serial = _time_ours(SerialExecutor(), bench.tasks[:2])
    same = all(_identical(serial, res[:2]) for res in bench.results.values()) and _identical(
        bench.results[f"jobs{n}"], bench.results[f"dask{n}"]
    )

    print(f"\nmedian wall time (s) and speedup over 1 worker ({n} workers, {args.replications} replications)")
    print(f"  {'':<46}{'1 worker':>10}{f'{n} workers':>12}{'speedup':>10}")
    speedup = {}
    for config in CONFIGS:
        speedup[config] = _median(bench.speedups(config))
        one, many = _median(bench.wall[(config, 1)]), _median(bench.wall[(config, n)])
        print(f"  {LABELS[config]:<46}{one:>10.2f}{many:>12.2f}{speedup[config]:>9.2f}x")
    print(f"  bare SimPy: {bench.bare_done:,} trucks completed in the last yardstick run")
    for config in ("ours_jobs", "ours_dask"):
        ratio = speedup[config] / speedup["yardstick"]
        verdict = "meets" if ratio >= AIM else "BELOW"
        print(f"  ratio {LABELS[config]} / yardstick: {ratio:.1%} ({verdict} the {AIM:.0%} aim)")
    print(f"  serial, process and Dask results identical: {'yes' if same else 'NO'}")
    print(f"  (serial in this process: {serial_s / 2:.2f} s per replication)")

    print("\nDask overhead against local processes")
    print(f"  LocalCluster start-up incl. worker imports (median): {_median(bench.dask_startup):.2f} s per command")
    proc, dask = ProcessExecutor(n), _warm_dask(n)[0]
    try:
        _time_tiny(proc, n)  # fork the pool before timing
        tiny_proc = _median([_time_tiny(proc, args.tiny) for _ in range(3)])
        tiny_dask = _median([_time_tiny(dask, args.tiny) for _ in range(3)])
    finally:
        proc.close()
        dask.close()
    print(
        f"  {args.tiny} no-op tasks: processes {tiny_proc:.3f} s ({1e3 * tiny_proc / args.tiny:.2f} ms/task), "
        f"Dask {tiny_dask:.3f} s ({1e3 * tiny_dask / args.tiny:.2f} ms/task); "
        f"Dask overhead {1e3 * (tiny_dask - tiny_proc) / args.tiny:+.2f} ms/task"
    )
    for w in (1, n):
        extra = _median(bench.wall[("ours_dask", w)]) - _median(bench.wall[("ours_jobs", w)])
        print(
            f"  replications, {w} worker(s): (wall Dask - wall processes) / {args.replications} = "
            f"{1e3 * extra / args.replications:+.0f} ms/task"
        )

    if args.skip_capacity:
        return 0
    scenario = simulator.load_scenario(
        LANG_SON, [f"run.days={args.capacity_days}", f"run.replications={args.capacity_replications}"]
    )
    target = parse_target(args.capacity_target)
    executor = ProcessExecutor(n)
    try:
        seconds, cap = _timed(lambda: find_capacity(scenario, target, executor=executor, cache=None))
    finally:
        executor.close()
    print(
        f"\ncapacity search on {LANG_SON.name}: target {target}, {args.capacity_days} days, "
        f"{args.capacity_replications} replications per multiplier, tolerance 2%, {n} processes, no cache"
    )
    print(
        f"  wall {seconds:.1f} s for {len(cap.evaluations)} multipliers "
        f"({len(cap.evaluations) * args.capacity_replications} replications): capacity "
        f"{cap.capacity_per_day:,.0f} trucks/day (95% CI {cap.capacity_ci[0]:,.0f}-{cap.capacity_ci[1]:,.0f}), "
        f"x{cap.multiplier:.3f} today's demand, bottleneck {cap.bottleneck}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
