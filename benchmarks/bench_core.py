"""Speed and memory of one replication (the targets of the "Layered package" issue), side by side.

Four figures, each measured in fresh child processes (so one measurement's memory or imports never
leak into another's) and, with ``--before DIR``, alternately for this checkout and for the
checkout in DIR (an earlier version of the project), so machine load affects both alike:

1. **reduction share**: CPU time of reducing a 28-day ``lang_son_2024`` replication to its KPIs,
   hourly series, TRS and fee tables, over the CPU time of simulating it (target <= 15%). Both
   are timed within the same run (the reduction's calls apart from the rest), so machine load
   affects the two alike; the share is the median over repeats.
2. **peak memory**: ``VmHWM`` of a child that runs one 365-day ``lang_son_2024`` replication and
   reduces it to its KPIs, with no event log kept (target <= 600 MiB).
3. **validate start-up**: CPU time (user + system) of ``python run_scenario.py validate
   scenarios/lang_son_2024.yaml``, median of repeats (target <= 0.6 s).
4. **engine against bare SimPy**: CPU time of the engine on the reference network (42 days) over
   that of ``benchmarks/bare_simpy_reference.py`` (written the fastest plain way), interleaved,
   median of per-repeat ratios (target <= 0.65).

Run ``python benchmarks/bench_core.py [--repeats N] [--before DIR] [--quick]``; it exits with
status 1 when a target of this checkout is not met (not checked with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"reduction_share": 0.15, "peak_mib": 600.0, "validate_cpu_s": 0.6, "engine_over_bare": 0.65}

_CHILD_COMMON = """
import gc, json, re, sys, time
sys.path.insert(0, {bench!r})
def hwm():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) / 1024
def cpu(fn):
    gc.collect(); t = time.process_time(); fn(); return time.process_time() - t
import simulator
NEW = hasattr(simulator, "RunFolder")  # the layered package
"""

_REDUCTION = _CHILD_COMMON + """
sc = simulator.load_scenario({scenario!r}, ["run.days={days}", "run.warmup_days=3"])
if NEW:
    from simulator.analysis.reducer import Reducer
    from simulator.engine.model import Model
    class Timed:  # the reducer, its CPU time counted apart from the simulation's
        def __init__(self, layout):
            self.reducer, self.cpu = Reducer(layout), 0.0
        def window(self, events):
            t = time.process_time(); self.reducer.window(events); self.cpu += time.process_time() - t
    def one():
        gc.collect()
        t = time.process_time()
        model = Model(sc, 0); timed = Timed(model.layout); model.run([timed])
        t_fin = time.process_time(); timed.reducer.finish(); end = time.process_time()
        reduce = timed.cpu + (end - t_fin)
        return reduce, (end - t) - reduce
else:
    from simulator.model import simulate
    from simulator.kpis import replication_kpis, timeseries
    from simulator.tables import fees_by_month, trs_table
    def one():
        gc.collect()
        t = time.process_time(); out = simulate(sc, 0); t_sim = time.process_time()
        replication_kpis(out); timeseries(out); trs_table(out); fees_by_month(out)
        return time.process_time() - t_sim, t_sim - t
one()  # warm-up: imports done on first use are not timed
shares = []
for r in range({repeats}):
    reduce, simulate_only = one()
    shares.append(reduce / simulate_only)
print(json.dumps({{"shares": shares}}))
"""

_MEMORY = _CHILD_COMMON + """
sc = simulator.load_scenario({scenario!r}, ["run.days={days}", "run.warmup_days=1"])
base = hwm()
if NEW:
    from simulator.experiments.replication import run_replication
else:
    from simulator.experiment import run_replication
result = run_replication(sc, 0, keep_log=False)
print(json.dumps({{"base_mib": base, "peak_mib": hwm()}}))
"""

_ENGINE = _CHILD_COMMON + """
from bare_simpy_reference import run_reference
sc = simulator.load_scenario({reference!r}, ["run.days={days}"])
hours = 24.0 * {days}
simulator.simulate(sc, 0); run_reference(20240101, hours)  # warm-up: first-use imports are not timed
ratios, ours, bare = [], [], []
for r in range({repeats}):
    pair = {{}}
    for name in (("bare", "ours") if r % 2 == 0 else ("ours", "bare")):
        fn = (lambda: simulator.simulate(sc, 0)) if name == "ours" else (lambda: run_reference(20240101, hours))
        pair[name] = cpu(fn)
    ratios.append(pair["ours"] / pair["bare"]); ours.append(pair["ours"]); bare.append(pair["bare"])
