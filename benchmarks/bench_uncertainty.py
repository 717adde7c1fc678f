"""Uncertainty benchmark: ``compare lang_son_2025 smart_gate_2027 --uncertainty 64``, and its share outside simulation.

Two things are timed side by side in one process, on the same executor (``ProcessExecutor(--jobs)``,
no cache), in an order that alternates every repeat:

* **study**: the whole command, ``run_scenario.py compare scenarios/lang_son_2025.yaml
  scenarios/smart_gate_2027.yaml --uncertainty N --days D --replications R --jobs J --no-cache``,
  through :func:`simulator.cli.commands.main` (reading and checking the ranges, drawing the design,
  building every sample's scenario with its levers, running the replications in chunks, the
  statistics, SRRC with bootstrap CIs, and writing the folder);
* **simulation alone**: the same replication tasks (the same sampled scenarios, seeds and
  replication indices), built beforehand and handed straight to
  :func:`simulator.experiments.replication.run_tasks` on a fresh executor of the same size.

The share outside simulation is (study − simulation alone) / study, per repeat; the aim is at most 10%.
The study's ``sample_kpis.csv`` is checked against the plain tasks' KPIs, so both did the same work.

Run ``python benchmarks/bench_uncertainty.py [--samples 64] [--days 28] [--replications 3] [--jobs 2] [--repeats 1]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from simulator.cli.commands import main  # noqa: E402
from simulator.experiments.executors import ProcessExecutor  # noqa: E402
from simulator.experiments.replication import replication_tasks, run_tasks  # noqa: E402
from simulator.experiments.uncertainty import prepare_study  # noqa: E402

SCENARIOS = [ROOT / "scenarios" / "lang_son_2025.yaml", ROOT / "scenarios" / "smart_gate_2027.yaml"]
AIM = 0.10


def _options() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--samples", type=int, default=64)
    p.add_argument("--days", type=int, default=28)
    p.add_argument("--replications", type=int, default=3)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--repeats", type=int, default=1)
    return p.parse_args()


def _sets(args: argparse.Namespace) -> list[str]:
    """Days, warm-up (the scenario's 7 days, at most a third of the run) and replications."""
    warmup = min(7, args.days // 3)
    return [f"run.days={args.days}", f"run.warmup_days={warmup}", f"run.replications={args.replications}"]


def _study(args: argparse.Namespace, out: Path) -> float:
    command = ["compare", *map(str, SCENARIOS), "--uncertainty", str(args.samples)]
    command += [f"--set={s}" for s in _sets(args)]
    command += ["--jobs", str(args.jobs), "--no-cache", "--quiet"]
    started = time.perf_counter()
    status = main([*command, "--out", str(out), "--overwrite"])
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"the study failed with status {status}")
    return wall


def _simulation_alone(args: argparse.Namespace) -> tuple[float, pd.DataFrame]:
    study = prepare_study("compare", SCENARIOS, args.samples, overrides=_sets(args))
    tasks = []
    for row in range(study.rows):
        for us in study.scenarios:
            tasks += replication_tasks(us.sample(study.design.units(row)), study.replications, study.seed)
    executor = ProcessExecutor(args.jobs)
    try:
        started = time.perf_counter()
        results = run_tasks(tasks, executor, None)
        wall = time.perf_counter() - started
    finally:
        executor.close()
    frame = pd.concat([r.kpis for r in results], ignore_index=True)
    return wall, frame


def main_bench() -> int:
    args = _options()
    shares, studies, alones = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            order = ("study", "alone") if repeat % 2 == 0 else ("alone", "study")
            walls: dict[str, float] = {}
            for what in order:
                if what == "study":
                    walls["study"] = _study(args, Path(tmp) / "study")
                else:
                    walls["alone"], plain = _simulation_alone(args)
            kpis = pd.read_csv(Path(tmp) / "study" / "sample_kpis.csv")
            if len(kpis) != len(plain) or not abs(kpis.value.sum() - plain.value.sum()) < 1e-6 * abs(plain.value.sum()):
                raise SystemExit("the study and the plain tasks did not compute the same KPIs")
            studies.append(walls["study"])
            alones.append(walls["alone"])
            shares.append((walls["study"] - walls["alone"]) / walls["study"])
            print(f"repeat {repeat + 1}: study {walls['study']:.1f} s, simulation alone {walls['alone']:.1f} s, "
                  f"outside simulation {shares[-1]:.1%}")  # fmt: skip
    tasks = args.samples * len(SCENARIOS) * args.replications
    print(f"compare {' '.join(p.stem for p in SCENARIOS)} --uncertainty {args.samples}: {tasks} replications of "
          f"{args.days} days on {args.jobs} processes")  # fmt: skip
    print(f"study wall (median of {args.repeats}): {statistics.median(studies):.1f} s; "
          f"simulation alone {statistics.median(alones):.1f} s")  # fmt: skip
    share = statistics.median(shares)
    print(f"share outside simulation: {share:.1%} (aim <= {AIM:.0%}): {'met' if share <= AIM else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_bench())
