"""Engine benchmark: the simulator against bare SimPy on the reference network, plus the Lạng Sơn gate model.

Both versions run the reference network (``scenarios/examples/reference_network.yaml`` and
``benchmarks/bare_simpy_reference.py``) over the same horizon: the scenario's ``run.days`` (42 days =
1,008 h, since ``run.days`` is an integer), with the bare version given ``hours = 24 * days``. Runs are
interleaved (the order alternates every repeat) and the medians are reported; the time ratio is the
median of the per-repeat ratios ours / bare, measured back to back, so machine load largely cancels. It is
given for wall time and for CPU time of this process (``time.process_time``), the steadier of the two on a
shared machine.

"ours" is ``simulator.simulate(scenario, 0)``: setup, sampling, the SimPy run and the event log.
The KPI reduction ``simulator.analysis.kpis.replication_kpis`` is timed separately. Trucks/s counts trucks that
completed their route before the horizon. Peak memory is the peak resident set size (``VmHWM`` in
``/proc/self/status``, Linux) of a fresh subprocess per version that imports only what it needs, read
after the imports and again after one run.

The Lạng Sơn gate model (the requirement of the gate-model issue): one replication of
``scenarios/lang_son_2024.yaml`` over one simulated year (``--set run.days=365 --set run.warmup_days=1``),
``simulator.engine.model.simulate(scenario, 0)`` timed alone; ``replication_kpis`` is timed separately. Each repeat
runs the year, the core engine on the reference network and bare SimPy on it, in an order that rotates
every repeat. Here trucks means trucks that arrived (``len(out.t_arrive)``; for bare SimPy, the arrivals
it draws), and trucks/s is per CPU second (and per wall second). The criterion is the median of the
per-repeat CPU ratios gate model / core engine trucks per second: at least 0.5 (the richer model within
2x of the core engine); the benchmark exits with status 1 when it is not met (not checked with
``--quick``). The year's peak memory is ``VmHWM`` of a fresh subprocess, as above.

Run ``python benchmarks/bench_engine.py [--repeats N] [--quick] [--lang-son PATH] [--year-days N] [--year-only]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "examples" / "reference_network.yaml"
LANG_SON = ROOT / "scenarios" / "lang_son_2024.yaml"
SEED = 20240101
TARGET_RATIO, AIM_RATIO, TARGET_BYTES = 1.5, 1.25, 64.0
YEAR_DAYS, YEAR_WARMUP_DAYS = 365, 1
MIN_GATE_SHARE = 0.5  # gate-model trucks/s >= 0.5 x the core engine's on the reference network
REPEATS_REFERENCE, REPEATS_YEAR = 5, 3
sys.path.insert(0, str(ROOT / "benchmarks"))

from bare_simpy_reference import _draws, run_reference  # noqa: E402

import simulator  # noqa: E402
from simulator.analysis.kpis import replication_kpis  # noqa: E402
from simulator.engine.model import simulate  # noqa: E402
from simulator.levers.load import load_scenario  # noqa: E402


def _load(path: Path, days: int | None) -> simulator.Scenario:
    overrides = ["run.replications=1"] + ([f"run.days={days}"] if days is not None else [])
    return simulator.load_scenario(path, overrides)


def _completed(out: simulator.RunOutput) -> int:
    return int(np.isfinite(out.t_exit).sum())


T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[float, float, T]:
    """Wall seconds, CPU seconds of this process, and the result of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


# VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts at its parent's peak (it survives fork + exec)
_CHILD = """
import json, re, sys
sys.path.insert(0, {bench!r})
def hwm(): return int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) / 1024
{setup}
base = hwm()
result = {call}
print(json.dumps({{"base_mib": base, "peak_mib": hwm()}}))
"""


def _memory_of(setup: str, call: str) -> dict[str, float]:
    """Peak RSS (VmHWM) after ``setup`` and after ``call``, in a fresh subprocess."""
    code = _CHILD.format(bench=str(ROOT / "benchmarks"), setup=setup, call=call)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def _memory(which: str, days: int) -> dict[str, float]:
    """Peak RSS of one run in a fresh subprocess that imports only what its version needs."""
    if which == "ours":
        overrides = ["run.replications=1", f"run.days={days}"]
        setup = f"import simulator\nscenario = simulator.load_scenario({str(REFERENCE)!r}, {overrides!r})"
        call = "simulator.simulate(scenario, 0)"
    else:
        setup, call = "from bare_simpy_reference import run_reference", f"run_reference({SEED}, {24.0 * days})"
    return _memory_of(setup, call)


