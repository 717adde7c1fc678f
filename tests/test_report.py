"""The HTML decision report: self-contained, complete, bilingual, built from saved folders only."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure
from scipy import stats

from simulator import ScenarioError
from simulator.analysis.registry import KPIS
from simulator.cli.commands import main
from simulator.experiments.folders import RunFolder
from simulator.report.build import build_report, find_browser
from simulator.report.i18n import STRINGS, fmt_ci, fmt_number, kpi_name, t
from simulator.report.tags import parse_tags

from .conftest import ROOT, faster_copy, require_tool

TANDEM = ROOT / "scenarios" / "examples" / "tandem.yaml"
COMMON = ["--days", "6", "--replications", "3", "--set", "run.warmup_days=1", "--quiet", "--no-cache", "--no-report"]
NEW_KPIS = (
    "backlog_at_clock",
    "road_queue_mean",
    "road_queue_max",
    "road_km_mean",
    "road_km_max",
    "perishable_late_share",
    "fees_vnd_total",
    "fees_vnd_infrastructure",
    "fees_vnd_transloading",
    "diverted_per_day",
)
TAGGED = """\
# A header comment with a legend: [S] sourced, [I] inferred, [A] assumed (not a value's tag).
name: tagged
run: {start_date: 2024-01-01, days: 6, warmup_days: 1, replications: 3, seed: 99}
cargo_classes:
  general: {description: any cargo}
gates:
  gate:
    stages:
      inspection:
        servers: 2 # [A] no public source for the lanes
        # [S] §4b 20 min per truck
        service: {dist: exponential, mean_min: 20}
      exit_gate:
        servers: 1 # [I] §3 one booth, from the photo
        service: {dist: exponential, mean_min: 10}
    flows:
      arrivals:
        direction: export
        trucks_per_day: 108 # [S] §2b daily count
        class_mix: {general: 1.0}
        route: [inspection, exit_gate]
