"""Result files: Parquet against CSV, and the memory of long runs with an event log, side by side.

Two measurements, each in fresh child processes:

1. **writing the large files**: a ``lang_son_2024`` run (``--days``, default 30, two
   replications, event log of replication 0) is simulated once per child, then its result
   folder is written and timed (CPU seconds of ``Results.to_dir``): with ``fmt="parquet"`` and
   ``fmt="csv"`` by this checkout and, with ``--before DIR``, by the checkout in DIR (which
   writes ``timeseries.csv`` and ``trucks.csv.gz``). Sizes are those of the time series and
   the event log. Children alternate, so machine load affects all alike; times are medians.
2. **bounded memory** (``--long``): peak RSS (``VmHWM``) of ``run_scenario.py`` running one
   365-day and one 3,650-day replication of ``lang_son_2024`` with ``--event-log first``
   (``--no-report --no-cache``); target: the 3,650-day peak at most 1.5x the 365-day one.

Run ``python benchmarks/bench_files.py [--days N] [--repeats N] [--before DIR] [--long]``; it
exits with status 1 when the memory target is measured and not met.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "lang_son_2024.yaml"
MEMORY_RATIO = 1.5

_WRITE = """
import gc, json, sys, tempfile, time
from pathlib import Path
import simulator
sc = simulator.load_scenario({scenario!r}, ["run.days={days}", "run.warmup_days={warmup}"])
res = simulator.run(sc, replications=2, event_log="first")
fmt = {fmt!r}
with tempfile.TemporaryDirectory() as tmp:
    gc.collect()
    t = time.process_time()
    res.to_dir(tmp) if fmt == "before" else res.to_dir(tmp, fmt=fmt)
    cpu = time.process_time() - t
    sizes = {{p.name: p.stat().st_size for p in Path(tmp).iterdir() if p.name.startswith(("timeseries", "trucks"))}}
print(json.dumps({{"cpu_s": cpu, "sizes": sizes}}))
"""

_PEAK = """
import re, subprocess, sys, resource
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def _child(code: str, tree: Path) -> dict[str, Any]:
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"bench_files: the measurement in {tree} failed:\n{out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_writing(days: int, repeats: int, before: Path | None) -> dict[str, dict[str, Any]]:
    """Median CPU seconds and the sizes of the large files, per writer."""
    writers = [("parquet", ROOT), ("csv", ROOT)] + ([("before", before)] if before else [])
    found: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in writers}
    for _ in range(repeats):
        for name, tree in writers:
            code = _WRITE.format(scenario=str(SCENARIO), days=days, warmup=min(3, days - 1), fmt=name)
            found[name].append(_child(code, tree))
    return {
        name: {"cpu_s": statistics.median(r["cpu_s"] for r in runs), "sizes": runs[0]["sizes"]}
        for name, runs in found.items()
    }


def peak_mib(days: int) -> float:
    """Peak RSS of one ``run`` of ``days`` days with the event log of replication 0."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            str(ROOT / "run_scenario.py"),
            str(SCENARIO),
            "--days",
            str(days),
            "--replications",
            "1",
            "--event-log",
            "first",
            "--no-report",
            "--no-cache",
            "--quiet",
            "--out",
            str(Path(tmp) / "out"),
        ]
        out = subprocess.run([sys.executable, "-c", _PEAK, *cmd], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"bench_files: the {days}-day run failed:\n{out.stderr.strip()}")
    return float(out.stdout.strip())


def _print_writing(table: dict[str, dict[str, Any]]) -> None:
    print(f"{'writer':<10} {'CPU s':>7}  files (MiB)")
    for name, row in table.items():
        files = ", ".join(f"{k} {v / 2**20:.1f}" for k, v in sorted(row["sizes"].items()))
        total = sum(row["sizes"].values()) / 2**20
        print(f"{name:<10} {row['cpu_s']:>7.2f}  {files} (total {total:.1f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30, help="simulated days of the writing measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="an earlier checkout, measured alternately")
    parser.add_argument("--long", action="store_true", help="also measure 365 and 3,650 simulated days")
    args = parser.parse_args(argv)
    _print_writing(measure_writing(args.days, args.repeats, args.before))
    if not args.long:
        return 0
    short, long = peak_mib(365), peak_mib(3650)
    ratio = long / short
    verdict = "met" if ratio <= MEMORY_RATIO else "NOT met"
    print(f"peak RSS: 365 days {short:.0f} MiB, 3,650 days {long:.0f} MiB: {ratio:.2f}x ({verdict}, target <= 1.5x)")
    return 0 if ratio <= MEMORY_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