def _memory_scenario(path: Path, overrides: list[str]) -> dict[str, float]:
    """Peak RSS of ``simulator.engine.model.simulate(scenario, 0)`` of ``path`` in a fresh subprocess."""
    setup = (
        "from simulator.levers.load import load_scenario\nfrom simulator.engine.model import simulate\n"
        f"scenario = load_scenario({str(path)!r}, overrides={overrides!r})"
    )
    return _memory_of(setup, "simulate(scenario, 0)")


def _row(name: str, *cells: str) -> None:
    print(f"  {name:<44}" + "".join(f"{c:>16}" for c in cells))


def _reference(days: int, repeats: int) -> None:
    """The core engine against bare SimPy on the reference network (the core issue's benchmark)."""
    scenario = _load(REFERENCE, days)
    hours = 24.0 * days
    print(f"reference network: {days} days = {hours:g} h for both, {repeats} interleaved repeat(s), seed {SEED}")
    times: dict[str, list[float]] = {key: [] for key in ("ours", "ours_cpu", "bare", "bare_cpu", "kpis")}
    out: simulator.RunOutput | None = None
    bare_done = 0
    for r in range(repeats):
        for which in ("bare", "ours") if r % 2 == 0 else ("ours", "bare"):
            if which == "ours":
                wall, cpu, run_out = _timed(partial(simulator.simulate, scenario, 0))
                times["kpis"].append(_timed(partial(replication_kpis, run_out))[0])
                out = run_out
            else:
                wall, cpu, bare_done = _timed(partial(run_reference, SEED, hours))
            times[which].append(wall)
            times[f"{which}_cpu"].append(cpu)
        print(
            f"  repeat {r + 1}: ours {times['ours'][-1]:6.2f} s (+ KPIs {times['kpis'][-1]:5.2f} s), "
            f"bare SimPy {times['bare'][-1]:6.2f} s, ratio {times['ours'][-1] / times['bare'][-1]:5.2f} wall, "
            f"{times['ours_cpu'][-1] / times['bare_cpu'][-1]:5.2f} CPU"
        )
    assert out is not None
    med = {key: statistics.median(values) for key, values in times.items()}
    ratio = {kind: [o / b for o, b in zip(times[f"ours{kind}"], times[f"bare{kind}"])] for kind in ("", "_cpu")}
    ours_done = _completed(out)
    n_visits = len(out.visits.t_queue)
    bytes_per_visit = out.visits.nbytes / n_visits if n_visits else float("nan")
    mem = {which: _memory(which, days) for which in ("ours", "bare")}

    print()
    _row("", "ours", "bare SimPy")
    _row("trucks completed", f"{ours_done:,}", f"{bare_done:,}")
    _row("median wall time (s)", f"{med['ours']:.2f}", f"{med['bare']:.2f}")
    _row("median CPU time (s)", f"{med['ours_cpu']:.2f}", f"{med['bare_cpu']:.2f}")
    _row("trucks per second (median wall)", f"{ours_done / med['ours']:,.0f}", f"{bare_done / med['bare']:,.0f}")
    _row("trucks per CPU second (median)", f"{ours_done / med['ours_cpu']:,.0f}", f"{bare_done / med['bare_cpu']:,.0f}")
    _row("peak RSS, VmHWM (MiB)", f"{mem['ours']['peak_mib']:.0f}", f"{mem['bare']['peak_mib']:.0f}")
    _row("  of which after imports (MiB)", f"{mem['ours']['base_mib']:.0f}", f"{mem['bare']['base_mib']:.0f}")
    _row(
        "  run's own peak (MiB)",
        f"{mem['ours']['peak_mib'] - mem['ours']['base_mib']:.0f}",
        f"{mem['bare']['peak_mib'] - mem['bare']['base_mib']:.0f}",
    )
    _row("KPI reduction replication_kpis (s, median)", f"{med['kpis']:.3f}", "-")
    _row("event-log bytes per stage visit", f"{bytes_per_visit:.1f}", "-")
    _row("stage visits logged", f"{n_visits:,}", "-")
    print(f"\n  time ratio ours / bare (median of per-repeat ratios; target <= {TARGET_RATIO}, aim {AIM_RATIO}):")
    for kind, label in (("", "wall"), ("_cpu", "CPU")):
        mid = statistics.median(ratio[kind])
        verdict = "ok" if mid <= TARGET_RATIO else "OVER TARGET"
        print(f"    {label:<5}{mid:.2f} (range {min(ratio[kind]):.2f}-{max(ratio[kind]):.2f}): {verdict}")
    ok_bytes = "ok" if bytes_per_visit <= TARGET_BYTES else "OVER TARGET"
    print(f"  bytes per stage visit: {bytes_per_visit:.1f}; target <= {TARGET_BYTES:g}: {ok_bytes}")


