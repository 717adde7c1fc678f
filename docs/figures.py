"""Regenerate the figures the documentation states and check each against the text.

A figure is marked in README.md or docs/*.md by an HTML comment just before it::

    <!-- figure: capacity_p95_24 tol=3% -->
    **1,762 trucks a day (95% CI ...

The first number after the marker is the stated value; the figure's producer below runs the
command the text names and the two must agree within ``tol`` (relative). Exit status 0 when every
checked figure agrees, 1 on a mismatch (each printed), 2 for a marker without a producer.

Run ``python docs/figures.py`` (the cheap, machine-independent figures; also run by
tests/test_docs.py) or ``python docs/figures.py --speed`` to add the machine-dependent speed
figures of ``benchmarks/bench_engine.py`` (not run by the test suite).
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARK = re.compile(r"<!--\s*figure:\s*(\w+)\s+tol=([\d.]+)%\s*-->(.*?)(\d[\d,]*(?:\.\d+)?)", re.S)


def _sim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "run_scenario.py", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


LANG_SON_2024 = ("scenarios/lang_son_2024.yaml",)
README_PAIR = ("scenarios/lang_son_2025.yaml", "scenarios/smart_gate_2027.yaml")
DOC_RUN = ("--days", "10", "--replications", "3")  # the size of docs/experiments.md's capacity examples
_TABLES: dict[tuple[str, ...], list[dict[str, str]]] = {}
_WORK: list[tempfile.TemporaryDirectory[str]] = []


def capacity_command(args: Sequence[str]) -> tuple[str, ...]:
    """The arguments of a ``capacity`` command as a table key: ``--jobs N`` (which changes no result) left out."""
    key, rest = [], list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--jobs" and rest:
            rest.pop(0)
        elif not arg.startswith("--jobs="):
            key.append(arg)
    return tuple(key)


def read_capacity_table(key: tuple[str, ...], path: Path) -> None:
    """Use the ``capacity.csv`` at ``path``, written by the command ``key``, instead of running it again."""
    with open(path, newline="", encoding="utf-8") as f:
        _TABLES[key] = list(csv.DictReader(f))


def _capacity_table(key: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of ``capacity.csv`` written by the ``capacity`` command ``key`` (run once per key, one cache)."""
    if key not in _TABLES:
        if not _WORK:
            _WORK.append(tempfile.TemporaryDirectory())
        tmp = Path(_WORK[0].name)
        out = tmp / f"cap{len(_TABLES)}"
        done = _sim(*key, "--jobs", "2", "--out", str(out), "--cache-dir", str(tmp / "c"))
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(key)} exited {done.returncode}: {done.stderr.strip()}")
        read_capacity_table(key, out / "capacity.csv")
    return _TABLES[key]


@dataclass(frozen=True)
class CapacityFigure:
    """``column`` of the ``unit`` row (a gate or ``province``) of the ``scenario``-th scenario in ``capacity.csv``."""

    target: str
    unit: str = "province"
    column: str = "capacity_per_day"
    scenarios: tuple[str, ...] = LANG_SON_2024
    options: tuple[str, ...] = DOC_RUN
    scenario: int = 0

    @property
    def key(self) -> tuple[str, ...]:
        """The ``capacity`` command (without ``--jobs``) whose table holds the figure."""
        return ("capacity", *self.scenarios, "--target", self.target, *self.options)

    def __call__(self) -> float:
        rows = _capacity_table(self.key)
        name = Path(self.scenarios[self.scenario]).stem
        row = next((r for r in rows if r["scenario"] == name and r["unit"] == self.unit), None)
        if row is None or not row[self.column]:
            raise RuntimeError(f"capacity {self.target}: no {self.column} for {name} {self.unit} in capacity.csv")
        return float(row[self.column])


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


P95_24 = "time_in_system_h_p95<=24"
README_HN = "gate:huu_nghi:time_in_system_h_p95<=24"
README_RUN = ("--scale", "huu_nghi", "--days", "10", "--replications", "3")
CHEAP: dict[str, Callable[[], float]] = {
    "capacity_p95_24": CapacityFigure(P95_24),  # the province: sum of the independent gates (--scale each)
    "capacity_p95_24_huu_nghi": CapacityFigure(P95_24, "huu_nghi"),
    "capacity_p95_24_tan_thanh": CapacityFigure(P95_24, "tan_thanh"),
    "capacity_p95_24_chi_ma": CapacityFigure(P95_24, "chi_ma"),
    "capacity_mean_6": CapacityFigure("time_in_system_h_mean<=6", options=("--scale", "all", *DOC_RUN)),
    "readme_capacity_2025_huu_nghi": CapacityFigure(README_HN, "huu_nghi", scenarios=README_PAIR, options=README_RUN),
    "readme_capacity_2027_huu_nghi": CapacityFigure(
        README_HN, "huu_nghi", scenarios=README_PAIR, options=README_RUN, scenario=1
    ),
    "readme_ratio_2027_vs_2025": CapacityFigure(
        README_HN, "huu_nghi", "vs_baseline", scenarios=README_PAIR, options=README_RUN, scenario=1
    ),
    "readme_ratio_2027_vs_2025_ci_low": CapacityFigure(
        README_HN, "huu_nghi", "vs_baseline_ci_low", scenarios=README_PAIR, options=README_RUN, scenario=1
    ),
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


def verdict(path: Path, name: str, tol: float, value: float, now: float) -> tuple[bool, str]:
    """Whether the figure ``now`` agrees with the stated ``value`` within ``tol`` (relative), and a line saying so."""
    ok = abs(now - value) <= tol * abs(value)
    return ok, f"{'ok   ' if ok else 'FAIL '} {name}: text {value:g}, now {now:.6g} (tol {tol:.0%}) in {path.name}"


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
        ok, line = verdict(path, name, tol, value, cache[name])
        status |= not ok
        print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
