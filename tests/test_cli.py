"""End to end: the CLI on every shipped scenario with a short horizon, and the library API."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

import simulator
from simulator.cli.commands import main

from .conftest import SCENARIOS

REQUIRED_KPIS = ("throughput_per_day", "time_in_system_h_mean", "time_in_system_h_p95", "queue_max")
RESULT_FILES = (
    "summary.json",
    "replications.csv",
    "trucks.parquet",
    "timeseries.parquet",
    "trs.csv",
    "fees.csv",
    "scenario.resolved.yaml",
    "manifest.json",
)


def _runnable() -> list[Path]:
    return sorted(SCENARIOS.glob("examples/*.yaml")) + sorted(SCENARIOS.glob("lang_son_2024.yaml"))


@pytest.mark.parametrize("path", _runnable(), ids=lambda p: p.stem)
def test_cli_runs_every_scenario(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    # The default charts and report are drawn for every example; the Lạng Sơn run's charts (the slowest to
    # draw) are checked in test_plots.py, so its run here skips them.
    report = ["--no-report"] if path.stem.startswith("lang_son") else []
    args = ["--days", "4", "--replications", "2", "--seed", "3", "--out", str(out), "--set", "run.warmup_days=1"]
    status = main([str(path), *report, *args])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "mean and 95% CI" in captured.out
    for name in RESULT_FILES:
        assert (out / name).is_file(), name
    assert not list(out.glob(".*.tmp")), "temporary files left behind"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["seed"] == 3 and summary["replications"] == 2 and summary["days"] == 4
    sc = simulator.load_scenario(path)
    assert summary["scenario"] == sc.name
    assert set(summary["by_gate"]) == set(sc.gates)
    for kpi in REQUIRED_KPIS:
        assert set(summary["kpis"][kpi]) == {"mean", "ci_low", "ci_high"}
        for gate in sc.gates:
            assert kpi in summary["by_gate"][gate]
    assert summary["kpis"]["throughput_per_day"]["mean"] > 0
    resolved = yaml.safe_load((out / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    assert resolved["run"]["days"] == 4 and resolved["run"]["warmup_days"] == 1
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 3 and manifest["command"][-1] == "run.warmup_days=1"
    assert {"python", "numpy", "simpy"} <= set(manifest["versions"])
    suspends = any(g.demand is not None and g.demand.suspension for g in sc.gates.values())
    extra = {"suspensions.csv"} if suspends else set()  # reacting demand's suspension periods
    assert set(manifest["files"]) == (set(RESULT_FILES) - {"manifest.json"}) | extra
    assert (out / "report.html").is_file() != bool(report) and (out / "charts" / "backlog.png").is_file() != bool(
        report
    )
    reps = pd.read_csv(out / "replications.csv")
    assert list(reps.columns) == ["replication", "scope", "key", "kpi", "value"]
    assert sorted(reps.replication.unique()) == [0, 1]


def test_quiet_prints_nothing(small_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(small_yaml), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_default_out_folder(small_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(small_yaml), "--quiet", "--no-report"]) == 0
    (stamp,) = list((tmp_path / "results" / "small").iterdir())
    assert (stamp / "summary.json").is_file()


def test_validate_ok_and_schema(small_yaml: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(small_yaml)]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "gates" in schema["properties"] and "extends" in schema["properties"]


def test_library_api(small_yaml: Path, tmp_path: Path) -> None:
    sc = simulator.load_scenario(small_yaml)
    res = simulator.run(sc, replications=3, seed=11)
    assert isinstance(res.summary, pd.DataFrame)
    assert set(res.replications.replication) == {0, 1, 2}
    row = res.kpi("throughput_per_day")
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    trucks = res.trucks
    assert {"truck", "gate", "stage", "t_queue_min", "t_start_min", "t_end_min"} <= set(trucks.columns)
    assert set(trucks.stage) == {"entry", "customs"}
    assert set(res.timeseries.metric) == {"queue", "busy", "in_system", "road_queue", "road_km"}
    folder = res.to_dir(tmp_path / "lib")
    assert (folder / "summary.json").is_file() and (folder / "manifest.json").is_file()
    with pytest.raises(KeyError):
        res.kpi("no_such_kpi")


@pytest.mark.parametrize(("choice", "expected"), [("all", {0, 1, 2}), ("first", {0}), ("none", set())])
def test_event_log_choice(small_yaml: Path, tmp_path: Path, choice: str, expected: set[int]) -> None:
    out = tmp_path / choice
    report = [] if choice == "none" else ["--no-report"]  # charts without an event log: no ECDF
    args = [str(small_yaml), "--replications", "3", "--event-log", choice, "--out", str(out), "--quiet", *report]
    assert main(args) == 0
    log = pd.read_parquet(out / "trucks.parquet")
    assert set(log.replication) == expected
    if choice == "none":
        charts = {p.stem for p in (out / "charts").glob("*.png")}
        assert charts == {"backlog", "utilisation", "trs_breakdown"}  # the TRS breakdown comes from trs.csv
        assert (out / "report.html").read_text(encoding="utf-8").count("<img ") == 3
    reps = pd.read_csv(out / "replications.csv")
    assert set(reps.replication) == {0, 1, 2}  # KPIs never depend on the log choice


STANDARD_CHARTS = ("backlog", "utilisation", "trs_breakdown", "time_in_system")


def test_run_writes_charts_and_report_by_default(
    small_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main([str(small_yaml), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "report" in printed and str(out / "report.html") in printed.replace("\n", "")
    charts = {p.name for p in (out / "charts").iterdir()}
    assert charts == {f"{name}.{ext}" for name in STANDARD_CHARTS for ext in ("png", "svg")}
    for name in STANDARD_CHARTS:
        png = (out / "charts" / f"{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('<img src="data:image/png;base64,') == len(STANDARD_CHARTS) and "STRESS-DES" in html
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == set(RESULT_FILES) - {"manifest.json"}  # derived files are not listed


def test_no_report_skips_charts_and_report(
    small_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main([str(small_yaml), "--out", str(out), "--quiet", "--no-report"]) == 0
    assert capsys.readouterr().out == ""
    assert (out / "summary.json").is_file()
    assert not (out / "charts").exists() and not (out / "report.html").exists()