print(json.dumps({{"ratios": ratios, "ours_s": ours, "bare_s": bare}}))
"""


def _child(tree: Path, code: str, **values: Any) -> dict[str, Any]:
    """Run ``code`` (formatted with ``values``) in a fresh interpreter that imports ``tree``'s package."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    script = code.format(bench=str(ROOT / "benchmarks"), **values)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench_core: a measurement failed in {tree}:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _validate_cpu(tree: Path, repeats: int) -> list[float]:
    """CPU seconds (user + system) of each ``validate`` start-up of ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    times = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [sys.executable, "run_scenario.py", "validate", "scenarios/lang_son_2024.yaml"],
            cwd=tree,
            env=env,
            capture_output=True,
            check=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return times


def _measure(tree: Path, args: argparse.Namespace) -> dict[str, float]:
    scenario = str(tree / "scenarios" / "lang_son_2024.yaml")
    reference = str(tree / "scenarios" / "examples" / "reference_network.yaml")
    red = _child(tree, _REDUCTION, scenario=scenario, days=args.reduction_days, repeats=args.repeats)
    mem = _child(tree, _MEMORY, scenario=scenario, days=args.memory_days)
    eng = _child(tree, _ENGINE, reference=reference, days=args.engine_days, repeats=args.repeats)
    val = _validate_cpu(tree, max(3, args.repeats))
    return {
        "reduction_share": statistics.median(red["shares"]),
        "peak_mib": mem["peak_mib"],
        "validate_cpu_s": statistics.median(val),
        "engine_over_bare": statistics.median(eng["ratios"]),
        "engine_cpu_s": statistics.median(eng["ours_s"]),
        "bare_cpu_s": statistics.median(eng["bare_s"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repeats of each timing (default 5)")
    parser.add_argument("--before", type=Path, help="a checkout of an earlier version, measured alternately")
    parser.add_argument("--quick", action="store_true", help="short horizons and 1 repeat: a smoke run, no check")
    args = parser.parse_args(argv)
    args.reduction_days, args.memory_days, args.engine_days = (7, 28, 7) if args.quick else (28, 365, 42)
    if args.quick:
        args.repeats = 1
    trees = [("this checkout", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    rounds = 1 if args.quick else 2
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
    started = time.perf_counter()
    for r in range(rounds):  # alternate the trees, so a slow spell of the machine hits both
        for name, tree in trees if r % 2 == 0 else trees[::-1]:
            results[name].append(_measure(tree, args))
    figures = {name: {k: statistics.median(m[k] for m in runs) for k in runs[0]} for name, runs in results.items()}
    print(f"bench_core: {rounds} round(s) of {args.repeats} repeat(s), {time.perf_counter() - started:.0f} s")
    rows = [
        ("reduction share of the simulation, 28-day lang_son_2024", "reduction_share", "{:.1%}"),
        ("peak RSS, one 365-day lang_son_2024 replication + KPIs (MiB)", "peak_mib", "{:,.0f}"),
        ("validate lang_son_2024.yaml, CPU (s)", "validate_cpu_s", "{:.2f}"),
        ("engine / bare SimPy CPU, reference network", "engine_over_bare", "{:.2f}"),
        ("  engine CPU (s)", "engine_cpu_s", "{:.2f}"),
        ("  bare SimPy CPU (s)", "bare_cpu_s", "{:.2f}"),
    ]
    names = [name for name, _ in trees]
    print(f"  {'':<64}" + "".join(f"{n:>16}" for n in names) + f"{'target':>10}")
    for label, key, pattern in rows:
        target = TARGETS.get(key)
        cells = "".join(f"{pattern.format(figures[n][key]):>16}" for n in names)
        print(f"  {label:<64}{cells}{'' if target is None else pattern.format(target):>10}")
    failed = [k for k, limit in TARGETS.items() if figures["this checkout"][k] > limit]
    if failed and not args.quick:
        print(f"bench_core: FAIL: over target: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
