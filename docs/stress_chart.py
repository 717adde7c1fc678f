"""Draw the README's stress chart: backlog and recovery, 2025 baseline against the 2027 proposal.

Runs the compare of docs/stress.md for the three-day partner closure (unless its folder is
there already) and writes ``docs/images/stress_partner_closure_3d.png``: trucks in
the system and road queue by gate (:func:`simulator.plots.backlog_over_time`, the closure shaded),
the PNG only, titled with each scenario's time to recover after the closure (``recovery_h_max``, mean over the
replications; NaN when a replication had not recovered by the end).

Usage: ``python docs/stress_chart.py [--replications N] [--jobs N]`` from the repository root.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from simulator import plots
from simulator.experiments.folders import RunFolder

ROOT = Path(__file__).resolve().parents[1]
STRESS = "partner_closure_3d"
OUT = ROOT / "results" / "stress" / STRESS
IMAGE = ROOT / "docs" / "images" / f"stress_{STRESS}"


def _recovery(run: RunFolder) -> str:
    rows = run.replications
    values = rows[(rows.scope == "all") & (rows.kpi == "recovery_h_max")].value
    return "not recovered" if values.isna().any() else f"{values.mean():.0f} h"


def main() -> int:
    """Run the compare if needed, then draw and save the chart."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if not (OUT / "comparison.csv").exists():
        command = [
            sys.executable, "run_scenario.py", "compare",
            f"scenarios/stress/{STRESS}.yaml", f"scenarios/stress/{STRESS}_2027.yaml",
            "--replications", str(args.replications), "--jobs", str(args.jobs), "--no-report",
            "--out", str(OUT), "--overwrite", "--quiet",
        ]  # fmt: skip
        subprocess.run(command, cwd=ROOT, check=True)
    runs = [RunFolder.load(OUT / STRESS), RunFolder.load(OUT / f"{STRESS}_2027")]
    fig = plots.backlog_over_time(runs)
    recovery = ", ".join(f"{r.scenario['name']}: {_recovery(r)}" for r in runs)
    fig.suptitle(f"Three-day Chinese-side closure at Hữu Nghị and Tân Thanh; time to recover: {recovery}")
    for path in plots.save_figure(fig, IMAGE):
        if path.suffix != ".png":
            path.unlink()  # the README shows the PNG
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
