"""Charts from saved result folders: files written, titles and axis labels present, no SimPy import."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from simulator import ScenarioError
from simulator.analysis.registry import KPIS, STAGE_KPIS
from simulator.cli.commands import main
from simulator.experiments.folders import RunFolder

from .conftest import ROOT, faster_copy


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
    - {name: Tết, name_vi: Tết, side: partner, start: 2024-02-10, end: 2024-02-10}
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
        _labelled(make([run]), "Lang Son 2024")
    for make1 in (plots.trs_breakdown, plots.utilisation_heatmap):
        _labelled(make1(run), "Lang Son 2024")
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
    capacity = ["capacity", str(mm1), "--target", target, "--tolerance", "0.1", "--scale", "gate"]
    assert main([*capacity, "--out", str(tmp_path / "c"), *common]) == 0
    results = json.loads((tmp_path / "c" / "capacity.json").read_text())
    fig = plots.capacity_curve(results)
    _labelled(fig, "MM1")
    # The scaled gate's own cleared trucks on top, the province's in the middle, against the gate's demand.
    gate_ax, province_ax, kpi_ax = fig.axes
    ev = sorted(results[0]["evaluations"], key=lambda e: e["multiplier"])
    demand = [e["multiplier"] * results[0]["base_demand_per_day"] for e in ev]
    assert list(gate_ax.lines[0].get_xdata()) == pytest.approx(demand)
    assert list(gate_ax.lines[0].get_ydata()) == pytest.approx([e["scaled_throughput_per_day"]["mean"] for e in ev])
    assert list(province_ax.lines[0].get_ydata()) == pytest.approx([e["throughput_per_day"]["mean"] for e in ev])
    assert gate_ax.get_ylabel() == "cleared at the gate (trucks/day)"
    assert (
        kpi_ax.get_ylabel() == "Wait, mean (min)"
        and "Wait, mean (min) (Gate Server) ≤ 30" in kpi_ax.get_legend().get_texts()[0].get_text()
    )
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
    _labelled(fig, "MM1, MM1 Proposal")
    top, _, bottom = fig.axes
    legend = [text.get_text() for text in top.get_legend().get_texts()]
    assert legend[0] == "MM1" and any(x.startswith("capacity of MM1 Proposal: ") for x in legend)
    assert [text.get_text() for text in bottom.get_legend().get_texts()] == [
        "target: Wait, mean (min) (Gate Server) ≤ 30"
    ]
    assert len(top.collections) == len(top.patches) == 2  # per scenario: the CI band and the capacity's CI
    # A "--scale each" result: one column per gate; an old file without the gate's own series still draws.
    old = [{k: v for k, v in e.items() if k != "scaled_throughput_per_day"} for e in results[0]["evaluations"]]
    each = {"scenario": "mm1", "scale": "each", "target": target, "target_kpi": "wait_min_mean", "target_value": 30.0}
    each["gates"] = {"gate": results[0], "other": {**results[0], "scale": "other", "evaluations": old}}
    fig = plots.capacity_curve([each])
    assert [ax.get_title(loc="left") for ax in fig.axes[:2]] == ["Gate", "Other"] and len(fig.axes) == 6
    assert "older capacity file" in " ".join(text.get_text() for text in fig.axes[1].texts)
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
    _labelled(fig, "Closed")
    assert [ax.get_ylabel() for ax in fig.axes] == ["trucks in system", "road queue (km)"]
    spans = {p.get_label(): _span_x(p) for ax in fig.axes for p in ax.patches}
    assert spans["closure: Tết"] == pytest.approx((47 / 24, 71 / 24))
    assert spans["disruption: slow lane, cap 3 trucks/h"] == pytest.approx((79 / 24, 85 / 24))
    assert spans["warm-up"] == pytest.approx((0, 1))
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert {"Closed", "warm-up", "closure: Tết", "disruption: slow lane, cap 3 trucks/h"} <= set(legend)
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
    _labelled(fig, "Closed")
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


QUIET = CALENDAR.replace("name: closed", "name: quiet_yard").replace("yard: {slots: 10}", "yard: {slots: 5000}")
QUIET = QUIET.replace("        servers: 3\n", '        servers: 3\n        hours: ["07:00-19:00"]\n')
RAW_ID = re.compile(r"[A-Za-z0-9_.]+")


@pytest.fixture(scope="module")
def quiet_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The calendar run with a yard too large to fill (no road queue) and customs open 07:00-19:00."""
    import simulator

    root = tmp_path_factory.mktemp("quiet")
    (root / "quiet_yard.yaml").write_text(QUIET, encoding="utf-8")
    return simulator.run(simulator.load_scenario(root / "quiet_yard.yaml"), event_log="first").to_dir(root / "run")