"""


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text (outside style) in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._style = False if tag == "style" else self._style

    def handle_data(self, data: str) -> None:
        if not self._style:
            self.text.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def _paired(base: Path, alt: Path) -> pd.DataFrame:
    """A comparison.csv by hand: paired t-intervals of alternative − base, whole system and gates."""
    keys = ["replication", "scope", "key", "kpi"]
    a = pd.read_csv(base / "replications.csv")
    b = pd.read_csv(alt / "replications.csv")
    merged = a.merge(b, on=keys, suffixes=("_b", "_a"))
    merged = merged[merged.scope.isin(["all", "gate"])]
    rows = []
    for (scope, key, kpi), g in merged.groupby(["scope", "key", "kpi"], sort=False):
        d = (g.value_a - g.value_b).to_numpy()
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        bm, am, dm = g.value_b.mean(), g.value_a.mean(), d.mean()
        rel = dm / bm if bm else float("nan")
        sig = bool(dm - half > 0 or dm + half < 0)
        rows.append(("tandem", "tandem_fast", scope, key, kpi, len(d), bm, am, dm, dm - half, dm + half, rel, sig))
    cols = "base alternative scope key kpi n base_mean alt_mean diff_mean diff_ci_low diff_ci_high rel_change"
    return pd.DataFrame(rows, columns=[*cols.split(), "significant"])


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report")
    run, compare = root / "run", root / "compare"
    assert main([str(TANDEM), *COMMON, "--out", str(run)]) == 0
    shutil.copytree(run, compare / "tandem")
    fast = ["--set", "name=tandem_fast", "--set", "gates.gate.stages.inspection.servers=3"]
    assert main([str(TANDEM), *COMMON, *fast, "--out", str(compare / "tandem_fast")]) == 0
    table = _paired(compare / "tandem", compare / "tandem_fast")
    table.to_csv(compare / "comparison.csv", index=False)
    info = {"base": "tandem", "alternatives": ["tandem_fast"], "seed": 20240104, "replications": 3}
    (compare / "comparison.json").write_text(json.dumps(info))
    manifest = {"command": ["run_scenario.py", "compare", str(TANDEM), "alt.yaml", "--days", "6"]}
    (compare / "manifest.json").write_text(json.dumps(manifest))
    return {"root": root, "run": run, "compare": compare}


@pytest.fixture(scope="module")
def report_en(folders: dict[str, Path]) -> str:
    return build_report([folders["run"]])


@pytest.fixture(scope="module")
def report_vi(folders: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    """Built through the command line, into the default file of a copy of the run folder."""
    copy = tmp_path_factory.mktemp("vi") / "run"
    shutil.copytree(folders["run"], copy)
    assert main(["report", str(copy), "--lang", "vi", "--quiet"]) == 0
    return (copy / "report.vi.html").read_text(encoding="utf-8")


def test_i18n_numbers_names_and_languages() -> None:
    assert fmt_number(1234.5, "en", 1) == "1,234.5"
    assert fmt_number(1234.5, "vi", 1) == "1.234,5"
    assert fmt_number(float("nan"), "vi") == "–"
    assert fmt_ci(12.34, 10.1, 14.5, "en", 1) == "12.3 (95% CI 10.1 to 14.5)"
    assert fmt_ci(1234.5, 1000, 1500, "vi", 1, short=True) == "1.234,5 [1.000,0; 1.500,0]"
    with pytest.raises(ValueError, match="en, vi"):
        fmt_number(1.0, "fr")
    assert set(STRINGS["en"]) == set(STRINGS["vi"])
    assert all(k.en and k.vi and k.en != k.vi for k in KPIS.values())  # every registry entry has both labels
    from simulator.analysis.kpis import STAGE_KPIS, TRUCK_KPIS

    for kpi in (*TRUCK_KPIS, *STAGE_KPIS, *NEW_KPIS):
        assert kpi_name(kpi, "en") != kpi and kpi_name(kpi, "vi") != kpi_name(kpi, "en")
    assert kpi_name("no_such_kpi", "vi") == "no_such_kpi"
    vi = " ".join(STRINGS["vi"].values())
    for word in ("Tóm tắt", "Phương pháp", "Kết quả", "khoảng tin cậy 95%", "xe/ngày", "giờ"):
        assert word.lower() in vi.lower()


def test_dejavu_sans_has_every_vietnamese_character() -> None:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(font_manager.findfont("DejaVu Sans")).get_charmap()
    text = " ".join([*STRINGS["vi"].values(), *(k.vi for k in KPIS.values())])
    missing = {ch for ch in text if ch.strip() and ord(ch) not in charmap}
    assert not missing


def test_report_is_self_contained_with_every_chart(folders: dict[str, Path], report_en: str) -> None:
    page = _parse(report_en)
    assert ("html", {"lang": "en"}) in page.tags
    for tag, attrs in page.tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith(("data:", "#")), f"<{tag} {name}={value[:40]!r}>"
    images = [attrs["src"] for tag, attrs in page.tags if tag == "img"]
    assert images and all(str(src).startswith("data:image/png;base64,") for src in images)
    assert len(images) == 4  # backlog, time-in-system ECDF, TRS breakdown, utilisation heatmap
    assert "@page { size: A4; margin: 15mm }" in report_en and "break-inside: avoid" in report_en
    assert not [t for t, _ in page.tags if t in ("script", "link", "iframe")]


def test_method_section_reads_the_run_files(folders: dict[str, Path], report_en: str) -> None:
    run = RunFolder.load(folders["run"])
    method = report_en[report_en.index('id="method"') :]
    text = "".join(_parse(method).text)
    assert "STRESS-DES" in report_en[report_en.index('id="method"') - 10 :][:80]
    assert str(run.summary["seed"]) in text
    assert f"{t('m.replications', 'en')}{run.summary['replications']}" in text.replace(" ", "")
    assert run.manifest["versions"]["python"] in text and run.manifest["versions"]["simpy"] in text
    assert "python run_scenario.py run " in text and str(folders["run"]) in text
    assert "SeedSequence" in text and "Student-t" in text
    assert f"{run.summary['days']} days per replication" in text


def test_summary_scenario_and_results_sections(folders: dict[str, Path], report_en: str) -> None:
    run = RunFolder.load(folders["run"])
    text = "".join(_parse(report_en).text)
    for key in ("h.answer", "h.scenario", "h.results", "h.method", "h.by_gate", "h.busiest", "h.assumptions"):
        assert t(key, "en") in text
    cleared = run.summary["kpis"]["throughput_per_day"]
    assert fmt_number(cleared["mean"], "en", 1) in text and fmt_number(cleared["ci_low"], "en", 1) in text
    assert "carries no [S]/[I]/[A] source tags" in text  # tandem.yaml has none
    assert "run.replications=3" in text  # the command-line overrides


def test_vietnamese_report(folders: dict[str, Path], report_vi: str) -> None:
    page = _parse(report_vi)
    assert ("html", {"lang": "vi"}) in page.tags
    text = "".join(page.text)
    english = [v for k, v in STRINGS["en"].items() if k.startswith(("h.", "lbl.", "m.")) and len(v) > 4]
    assert not [h for h in english if h in text], "English headings or labels in the Vietnamese report"
    for key in ("h.answer", "h.method", "h.results", "h.appendix"):
        assert t(key, "vi") in text
    mean = RunFolder.load(folders["run"]).summary["kpis"]["throughput_per_day"]["mean"]
    assert "," in fmt_number(mean, "vi", 1) and fmt_number(mean, "vi", 1) in text
    assert len([1 for tag, _ in page.tags if tag == "img"]) == 4


def test_compare_folder_report(folders: dict[str, Path]) -> None:
    html = build_report([folders["compare"]])
    page = _parse(html)
    text = "".join(page.text)
    assert len([1 for tag, _ in page.tags if tag == "img"]) == 7  # backlog, ECDF, 2 TRS, 2 heatmaps, forest
    assert t("h.key_differences", "en") in text and t("h.comparison", "en") in text
    assert "95% CI of the difference" in text and "tandem_fast is lower than tandem" in text
    assert "python run_scenario.py compare" in text  # the comparison's own command
    # the proposal, as changes from the base: a readable row (gate, stage, parameter, base value, this value)
    chunks = [c.strip() for c in page.text if c.strip()]
    row = ["gate", "inspection", "servers", "2", "3"]
    assert any(chunks[i : i + 5] == row for i in range(len(chunks))), "the change is not a readable table row"


def test_forest_plot_and_chart_languages(folders: dict[str, Path]) -> None:
    from simulator import plots

    table = pd.read_csv(folders["compare"] / "comparison.csv")
    run = RunFolder.load(folders["run"])
    figures = {
        "forest": plots.forest_plot(table, lang="vi"),
        "forest_en": plots.forest_plot(table, kpis=["throughput_per_day", "queue_mean"]),
        "backlog": plots.backlog_over_time([run], lang="vi"),
        "heatmap": plots.utilisation_heatmap(run, lang="vi"),
        "trs": plots.trs_breakdown(run, lang="vi"),
    }
    for fig in figures.values():
        assert isinstance(fig, Figure)
        axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert fig.get_suptitle() or any(ax.get_title() for ax in axes)
        assert any(ax.get_xlabel() for ax in axes)
        assert all(ax.get_ylabel() for ax in axes if ax.has_data())
    assert figures["forest"].get_suptitle().startswith("Chênh lệch theo cặp")
    assert len(figures["forest_en"].axes) == 2 and "Tandem Fast" in figures["forest_en"].get_suptitle()
    assert figures["backlog"].axes[0].get_ylabel() == t("chart.backlog.ylabel", "vi")
    assert figures["heatmap"].axes[0].get_ylabel() == t("chart.util.ylabel", "vi")
    with pytest.raises(ValueError, match="no_such_kpi"):
        plots.forest_plot(table, kpis=["no_such_kpi"])


def _capacity(run: RunFolder) -> dict[str, object]:
    """A capacity.json entry by hand (the shape ``capacity`` writes)."""

    def ci(mean: float) -> dict[str, float]:
        return {"mean": mean, "ci_low": mean * 0.9, "ci_high": mean * 1.1}

    evaluations = [
        {"multiplier": m, "kpi": ci(k), "throughput_per_day": ci(108 * m), "arrived_per_day": ci(108 * m)}
        for m, k in ((1.0, 2.6), (1.25, 2.9), (1.5, 4.0))
    ]
    return {
        "scenario": run.name,
        "target": "time_in_system_h_p95<=3",
        "target_kpi": "time_in_system_h_p95",
        "target_value": 3.0,
        "base_demand_per_day": 108.0,
        "multiplier": 1.2,
        "capacity_per_day": 129.6,
        "capacity_ci": [118.8, 140.4],
        "bottleneck": "gate.exit_gate",
        "bottleneck_utilisation": 0.88,
        "met_at_base": True,
        "evaluations": evaluations,
    }


def test_capacity_sensitivity_and_overload(folders: dict[str, Path], tmp_path: Path) -> None:
    folder, study = tmp_path / "run", tmp_path / "capacity"
    shutil.copytree(folders["run"], folder)
    run = RunFolder.load(folder)
    study.mkdir()
    (study / "capacity.json").write_text(json.dumps([_capacity(run)]))
    sensitivity = {
        "parameter": ["gates.gate.stages.exit_gate.servers"],
        "base_value": [1],
        "low_value": [1],
        "high_value": [2],
        "kpi": ["time_in_system_h_mean"],
        "base_mean": [1.1],
        **{
            f"{side}_{c}": [v * f]
            for side, v in (("low", 1.1), ("high", 0.8))
            for c, f in (("mean", 1), ("ci_low", 0.9), ("ci_high", 1.1))
        },
        "swing": [0.3],
    }
    pd.DataFrame(sensitivity).to_csv(folder / "sensitivity.csv", index=False)
    summary = json.loads((folder / "summary.json").read_text())
    summary["unstable"] = True
    summary["stability"]["all"]["unstable"] = True
    (folder / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(ScenarioError, match="no run or compare result folder"):
        build_report([study])
    html = build_report([folder, study], lang="vi")
    page = _parse(html)
    text = "".join(page.text)
    assert len([1 for tag, _ in page.tags if tag == "img"]) == 6  # the four run charts, capacity curve, tornado
    # an older capacity.json (no capacity.csv) still fills page 1's table: capacity (CI) and ×today
    assert "130 [119; 140], ×1,20" in text
    assert "KHÔNG ỔN ĐỊNH: lượng xe tồn đọng của toàn hệ thống" in text


def test_source_tags_from_the_original_scenario_file(tmp_path: Path) -> None:
    values = {v.path: v for v in parse_tags(TAGGED)}
    assert set(values) == {
        "gates.gate.stages.inspection.servers",
        "gates.gate.stages.inspection.service",
        "gates.gate.stages.exit_gate.servers",
        "gates.gate.flows.arrivals.trucks_per_day",
    }
    assert values["gates.gate.stages.inspection.service"].tags == ("S",)
    scenario = tmp_path / "tagged.yaml"
    scenario.write_text(TAGGED, encoding="utf-8")
    out = tmp_path / "run"
    args = ["--days", "4", "--replications", "2", "--out", str(out), "--quiet", "--no-cache", "--no-report"]
    assert main([str(scenario), *args]) == 0
    html = build_report([out])
    assert "[A] assumed" in html and "no public source for the lanes" in html and "§2b daily count" in html
    assert "1 values sourced [S]" not in html and "2 values sourced [S], 1 inferred [I], 1 assumed [A]" in html
    scenario.unlink()
    assert "source tags were not available" in build_report([out])


def test_folders_that_do_not_fit_together(folders: dict[str, Path], tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(folders["run"], other)
    resolved = yaml.safe_load((other / "scenario.resolved.yaml").read_text())
    resolved["gates"]["huu_nghi"] = resolved["gates"].pop("gate")
    (other / "scenario.resolved.yaml").write_text(yaml.safe_dump(resolved))
    with pytest.raises(ScenarioError, match="gates differ.*only in tandem: gate.*huu_nghi"):
        build_report([folders["run"], other])
    compare = tmp_path / "compare"
    shutil.copytree(folders["compare"], compare)
    shutil.rmtree(compare / "tandem_fast")
    with pytest.raises(ScenarioError, match="tandem_fast/ is missing"):
        build_report([compare])


def test_cli_bad_input_exits_2_with_a_message(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(folders["run"]), "--lang", "fr", "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "unknown language 'fr'" in err and "en, vi" in err and "Traceback" not in err
    broken = tmp_path / "broken"
    shutil.copytree(folders["run"], broken)
    (broken / "summary.json").unlink()
    assert main(["report", str(broken)]) == 2
    assert "summary.json is missing" in capsys.readouterr().err
    assert not (broken / "report.html").exists()


def test_cli_pdf_without_chromium(
    folders: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "report.html"
    assert main(["report", str(folders["run"]), "--out", str(out), "--pdf", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "needs headless Chromium" in err and f"HTML report was written to {out}" in err
    assert out.is_file() and not out.with_suffix(".pdf").exists()


def test_cli_pdf_with_chromium(folders: dict[str, Path], tmp_path: Path) -> None:
    if find_browser() is None:  # skipped outside CI only; CI installs Chromium (.ci/run)
        require_tool("chromium", "the PDF is printed with headless Chromium or Chrome")
    out = tmp_path / "report.html"
    assert main(["report", str(folders["run"]), "--out", str(out), "--pdf", "--quiet"]) == 0
    assert out.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"


def test_reporting_never_imports_simpy(folders: dict[str, Path]) -> None:
    code = (
        "import sys\n"
        "import simulator.report.i18n, simulator.cli.report, simulator.report.build\n"
        "from simulator.report.build import build_report\n"
        f"build_report([{str(folders['run'])!r}], lang='vi')\n"
        "bad = [m for m in ('simpy', 'simulator.engine.model') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_compare_writes_its_charts_and_report_by_default(
    small_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alt = faster_copy(small_yaml, tmp_path)
    out = tmp_path / "compare"
    args = ["compare", str(small_yaml), str(alt), "--days", "3", "--replications", "2", "--quiet", "--no-cache"]
    assert main([*args, "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    charts = {p.name for p in (out / "charts").iterdir()}
    assert {f"{name}.{ext}" for name in ("forest", "backlog", "time_in_system") for ext in ("png", "svg")} == charts
    html = (out / "report.html").read_text(encoding="utf-8")
    page = _parse(html)
    text = "".join(page.text)
    assert t("h.comparison", "en") in text and "small_fast" in text
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(images) == 7  # forest, backlog, ECDF, and a TRS breakdown and a heatmap per scenario
    assert any(str(a.get("alt", "")).startswith("Paired differences from Small") for a in images)
    assert not (out / "small" / "report.html").exists()  # one report, for the comparison
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "report.html" not in manifest["files"]
    assert main([*args, "--out", str(tmp_path / "bare"), "--no-report"]) == 0
    assert not (tmp_path / "bare" / "report.html").exists() and not (tmp_path / "bare" / "charts").exists()
