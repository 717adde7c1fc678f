"""Charts from saved result folders: files written, titles and axis labels present, no SimPy import."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

from simulator import ScenarioError
from simulator.cli.commands import main
from simulator.experiments.folders import RunFolder

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
        "--no-report",
    ]
    assert main([str(ROOT / "scenarios" / "lang_son_2024.yaml"), *args]) == 0
    return out


CALENDAR = """\
name: closed
run: {start_date: 2024-02-08, days: 5, warmup_days: 1, replications: 3, seed: 5}
cargo_classes:
  general: {}
gates:
  gate:
    road_m_per_truck: 25
    yards:
      yard: {slots: 10}
    stages:
      customs:
        servers: 3
        channels:
          shares: {green: 0.6, yellow: 0.3, red: 0.1}
          service:
            green: {dist: exponential, mean_min: 5}
            yellow: {dist: exponential, mean_min: 15}
            red: {dist: exponential, mean_min: 30}
      accept:
        side: partner
        utc_offset_h: 8
        milestone: handover
        servers: 2
        service: {dist: exponential, mean_min: 8}
    flows:
      out:
        direction: export
        trucks_per_day: 150
        class_mix: {general: 1.0}
        route: [yard, customs, accept]
calendar:
  closures:
    - {name: Tết, side: partner, start: 2024-02-10, end: 2024-02-10}
  disruptions:
    - {name: slow lane, gate: gate, side: partner, start: "2024-02-11 08:00", end: "2024-02-11 14:00", cap_per_hour: 3}
"""


@pytest.fixture(scope="module")
def calendar_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small run with a yard, customs channels, a partner side on UTC+8, a closure and a cap disruption."""
    import simulator

    root = tmp_path_factory.mktemp("calendar")
    (root / "closed.yaml").write_text(CALENDAR, encoding="utf-8")
    return simulator.run(simulator.load_scenario(root / "closed.yaml"), event_log="first").to_dir(root / "run")


def _span_x(patch: object) -> tuple[float, float]:
    """The x extent (data units) of an ``axvspan`` patch, whether a Rectangle or a Polygon."""
    xs = [x for x, _ in patch.get_xy()] if hasattr(patch, "get_xy") and not hasattr(patch, "get_width") else None
    if xs is None:
        return patch.get_x(), patch.get_x() + patch.get_width()
    return min(xs), max(xs)


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
    # Baseline and proposal from two capacity folders in one figure, each with its capacity marked.
    proposal = [
        {
            **r,
            "scenario": "mm1_proposal",
            "capacity_per_day": r["capacity_per_day"] * 1.2,
            "base_demand_per_day": r["base_demand_per_day"] * 1.2,
        }
        for r in results
    ]
    (tmp_path / "c2").mkdir()
    (tmp_path / "c2" / "capacity.json").write_text(json.dumps(proposal))
    fig = plots.capacity_curve(tmp_path / "c", tmp_path / "c2" / "capacity.json")
    _labelled(fig, "mm1, mm1_proposal")
    top, bottom = fig.axes
    legend = [text.get_text() for text in top.get_legend().get_texts()]
    assert legend[0] == "mm1" and any(x.startswith("capacity of mm1_proposal: ") for x in legend)
    assert [text.get_text() for text in bottom.get_legend().get_texts()] == [f"target {target}"]
    assert len(top.collections) == len(top.patches) == 2  # per scenario: the CI band and the capacity's CI
    with pytest.raises(ScenarioError, match="capacity.json is missing"):
        plots.capacity_curve(tmp_path / "s")