def _raw_ids() -> set[str]:
    """What a chart must never show: KPI keys and scenario file stems (and the test scenarios' names)."""
    stems = {p.stem for p in (ROOT / "scenarios").rglob("*.yaml")} | {"closed", "quiet_yard", "mm1_proposal"}
    return set(KPIS) | set(STAGE_KPIS) | stems


def _texts(fig: Figure) -> list[str]:
    """Every text the figure draws (titles, labels, ticks, legends, notes), after a draw."""
    FigureCanvasAgg(fig).draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def _assert_no_raw_ids(fig: Figure) -> None:
    ids = _raw_ids()
    for text in _texts(fig):
        # An identifier with "_" or a digit is raw wherever it appears; a plain word only as the whole text.
        found = [w for w in RAW_ID.findall(text) if w in ids and (not w.isalpha() or w == text.strip())]
        assert not found, f"raw id {found} in chart text {text!r}"


def _money_comparison() -> pd.DataFrame:
    rows = [
        ("lang_son_2024", "smart_gate_2027", "time_in_system_h_p95", 30.0, -12.0, -14.0, -10.0),
        ("lang_son_2024", "smart_gate_2027", "fees_vnd_total", 3.1e10, 2.4e9, 1.1e9, 3.9e9),
        ("lang_son_2024", "smart_gate_2027", "fees_vnd_per_day", 8.5e7, 6.5e6, 3.0e6, 1.1e7),
    ]
    frame = pd.DataFrame(
        rows, columns=["base", "alternative", "kpi", "base_mean", "diff_mean", "diff_ci_low", "diff_ci_high"]
    )
    return frame.assign(scope="all", key="all", significant=True)


def test_chart_texts_never_show_raw_ids(saved_run: Path, calendar_run: Path, quiet_run: Path, tmp_path: Path) -> None:
    from simulator import plots

    runs = [RunFolder.load(p) for p in (saved_run, calendar_run, quiet_run)]
    figures = [plots.forest_plot(_money_comparison(), lang=lang) for lang in ("en", "vi")]
    for run in runs:
        figures += [plots.backlog_over_time([run]), plots.trs_breakdown(run), plots.utilisation_heatmap(run)]
    figures += [plots.time_in_system_ecdf(runs[:2], lang="vi")]
    table = pd.DataFrame(
        {"parameter": ["gates.gate.stages.server.servers"], "kpi": ["fees_vnd_total"], "base_mean": [3e10],
         "low_mean": [2.9e10], "low_ci_low": [2.8e10], "low_ci_high": [3e10], "high_mean": [3.2e10],
         "high_ci_low": [3.1e10], "high_ci_high": [3.3e10], "swing": [3e9]}
    )  # fmt: skip
    figures.append(plots.tornado(table))
    for fig in figures:
        _assert_no_raw_ids(fig)
    assert "Smart Gate 2027" in figures[0].get_suptitle() and "Lang Son 2024" in figures[0].get_suptitle()


