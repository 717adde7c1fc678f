"""Charts from saved result folders: files written, titles and axis labels present, no SimPy import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from simulator import ScenarioError
from simulator.cli import main
from simulator.resultdir import RunFolder

from .conftest import ROOT


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "run"
    args = [
        "--days",
        "4",
        "--replications",
        "3",
        "--set",
        "run.warmup_days=1",
        "--out",
        str(out),
        "--quiet",
        "--no-cache",
    ]
    assert main([str(ROOT / "scenarios" / "lang_son_2024.yaml"), *args]) == 0
    return out


def _labelled(fig: Figure, name: str) -> None:
    """A title (figure or axes) naming the scenario, an x label, and a y label on every axes that shows data."""
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    title = fig.get_suptitle() or next((ax.get_title() for ax in axes if ax.get_title()), "")
    assert name in title, f"title {title!r} does not name {name}"
    assert any(ax.get_xlabel() for ax in axes), "no x-axis label"
    assert all(ax.get_ylabel() for ax in axes if ax.has_data()), "missing y label"


def test_standard_charts_from_a_saved_run(saved_run: Path, tmp_path: Path) -> None:
    from simulator import plots

    run = RunFolder.load(saved_run)
    for make in (plots.backlog_over_time, plots.time_in_system_ecdf):
        _labelled(make([run]), "lang_son_2024")
    for make1 in (plots.trs_breakdown, plots.utilisation_heatmap):
        _labelled(make1(run), "lang_son_2024")
    written = plots.standard_charts(run, tmp_path / "charts")
    assert set(written) == {"backlog", "utilisation", "trs_breakdown", "time_in_system"}
    for paths in written.values():
        png, svg = paths
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
        assert svg.stat().st_size > 5_000 and b"<svg" in svg.read_bytes()[:500]


def test_tornado_and_capacity_curve(tmp_path: Path) -> None:
    from simulator import plots

    mm1 = ROOT / "scenarios" / "examples" / "mm1.yaml"
    common = ["--days", "12", "--replications", "3", "--set", "run.warmup_days=2", "--quiet", "--no-cache"]
    args = ["--param", "gates.gate.stages.server.servers", "--param", "gates.gate.flows.arrivals.trucks_per_day"]
    assert (
        main(["sensitivity", str(mm1), *args, "--kpi", "time_in_system_h_mean", "--out", str(tmp_path / "s"), *common])
        == 0
    )
    fig = plots.tornado(pd.read_csv(tmp_path / "s" / "sensitivity.csv"), title="mm1: sensitivity")
    _labelled(fig, "mm1")
    target = "stage:gate.server:wait_min_mean<=30"
    assert (
        main(["capacity", str(mm1), "--target", target, "--tolerance", "0.1", "--out", str(tmp_path / "c"), *common])
        == 0
    )
    results = json.loads((tmp_path / "c" / "capacity.json").read_text())
    fig = plots.capacity_curve(results)
    _labelled(fig, "mm1")
    paths = plots.save_figure(fig, tmp_path / "capacity")
    assert all(p.stat().st_size > 5_000 for p in paths)


def test_incomplete_result_folder_names_the_missing_file(saved_run: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("summary.json", "replications.csv", "scenario.resolved.yaml", "manifest.json"):
        (broken / name).write_bytes((saved_run / name).read_bytes())
    with pytest.raises(ScenarioError, match="timeseries.csv is missing"):
        RunFolder.load(broken)
    with pytest.raises(ScenarioError, match="result folder not found"):
        RunFolder.load(tmp_path / "absent")


def test_plotting_never_imports_simpy() -> None:
    code = "import sys, simulator.plots, simulator.resultdir; assert 'simpy' not in sys.modules, 'simpy imported'"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
