"""Engine hot-path cost of reacting demand (``gates.*.demand``): off and on, side by side in one run.

CPU time (``time.process_time``) of ``simulator.engine.model.simulate(scenario, 0)`` on
``scenarios/lang_son_2024.yaml`` over ``--days`` days (default 28), in three variants measured in
fresh child processes, in an order that rotates every repeat so machine load hits all alike:

* ``before off``: the checkout given with ``--before`` (an earlier version, without the feature);
* ``off``: this checkout, the scenario as shipped (no ``demand:`` block);
* ``on``: this checkout, every gate with all four parts on: balking on the yard-and-road backlog
  with deferral, patience for fresh fruit, and a suspension rule on the gate's backlog.

The figures are the medians over repeats, with trucks arrived and the ratios to ``off``. Run
``python benchmarks/bench_demand.py [--before DIR] [--repeats N] [--days N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

DEMAND = {
    "balking": [
        {
            "measure": "yard_road",
            "points": [[0, 0.0], [200, 0.0], [800, 0.6]],
            "deferred_share": 0.5,
            "defer_delay": {"dist": "exponential", "mean_min": 720.0},
        }
    ],
    "patience": {"fresh_fruit": {"dist": "exponential", "mean_min": 2880.0}},
    "suspension": [{"classes": ["containerised"], "suspend_at": 400, "resume_at": 250, "action": "hold"}],
}

_CHILD = """
import json, time
import simulator
from simulator.engine.model import simulate
sc = simulator.load_scenario({scenario!r}, overrides=["run.days={days}", "run.warmup_days=1"])
if {on}:
    data = sc.model_dump(mode="json")
    for gate in data["gates"].values():
        gate["demand"] = json.loads({demand!r})
    sc = simulator.load_scenario(data)
simulate(sc, 0)  # warm: imports on first use, caches
t = time.process_time()
out = simulate(sc, 0)
print(json.dumps({{"cpu_s": time.process_time() - t, "trucks": int(len(out.t_arrive))}}))
"""


def _child(tree: Path, days: int, on: bool) -> dict[str, Any]:
    code = _CHILD.format(
        scenario=str(tree / "scenarios" / "lang_son_2024.yaml"), days=days, on=on, demand=json.dumps(DEMAND)
    )
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench_demand: a measurement failed in {tree}:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of an earlier version, measured alternately")
    parser.add_argument("--repeats", type=int, default=3, help="rotating repeats of each variant (default 3)")
    parser.add_argument("--days", type=int, default=28, help="simulated days (default 28)")
    args = parser.parse_args(argv)
    variants = [("off", ROOT, False), ("on", ROOT, True)]
    if args.before is not None:
        variants.insert(0, ("before off", args.before.resolve(), False))
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in variants}
    for r in range(args.repeats):
        k = r % len(variants)
        for name, tree, on in variants[k:] + variants[:k]:
            runs[name].append(_child(tree, args.days, on))
    off = statistics.median(m["cpu_s"] for m in runs["off"])
    print(f"bench_demand: lang_son_2024, {args.days} days, {args.repeats} rotating repeat(s), CPU of simulate()")
    print(f"  {'variant':<12}{'CPU (s)':>10}{'trucks':>10}{'vs off':>10}")
    for name, _, _ in variants:
        cpu = statistics.median(m["cpu_s"] for m in runs[name])
        trucks = runs[name][0]["trucks"]
        print(f"  {name:<12}{cpu:>10.2f}{trucks:>10,}{cpu / off:>10.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
