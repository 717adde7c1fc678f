"""Outputs a user can trust: result folders written whole, Parquet files, fee labels, narrow tables, progress."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import simulator
from simulator.analysis.tables import measured_days_by_month
from simulator.cli.commands import main
from simulator.experiments.folders import RunFolder
from simulator.experiments.progress import Reporter
from simulator.experiments.replication import replication_tasks, run_tasks
from simulator.experiments.results import Results

from .conftest import SCENARIOS

MM1 = SCENARIOS / "examples" / "mm1.yaml"
LANG_SON = SCENARIOS / "lang_son_2024.yaml"
SMALL = ["--days", "5", "--set", "run.warmup_days=1", "--replications", "2", "--seed", "3"]


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main([str(MM1), *SMALL, *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# ------------------------------------------------------------------------------ the result folder


def test_a_used_out_folder_is_refused_then_replaced_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _run(tmp_path, capsys, "--out", str(out))[0] == 0
    assert (out / "report.html").is_file() and (out / "charts").is_dir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = (out / "summary.json").read_bytes()

    status, _, err = _run(tmp_path, capsys, "--out", str(out), "--no-report")
    assert status == 2
    assert err.strip().splitlines() == [
        f"error: --out: {out}: is not empty: give --overwrite to replace it whole, or choose another --out"
    ]
    assert (out / "notes.txt").is_file() and (out / "summary.json").read_bytes() == before  # nothing lost

    assert _run(tmp_path, capsys, "--out", str(out), "--no-report", "--overwrite")[0] == 0
    assert not (out / "notes.txt").exists()  # replaced whole: no stale file of the earlier run ...
    assert not (out / "report.html").exists() and not (out / "charts").exists()  # ... nor its report
    assert (out / "summary.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "sim-cache"]  # no staging folder left behind


def test_an_empty_out_folder_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert _run(tmp_path, capsys, "--out", str(out), "--no-report")[0] == 0
    assert (out / "manifest.json").is_file()


def test_interrupted_writing_leaves_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []
    original = Results._write_large

    def interrupted(self: Results, folder: Path, fmt: str) -> None:
        original(self, folder, fmt)
        written.extend(p.name for p in folder.iterdir())
        raise KeyboardInterrupt

    monkeypatch.setattr(Results, "_write_large", interrupted)
    out = tmp_path / "out"
    status, _, err = _run(tmp_path, capsys, "--out", str(out), "--no-cache")
    assert status == 130 and "Traceback" not in err
    assert "summary.json" in written  # some files were written before the interruption ...
    assert not out.exists() and list(tmp_path.iterdir()) == []  # ... and none of them is left
    assert err.strip().splitlines() == [
        f"interrupted: no result folder was written ({out} is as it was); nothing was cached (--no-cache), "
        "so running it again starts over"
    ]


def test_interrupted_charts_leave_the_complete_results_and_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.report.plots as plots

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "standard_charts", interrupted)
    out = tmp_path / "out"
    status, _, err = _run(tmp_path, capsys, "--out", str(out))
    assert status == 130
    assert err.strip().splitlines() == [
        f"interrupted: the results are complete in {out}, but the charts and report were not written "
        f"(run_scenario.py report {out} writes the report)"
    ]
    assert RunFolder.load(out).name == "mm1"


# ---------------------------------------------------------------------------------------- Parquet


def test_parquet_files_are_typed_and_carry_the_scenario_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parquet, csv = tmp_path / "p", tmp_path / "c"
    assert _run(tmp_path, capsys, "--out", str(parquet), "--no-report")[0] == 0
    assert _run(tmp_path, capsys, "--out", str(csv), "--no-report", "--format", "csv")[0] == 0
    manifest = json.loads((parquet / "manifest.json").read_text(encoding="utf-8"))
    digest = manifest["scenario_sha256"]
    assert manifest["format"] == "parquet" and {"trucks.parquet", "timeseries.parquet"} <= set(manifest["files"])
    for name in ("trucks.parquet", "timeseries.parquet"):
        meta = pq.read_schema(parquet / name).metadata
        assert meta[b"scenario_sha256"].decode() == digest
    schema = pq.read_schema(parquet / "trucks.parquet")
    assert str(schema.field("truck").type) == "int32" and str(schema.field("t_exit_min").type) == "double"
    assert str(schema.field("stage").type).startswith("dictionary<values=string")
    assert {p.name for p in csv.iterdir()} >= {"trucks.csv.gz", "timeseries.csv"}
    assert not (csv / "trucks.parquet").exists()
    # RunFolder reads both forms alike: the same numbers, whichever format was written.
    a, b = RunFolder.load(parquet), RunFolder.load(csv)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_dtype=False)
    ta, tb = a.trucks(), b.trucks()
    assert len(ta) == len(tb) > 100
    pd.testing.assert_frame_equal(
        ta.astype(str).reset_index(drop=True), tb.astype(str).reset_index(drop=True), check_dtype=False
    )


def test_event_log_streamed_to_a_file_matches_the_one_kept_in_memory(tmp_path: Path) -> None:
    sc = simulator.load_scenario(LANG_SON, ["run.days=9", "run.warmup_days=1"])
    in_memory = simulator.run(sc, replications=1, event_log="first")
    streamed = simulator.run(sc, replications=1, event_log="first", log_dir=tmp_path / "logs")
    assert isinstance(in_memory.logs[0], bytes) and isinstance(streamed.logs[0], Path)
    assert in_memory.logs[0] == streamed.logs[0].read_bytes()  # the same Parquet bytes either way
    pd.testing.assert_frame_equal(
        in_memory.trucks.astype(str).reset_index(drop=True), streamed.trucks.astype(str).reset_index(drop=True)
    )
    pf = pq.ParquetFile(streamed.logs[0])
    assert pf.metadata.num_row_groups >= 2  # written a simulated week at a time, not as one table
    assert in_memory.files() == streamed.files()


# ------------------------------------------------------------------------------------------- fees


def test_fees_are_labelled_totals_with_a_per_day_figure(tmp_path: Path) -> None:
    assert measured_days_by_month(pd.Timestamp("2024-08-01").date(), 3, 40) == {"2024-08": 28, "2024-09": 9}
    sc = simulator.load_scenario(LANG_SON, ["run.days=40", "run.warmup_days=3"])
    res = simulator.run(sc, replications=2, event_log="none")
    fees = res.fees
    assert fees.groupby("gate").measured_days.sum().eq(37).all()
    assert (fees.total_per_day * fees.measured_days).to_numpy() == pytest.approx(fees.total.to_numpy())
    reps = res.replications.set_index(["replication", "scope", "key", "kpi"])["value"]
    for r in (0, 1):
        total = reps[(r, "all", "all", "fees_vnd_total")]
        assert reps[(r, "all", "all", "fees_vnd_per_day")] == pytest.approx(total / 37)
    kpi = simulator.analysis.registry.KPIS["fees_vnd_total"]
    assert kpi.label("en", days=37) == "Fees, total over 37 measured days (VND)"
    assert kpi.label("vi", days=37) == "Tổng phí thu trong 37 ngày đo (đồng)"


def test_terminal_tables_fit_80_columns_and_keep_every_digit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = tmp_path / "out"
    status = main([str(LANG_SON), "--days", "6", "--replications", "2", "--no-report", "--out", str(out)])
    text = capsys.readouterr().out
    assert status == 0
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "fees, total over 3 days (VND)" in text and "fees per day (VND)" in text
    summary = pd.read_csv(out / "replications.csv")
    fees = summary[(summary.scope == "all") & (summary.kpi == "fees_vnd_total")].value.mean()
    assert f"{fees:,.0f}" in text  # the whole figure, never cut
    for gate in ("Hữu Nghị", "Tân Thanh", "Chi Ma", "Cốc Nam"):
        assert gate in text
    assert re.search(r"\(1/\d\)", text)  # split into tables of whole columns


# --------------------------------------------------------------------------------------- progress


def test_progress_moves_within_a_replication() -> None:
    sc = simulator.load_scenario(LANG_SON, ["run.days=120", "run.warmup_days=3"])
    calls: list[tuple[float, int]] = []
    run_tasks(replication_tasks(sc, 1), progress=Reporter(lambda d, t: calls.append((d, t)), every_s=0.05))
    partial = [d for d, _ in calls if 0 < d < 1]
    assert len(partial) >= 3, calls  # several updates before the only replication finished
    assert partial == sorted(partial) and calls[-1] == (1, 1)
    assert all(t == 1 for _, t in calls)