VERSIONS = ("gate", "core", "bare")  # the gate model's year, the core engine and bare SimPy on the reference network


def _year(path: Path, year_days: int, ref_days: int, repeats: int, check: bool) -> int:
    """The gate model's year against the core engine and bare SimPy; 1 if the 2x requirement fails."""
    overrides = [f"run.days={year_days}", f"run.warmup_days={min(YEAR_WARMUP_DAYS, year_days - 1)}"]
    gate_scenario = load_scenario(path, overrides=overrides)
    core_scenario = _load(REFERENCE, ref_days)
    hours = 24.0 * ref_days
    bare_arrived = len(_draws(SEED, hours)["t"])
    print(
        f"\nLạng Sơn gate model: {path.name} with --set {' --set '.join(overrides)}, replication 0, against the "
        f"core engine and bare SimPy on the reference network ({ref_days} days), {repeats} interleaved repeat(s)"
    )
    calls: dict[str, Callable[[], object]] = {
        "gate": partial(simulate, gate_scenario, 0),
        "core": partial(simulate, core_scenario, 0),
        "bare": partial(run_reference, SEED, hours),
    }
    wall: dict[str, list[float]] = {v: [] for v in VERSIONS}
    cpu: dict[str, list[float]] = {v: [] for v in VERSIONS}
    kpi_wall: list[float] = []
    kpi_cpu: list[float] = []
    arrived: dict[str, int] = {"bare": bare_arrived}
    completed: dict[str, int] = {}
    visits: dict[str, int] = {}
    for r in range(repeats):
        order = VERSIONS[r % 3 :] + VERSIONS[: r % 3]
        for which in order:
            gc.collect()
            w, c, result = _timed(calls[which])
            wall[which].append(w)
            cpu[which].append(c)
            if isinstance(result, int):
                completed[which] = result
                continue
            assert isinstance(result, simulator.RunOutput)
            arrived[which], completed[which] = len(result.t_arrive), _completed(result)
            visits[which] = len(result.visits.t_queue)
            if which == "gate":
                kw, kc, _ = _timed(partial(replication_kpis, result))
                kpi_wall.append(kw)
                kpi_cpu.append(kc)
            del result
        share = (arrived["gate"] / cpu["gate"][-1]) / (arrived["core"] / cpu["core"][-1])
        print(
            f"  repeat {r + 1} ({', '.join(order)}): CPU s gate {cpu['gate'][-1]:6.2f} (+ KPIs {kpi_cpu[-1]:5.2f}), "
            f"core {cpu['core'][-1]:5.2f}, bare {cpu['bare'][-1]:5.2f}; gate/core trucks per CPU-s {share:.2f}"
        )

    def rates(which: str, times: list[float]) -> list[float]:
        return [arrived[which] / t for t in times]

    tps = {(v, kind): rates(v, times[v]) for v in VERSIONS for kind, times in (("cpu", cpu), ("wall", wall))}
    ratios = {
        (num, den, kind): [a / b for a, b in zip(tps[num, kind], tps[den, kind])]
        for num, den in (("gate", "core"), ("gate", "bare"), ("core", "bare"))
        for kind in ("cpu", "wall")
    }
    mem = _memory_scenario(path, overrides)

    print()
    _row("", "gate model", "core engine", "bare SimPy")
    _row("network", path.stem, "reference", "reference")
    _row("simulated horizon", f"{year_days} d", f"{ref_days} d", f"{hours:g} h")
    _row("trucks arrived (len(out.t_arrive))", *(f"{arrived[v]:,}" for v in VERSIONS))
    _row("trucks completed", *(f"{completed[v]:,}" for v in VERSIONS))
    _row("stage visits logged", f"{visits['gate']:,}", f"{visits['core']:,}", "-")
    _row("median CPU time of the run (s)", *(f"{statistics.median(cpu[v]):.2f}" for v in VERSIONS))
    _row("median wall time of the run (s)", *(f"{statistics.median(wall[v]):.2f}" for v in VERSIONS))
    _row("trucks per CPU second (median)", *(f"{statistics.median(tps[v, 'cpu']):,.0f}" for v in VERSIONS))
    _row("trucks per wall second (median)", *(f"{statistics.median(tps[v, 'wall']):,.0f}" for v in VERSIONS))
    _row("KPI reduction, CPU s (median)", f"{statistics.median(kpi_cpu):.2f}", "-", "-")
    _row("KPI reduction, wall s (median)", f"{statistics.median(kpi_wall):.2f}", "-", "-")
    _row("peak RSS of the run, VmHWM (MiB)", f"{mem['peak_mib']:.0f}", "-", "-")
    _row("  of which after imports + load (MiB)", f"{mem['base_mib']:.0f}", "-", "-")
    _row("  run's own peak (MiB)", f"{mem['peak_mib'] - mem['base_mib']:.0f}", "-", "-")
    print("\n  trucks-per-second ratios (median of per-repeat ratios, range):")
    for num, den in (("gate", "core"), ("gate", "bare"), ("core", "bare")):
        cells = []
        for kind in ("cpu", "wall"):
            values = ratios[num, den, kind]
            cells.append(f"{statistics.median(values):.2f} {kind} ({min(values):.2f}-{max(values):.2f})")
        print(f"    {num} / {den}: " + ", ".join(cells))
    share = statistics.median(ratios["gate", "core", "cpu"])
    verdict = "ok" if share >= MIN_GATE_SHARE else "FAILS"
    print(
        f"  requirement: gate-model trucks per CPU second >= {MIN_GATE_SHARE} x the core engine's "
        f"(within {1 / MIN_GATE_SHARE:g}x): {share:.2f}, {verdict}" + ("" if check else " (not checked with --quick)")
    )
    if check and share < MIN_GATE_SHARE:
        print(
            f"bench_engine: FAIL: the gate model runs {share:.2f} x the core engine's trucks per CPU second "
            f"({statistics.median(tps['gate', 'cpu']):,.0f} vs {statistics.median(tps['core', 'cpu']):,.0f}); "
            f"the requirement is >= {MIN_GATE_SHARE}",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats",
        "--repeat",
        type=int,
        default=None,
        help=f"interleaved repeats of each version (default {REPEATS_REFERENCE} for the reference network, "
        f"{REPEATS_YEAR} for the gate model's year)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="7-day horizons and 1 repeat: a smoke run, not a measure (no check)"
    )
    parser.add_argument("--lang-son", type=Path, default=LANG_SON, help="gate-model scenario timed over one year")
    parser.add_argument("--days", type=int, default=None, help="reference horizon in days (default: the scenario's)")
    parser.add_argument("--year-days", type=int, default=None, help=f"gate-model horizon (default {YEAR_DAYS})")
    parser.add_argument("--year-only", action="store_true", help="skip the reference-network table")
    args = parser.parse_args(argv)
    if args.quick:
        repeats_ref = repeats_year = 1
    elif args.repeats is not None:
        repeats_ref = repeats_year = max(1, args.repeats)
    else:
        repeats_ref, repeats_year = REPEATS_REFERENCE, REPEATS_YEAR
    days = args.days if args.days is not None else (7 if args.quick else _load(REFERENCE, None).run.days)
    year_days = args.year_days if args.year_days is not None else (7 if args.quick else YEAR_DAYS)

    if not args.year_only:
        _reference(days, repeats_ref)
    if not args.lang_son.exists():
        print(f"\nLạng Sơn: skipped, {args.lang_son} does not exist (yet); pass --lang-son PATH")
        return 0
    return _year(args.lang_son, year_days, days, repeats_year, check=not args.quick)


if __name__ == "__main__":
    raise SystemExit(main())
