"""Regenerate the figures the documentation states and check each against the text.

A figure is marked in README.md or docs/*.md by an HTML comment just before it::

    <!-- figure: capacity_p95_24 tol=3% -->
    **1,671 trucks a day (95% CI ...

The first number after the marker is the stated value; the figure's producer below runs the
command the text names and the two must agree within ``tol`` (relative). Exit status 0 when every
checked figure agrees, 1 on a mismatch (each printed), 2 for a marker without a producer.

Run ``python docs/figures.py`` (the cheap, machine-independent figures; also run by
tests/test_docs.py) or ``python docs/figures.py --speed`` to add the machine-dependent speed
figures of ``benchmarks/bench_engine.py`` (not run by the test suite).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARK = re.compile(r"<!--\s*figure:\s*(\w+)\s+tol=([\d.]+)%\s*-->(.*?)(\d[\d,]*(?:\.\d+)?)", re.S)


def _sim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run_scenario.py", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def _capacity(target: str) -> Callable[[], float]:
    def produce() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            args = ["capacity", "scenarios/lang_son_2024.yaml", "--target", target, "--days", "14"]
            done = _sim(*args, "--replications", "4", "--jobs", "2", "--out", f"{tmp}/cap", "--cache-dir", f"{tmp}/c")
            if done.returncode != 0:
                raise RuntimeError(f"capacity {target} exited {done.returncode}: {done.stderr.strip()}")
            return float(json.loads(Path(tmp, "cap", "capacity.json").read_text())[0]["capacity_per_day"])

    return produce


_BENCH_OUTPUT: list[str] = []


def _bench_output() -> str:
    """The output of one ``benchmarks/bench_engine.py`` run (run once, read by every speed figure)."""
    if not _BENCH_OUTPUT:
        done = subprocess.run(
            [sys.executable, "benchmarks/bench_engine.py"], cwd=ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"bench_engine.py exited {done.returncode}: {done.stderr.strip()[-300:]}")
        _BENCH_OUTPUT.append(done.stdout)
    return _BENCH_OUTPUT[0]


def _bench_engine(label: str, column: int, row: int = -1) -> Callable[[], float]:
    """The ``row``-th line starting with ``label`` in ``bench_engine.py``'s output (first table: the
    reference network, ours then bare SimPy; last table: gate model, core engine, bare SimPy), its
    ``column``-th number."""

    def produce() -> float:
        rows = [line for line in _bench_output().splitlines() if line.strip().startswith(label)]
        if not rows:
            raise RuntimeError(f"bench_engine.py printed no row {label!r}")
        numbers = re.findall(r"\d[\d,]*(?:\.\d+)?", rows[row].strip()[len(label) :])
        return float(numbers[column].replace(",", ""))

    return produce


CHEAP: dict[str, Callable[[], float]] = {
    "capacity_p95_24": _capacity("time_in_system_h_p95<=24"),
    "capacity_mean_6": _capacity("time_in_system_h_mean<=6"),
}
SPEED: dict[str, Callable[[], float]] = {
    "gate_model_trucks_per_cpu_s": _bench_engine("trucks per CPU second (median)", 0),
    "engine_cpu_ratio": _bench_engine("CPU ", 0),
    "gate_over_core": _bench_engine("gate / core:", 0),
    "gate_over_bare": _bench_engine("gate / bare:", 0),
}


def stated() -> list[tuple[Path, str, float, float]]:
    """Every marked figure: (file, name, tolerance as a fraction, the value in the text)."""
    found = []
    for path in DOCS:
        for m in MARK.finditer(path.read_text(encoding="utf-8")):
            found.append((path, m.group(1), float(m.group(2)) / 100, float(m.group(4).replace(",", ""))))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", action="store_true", help="also the machine-dependent speed figures")
    args = parser.parse_args(argv)
    producers = {**CHEAP, **(SPEED if args.speed else {})}
    cache: dict[str, float] = {}
    status = 0
    for path, name, tol, value in stated():
        if name not in CHEAP and name not in SPEED:
            print(f"error: {path.relative_to(ROOT)}: figure {name!r} has no producer in docs/figures.py")
            return 2
        if name not in producers:
            print(f"skip  {name}: machine-dependent (run with --speed)")
            continue
        if name not in cache:
            cache[name] = producers[name]()
        now = cache[name]
        ok = abs(now - value) <= tol * abs(value)
        status |= not ok
        print(f"{'ok   ' if ok else 'FAIL '} {name}: text {value:g}, now {now:.6g} (tol {tol:.0%}) in {path.name}")
    return status


if __name__ == "__main__":
    sys.exit(main())