def test_money_axes_in_billions_without_offset_text() -> None:
    from simulator import plots

    for lang, unit in (("en", "billion VND"), ("vi", "tỷ đồng")):
        fig = plots.forest_plot(_money_comparison(), lang=lang)
        _texts(fig)
        titles = [ax.get_title(loc="left") for ax in fig.axes]
        assert unit in titles[1] and unit not in titles[0]  # fees in billions, the hours as they are
        assert ("million VND" if lang == "en" else "triệu đồng") in titles[2]  # fees per day: millions
        for ax in fig.axes:
            assert ax.xaxis.get_offset_text().get_text() == "" and ax.yaxis.get_offset_text().get_text() == ""
        ticks = [label.get_text() for label in fig.axes[1].get_xticklabels() if label.get_text()]
        assert all(float(x.replace(",", ".").replace("−", "-")) < 10 for x in ticks), ticks  # 1-4 billion


def test_empty_road_panel_left_out_with_a_note(quiet_run: Path, calendar_run: Path) -> None:
    from simulator import plots

    quiet = RunFolder.load(quiet_run)
    ts = quiet.timeseries
    assert ts[(ts.metric == "road_km")].value.max() == 0  # the yard never fills
    fig = plots.backlog_over_time([quiet])
    assert [ax.get_ylabel() for ax in fig.axes] == ["trucks in system"]
    note = [t.get_text() for t in fig.texts if t.get_text() != fig.get_suptitle()]
    assert note == ["Left out: the road queue of Gate, where no truck waited on the road."]
    vi = plots.backlog_over_time([quiet], lang="vi")
    assert any(t.get_text().startswith("Không vẽ: hàng xe trên đường tại Gate") for t in vi.texts)
    # The busy run keeps its road panel and has no note; both together keep it too.
    both = plots.backlog_over_time([RunFolder.load(calendar_run), quiet])
    assert len(both.axes) >= 2 and [t.get_text() for t in both.texts] == [both.get_suptitle()]


def test_closed_hours_are_hatched(quiet_run: Path) -> None:
    from simulator import plots
    from simulator.report.plots_util import CLOSED_HATCH, PART_CLOSED_HATCH

    run = RunFolder.load(quiet_run)
    fig = plots.utilisation_heatmap(run)
    ax = fig.axes[0]
    rows = [label.get_text() for label in ax.get_yticklabels()]
    hatched = {(round(p.get_y() + 0.5), round(p.get_x() + 0.5)): p.get_hatch() for p in ax.patches}
    customs, accept = rows.index("gate.customs"), rows.index("gate.accept")
    # Customs is open 07:00-19:00 (model clock): the night hours are closed every day, the day hours open.
    assert {h for (r, h), hatch in hatched.items() if r == customs and hatch == CLOSED_HATCH} == {
        *range(7),
        *range(19, 24),
    }
    image = ax.images[0].get_array()
    assert image.mask[customs, 2] and not image.mask[customs, 10]  # closed and idle: no colour
    # The partner's accept stage is shut by Tết (one day of four measured): every hour closed on some days.
    assert {h for (r, h), hatch in hatched.items() if r == accept} == set(range(24))
    assert {hatch for (r, _), hatch in hatched.items() if r == accept} == {PART_CLOSED_HATCH}
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert legend == ["closed (every measured day)", "closed on some measured days"]


def test_forest_first_among_comparison_charts(tmp_path: Path, small_yaml: Path) -> None:
    from simulator.report.charts import chart_specs
    from simulator.report.inputs import load_inputs

    alt = faster_copy(small_yaml, tmp_path)
    out = tmp_path / "compare"
    args = ["compare", str(small_yaml), str(alt), "--days", "3", "--replications", "2", "--quiet", "--no-cache"]
    assert main([*args, "--out", str(out), "--no-report"]) == 0
    names = [spec.name for spec in chart_specs(load_inputs([out]), "en")]
    assert names[0] == "forest" and len(names) > 3
    from simulator import plots

    written = plots.comparison_charts(out, tmp_path / "charts")
    assert list(written)[0] == "forest"
