"""``--uncertainty N`` on the command line (issue 14): executors, resuming, bad options, the report.

The study is the small two-stage scenario with two uncertain inputs (a relative customs service
time and an integer entry server count); its alternative has one more customs server.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simulator.cli.commands import main
from simulator.experiments.executors import DaskExecutor

from .conftest import SMALL
from .test_resume import _cache_note, _entries, _wait_for_entries, spawn  # noqa: F401 (spawn is a fixture)

STUDY_FILES = ("uncertainty.json", "uncertainty_summary.csv", "robustness.csv", "sensitivity.csv", "samples.csv")
RANGES = [
    {"path": "gates.huu_nghi.stages.customs.service.mean_min", "dist": "uniform", "low": 0.7, "high": 1.3,
     "relative": True, "tag": "A", "why": "test: customs time not measured"},
    {"path": "gates.huu_nghi.stages.entry.servers", "dist": "integer_uniform", "low": 1, "high": 3, "tag": "A",
     "why": "test: gate lanes"},
]  # fmt: skip


def _pair(folder: Path) -> tuple[Path, Path]:
    data = yaml.safe_load(SMALL)
    data["uncertainty"] = RANGES
    base = folder / "small.yaml"
    base.write_text(yaml.safe_dump(data), encoding="utf-8")
    data["name"] = "small_fast"
    data["gates"]["huu_nghi"]["stages"]["customs"]["servers"] = 4
    alt = folder / "small_fast.yaml"
    alt.write_text(yaml.safe_dump(data), encoding="utf-8")
    return base, alt


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in (*STUDY_FILES, "sample_kpis.csv")}


@pytest.mark.slow
def test_serial_processes_and_dask_write_identical_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, alt = _pair(tmp_path)
    common = ["compare", str(base), str(alt), "--uncertainty", "5", "--no-cache", "--quiet"]
    common += ["--claim", "time_in_system_h_mean_change<=0"]
    assert main([*common, "--out", str(tmp_path / "serial")]) == 0
    assert main([*common, "--out", str(tmp_path / "jobs"), "--jobs", "2"]) == 0
    dask = DaskExecutor("local", workers=2)
    try:
        address = dask.client.scheduler.address
        assert main([*common, "--out", str(tmp_path / "dask"), "--dask", address]) == 0
    finally:
        dask.close()
    assert capsys.readouterr().err == ""
    expected = _files(tmp_path / "serial")
    assert _files(tmp_path / "jobs") == expected
    assert _files(tmp_path / "dask") == expected
    kpis = pd.read_csv(tmp_path / "serial" / "sample_kpis.csv")
    assert sorted(kpis["sample"].unique()) == [0, 1, 2, 3, 4] and set(kpis.scenario) == {"small", "small_fast"}
    manifest = json.loads((tmp_path / "dask" / "study_manifest.json").read_text(encoding="utf-8"))
    assert manifest["dask"] == address and manifest["samples"] == 5


def test_killed_study_resumes_from_the_cache(spawn, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    base, _ = _pair(tmp_path)
    cache = tmp_path / "cache"
    study = ["run", str(base), "--uncertainty", "8", "--days", "6", "--replications", "2"]
    proc = spawn([*study, "--cache-dir", str(cache), "--out", str(tmp_path / "first"), "--quiet"], tmp_path)
    _wait_for_entries(proc, cache, 3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    finished = _entries(cache)
    assert 3 <= finished < 16 and not (tmp_path / "first").exists()
    assert main([*study, "--cache-dir", str(cache), "--out", str(tmp_path / "resumed")]) == 0
    assert _cache_note(capsys.readouterr().out) == (finished, 16 - finished)
    assert main([*study, "--no-cache", "--out", str(tmp_path / "fresh"), "--quiet"]) == 0
    assert _files(tmp_path / "resumed") == _files(tmp_path / "fresh")


@pytest.mark.slow
def test_capacity_study_and_the_report_it_feeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, alt = _pair(tmp_path)
    runs = ["--days", "3", "--replications", "2", "--quiet"]
    capacity = ["capacity", str(base), str(alt), "--target", "time_in_system_h_mean<=6", "--tolerance", "0.4", *runs]
    assert main([*capacity, "--uncertainty", "2", "--claim", "capacity_ratio>=1", "--out", str(tmp_path / "u")]) == 0
    summary = pd.read_csv(tmp_path / "u" / "uncertainty_summary.csv")
    ratio = summary[summary.kpi == "capacity_ratio"]
    assert len(ratio) == 1 and ratio.p05.iloc[0] <= ratio["mean"].iloc[0] <= ratio.p95.iloc[0]
    robust = pd.read_csv(tmp_path / "u" / "robustness.csv")
    assert robust.claim.tolist() == ["capacity_ratio>=1"] and robust.n_samples.iloc[0] == 2
    assert main(["compare", str(base), str(alt), *runs, "--no-report", "--out", str(tmp_path / "c")]) == 0
    assert main(["report", str(tmp_path / "c"), str(tmp_path / "u"), "--out", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "How sure are we" in html and "capacity_ratio&gt;=1" in html.replace("≥", "&gt;=")
    capsys.readouterr()


def test_sobol_study_writes_both_indices_of_each_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--sobol`` end to end: Saltelli's N (d + 2) rows run, and S1 and ST of every input are written."""
    from SALib.analyze import sobol as analyze

    from simulator.experiments.uncertainty import prepare_study

    base, alt = _pair(tmp_path)
    args = ["--uncertainty", "4", "--sobol", "--days", "2", "--replications", "1", "--no-cache"]
    assert main(["compare", str(base), str(alt), *args, "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    sens = pd.read_csv(tmp_path / "s" / "sensitivity.csv")
    assert set(sens.method) == {"sobol_s1", "sobol_st"} and set(sens.input) == {r["path"] for r in RANGES}
    assert (sens.n_samples == 4 * (len(RANGES) + 2)).all()  # every Saltelli row has a value
    assert "(total Sobol index)" in out or "none ranked" in out, out
    # the written indices are SALib's own on the written KPIs
    kpis = pd.read_csv(tmp_path / "s" / "sample_kpis.csv")
    sel = kpis[(kpis.scope == "all") & (kpis.kpi == "time_in_system_h_mean") & (kpis.scenario == "small")]
    y = sel.sort_values("sample").value.to_numpy()
    problem = prepare_study("compare", [base, alt], 4, method="sobol").design.problem()
    res = analyze.analyze(problem, y, calc_second_order=False, num_resamples=500, seed=1)
    mine = sens[(sens.what == "value") & (sens.scenario == "small") & (sens.scope == "all")]
    mine = mine[mine.kpi == "time_in_system_h_mean"]
    for method, key in (("sobol_s1", "S1"), ("sobol_st", "ST")):
        got = mine[mine.method == method].set_index("input").reindex([r["path"] for r in RANGES])["index"]
        assert got.to_numpy() == pytest.approx(res[key], nan_ok=True), method


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--uncertainty", "0"], "--uncertainty: must be"),
        (["--uncertainty", "4", "--claim", "speed_of_light>=1"], "--claim: speed_of_light>=1: unknown KPI"),
        (["--sobol"], "--sobol: only with --uncertainty N"),
        (["--claim", "throughput_per_day>=1"], "--claim: only with --uncertainty N"),
        (["--uncertainty", "6", "--sobol"], "needs a power of 2 samples, got 6"),
        (["--uncertainty", "4", "--precision", "0.1"], "--precision: not with --uncertainty"),
        (["--uncertainty", "200000"], "--uncertainty: at most 100,000 samples"),
    ],
)
def test_bad_uncertainty_options_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], expected: str
) -> None:
    base, _ = _pair(tmp_path)
    assert main(["run", str(base), "--out", str(tmp_path / "o"), *extra]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert not (tmp_path / "o").exists()


def test_a_scenario_without_ranges_is_refused(small_yaml: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(small_yaml), "--uncertainty", "4"]) == 2
    err = capsys.readouterr().err
    assert "uncertainty: no scenario has an uncertainty: block" in err and len(err.strip().splitlines()) == 1
