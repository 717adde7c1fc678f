"""Engine benchmark: the simulator against bare SimPy on the reference network, plus the Lạng Sơn scenario.

Both versions run the reference network (``scenarios/examples/reference_network.yaml`` and
``benchmarks/bare_simpy_reference.py``) over the same horizon: the scenario's ``run.days`` (42 days =
1,008 h, since ``run.days`` is an integer), with the bare version given ``hours = 24 * days``. Runs are
interleaved (the order alternates every repeat) and the medians are reported; the time ratio is the
median of the per-repeat ratios ours / bare, measured back to back, so machine load largely cancels. It is
given for wall time and for CPU time of this process (``time.process_time``), the steadier of the two on a
shared machine.

"ours" is ``simulator.simulate(scenario, 0)``: setup, sampling, the SimPy run and the event log.
The KPI reduction ``simulator.kpis.replication_kpis`` is timed separately. Trucks/s counts trucks that
completed their route before the horizon. Peak memory is the peak resident set size (``VmHWM`` in
``/proc/self/status``, Linux) of a fresh subprocess per version that imports only what it needs, read
after the imports and again after one run.

Run ``python benchmarks/bench_engine.py [--repeats N] [--quick] [--lang-son PATH]``.
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from bare_simpy_reference import run_reference  # noqa: E402

import simulator  # noqa: E402
from simulator.kpis import replication_kpis  # noqa: E402


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


def _memory(which: str, days: int) -> dict[str, float]:
    """Peak RSS of one run in a fresh subprocess that imports only what its version needs."""
    if which == "ours":
        overrides = ["run.replications=1", f"run.days={days}"]
        setup = f"import simulator\nscenario = simulator.load_scenario({str(REFERENCE)!r}, {overrides!r})"
        call = "simulator.simulate(scenario, 0)"
    else:
        setup, call = "from bare_simpy_reference import run_reference", f"run_reference({SEED}, {24.0 * days})"
    code = _CHILD.format(bench=str(ROOT / "benchmarks"), setup=setup, call=call)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def _row(name: str, *cells: str) -> None:
    print(f"  {name:<44}" + "".join(f"{c:>16}" for c in cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repeats of each version (default 5)")
    parser.add_argument("--quick", action="store_true", help="7-day horizon and 1 repeat: a smoke run, not a measure")
    parser.add_argument("--lang-son", type=Path, default=LANG_SON, help="scenario timed over 28 days")
    parser.add_argument("--days", type=int, default=None, help="reference horizon in days (default: the scenario's)")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else max(1, args.repeats)
    days = args.days if args.days is not None else (7 if args.quick else _load(REFERENCE, None).run.days)

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

    if not args.lang_son.exists():
        print(f"\nLạng Sơn: skipped, {args.lang_son} does not exist (yet); pass --lang-son PATH")
        return 0
    lang_son = _load(args.lang_son, 28)
    seconds, cpu_s, ls_out = _timed(partial(simulator.simulate, lang_son, 0))
    kpis = _timed(partial(replication_kpis, ls_out))[0]
    done = _completed(ls_out)
    print(
        f"\nLạng Sơn ({args.lang_son.name}, 28 days, 1 replication): {len(ls_out.t_arrive):,} trucks arrived, "
        f"{done:,} completed, {len(ls_out.visits.t_queue):,} stage visits\n  simulate {seconds:.2f} s wall = "
        f"{done / seconds:,.0f} trucks/s ({cpu_s:.2f} s CPU = {done / cpu_s:,.0f} trucks/CPU-s); KPIs {kpis:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