def test_incomplete_result_folder_names_the_missing_file(saved_run: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("summary.json", "replications.csv", "scenario.resolved.yaml", "manifest.json"):
        (broken / name).write_bytes((saved_run / name).read_bytes())
    with pytest.raises(ScenarioError, match="timeseries.parquet or timeseries.csv is missing"):
        RunFolder.load(broken)
    with pytest.raises(ScenarioError, match="result folder not found"):
        RunFolder.load(tmp_path / "absent")


def test_plotting_never_imports_simpy() -> None:
    code = (
        "import sys, simulator.report.plots, simulator.experiments.folders; "
        "assert 'simpy' not in sys.modules, 'simpy imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_calendar_spans_in_model_hours() -> None:
    from simulator.scenario.spans import calendar_spans, to_model_hours

    scenario = yaml.safe_load(CALENDAR)
    closure, cap = calendar_spans(scenario, "gate")
    # 10 Feb is a whole day on the partner clock (UTC+8): 23:00 on 9 Feb to 23:00 on 10 Feb in model time.
    assert (closure.kind, closure.name, closure.start_h, closure.end_h) == ("closure", "Tết", 47.0, 71.0)
    assert (cap.kind, cap.cap_per_hour, cap.start_h, cap.end_h) == ("disruption", 3, 79.0, 85.0)
    assert to_model_hours(dt.datetime(2024, 2, 8, 12), dt.date(2024, 2, 8), 7.0, 7.0) == 12.0
    # Weekday closures per local day; "both" merges both clocks; gates and sides filter.
    scenario["calendar"] = {
        "closures": [
            {"name": "weekend", "side": "both", "weekdays": ["sat"]},
            {"name": "elsewhere", "gates": ["other"], "start": "2024-02-09", "end": "2024-02-09"},
        ],
        "disruptions": [
            {
                "name": "home only",
                "gate": "gate",
                "side": "home",
                "start": "2024-02-12",
                "end": "2024-02-12",
                "stages": ["accept"],
                "closed": True,
            }
        ],
    }
    # 2024-02-10 is a Saturday: 47-71 h on the partner clock, 48-72 h on the home one. The closure of gate
    # "other" and a home-side disruption of the partner stage "accept" shut nothing here.
    (weekend,) = calendar_spans(scenario, "gate")
    assert (weekend.name, weekend.start_h, weekend.end_h) == ("weekend", 47.0, 72.0)


def test_backlog_shades_closures_and_disruptions(calendar_run: Path) -> None:
    from simulator import plots

    run = RunFolder.load(calendar_run)
    fig = plots.backlog_over_time([run])
    _labelled(fig, "closed")
    assert [ax.get_ylabel() for ax in fig.axes] == ["trucks in system", "road queue (km)"]
    spans = {p.get_label(): _span_x(p) for ax in fig.axes for p in ax.patches}
    assert spans["closure: Tết"] == pytest.approx((47 / 24, 71 / 24))
    assert spans["disruption: slow lane, cap 3 trucks/h"] == pytest.approx((79 / 24, 85 / 24))
    assert spans["warm-up"] == pytest.approx((0, 1))
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert {"closed", "warm-up", "closure: Tết", "disruption: slow lane, cap 3 trucks/h"} <= set(legend)
    road = fig.axes[1]
    assert road.child_axes and road.child_axes[0].get_ylabel() == "trucks on the road"
    km = [line.get_ydata() for line in road.lines]
    assert max(max(y) for y in km) > 0.5  # the closure backs trucks up on the road
    vi = plots.backlog_over_time([run], lang="vi")
    assert "đóng cửa: Tết" in {p.get_label() for ax in vi.axes for p in ax.patches}
    assert vi.axes[1].get_ylabel() == "hàng xe trên đường (km)"


def test_trs_breakdown_by_direction_and_channel(calendar_run: Path) -> None:
    from simulator import plots

    run = RunFolder.load(calendar_run)
    trs = pd.read_csv(calendar_run / "trs.csv")
    fig = plots.trs_breakdown(run)
    _labelled(fig, "closed")
    (ax,) = fig.axes
    assert ax.get_title(loc="left") == "export" and "hours" in ax.get_xlabel() and ax.get_ylabel() == "customs channel"
    ticks = [label.get_text() for label in ax.get_yticklabels()]
    assert [tick.split(" (")[0] for tick in ticks] == ["all channels", "green", "yellow", "red"]
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert legend[:4] == ["to yard entry (road wait)", "to customs release", "to hand-over", "to exit"]
    for y, channel in enumerate(("all", "green", "yellow", "red")):
        rows = trs[(trs.direction == "export") & (trs.cargo_class == "all") & (trs.channel == channel)]
        means = rows.set_index("milestone").mean_h
        bars = [b for b in ax.patches if abs(b.get_y() + b.get_height() / 2 - y) < 1e-9]
        assert sum(b.get_width() for b in bars) == pytest.approx(means["exit"])  # the segments add up to the exit
        assert min(b.get_width() for b in bars) >= 0
    assert "luồng xanh" in " ".join(t.get_text() for t in plots.trs_breakdown(run, lang="vi").axes[0].get_yticklabels())
    (run.path / "trs.csv").rename(run.path / "trs.hidden")
    try:
        fallback = plots.trs_breakdown(run)  # no trs.csv: mean time per stage from the event log
        assert fallback.axes[0].get_ylabel() == "direction"
    finally:
        (run.path / "trs.hidden").rename(run.path / "trs.csv")
