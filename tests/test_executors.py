"""Executors: serial, local processes and Dask give byte-identical results; failures are reported, not hung.

One Dask ``LocalCluster`` (two single-threaded worker processes) serves the whole module, and only
one test uses it, so pytest-xdist cannot start a second cluster on another worker.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import simulator
from simulator.cli.commands import main
from simulator.experiments.executors import (
    DaskExecutor,
    ExecutorError,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from simulator.experiments.replication import run
from simulator.experiments.results import Results
from simulator.experiments.studies import SweepResult, design_points, parse_param, sweep

from .conftest import ROOT, SCENARIOS

LANG_SON = SCENARIOS / "lang_son_2024.yaml"
MM1 = SCENARIOS / "examples" / "mm1.yaml"
# Two gates, opening hours on both clocks, several cargo classes and routes: a short but rich run.
LANG_SON_SHORT = ["run.days=3", "run.warmup_days=1"]


@pytest.fixture(scope="module")
def dask_executor() -> Iterator[DaskExecutor]:
    executor = DaskExecutor("local", workers=2)
    try:
        yield executor
    finally:
        executor.close()


def _result_bytes(res: Results) -> dict[str, bytes]:
    """:meth:`Results.files` without the event log, whose CSV and gzip take seconds to write.

    The event logs are compared as tables instead (``trucks.parquet`` is written from them).
    """
    return dataclasses.replace(res, outputs=[]).files()


def _sweep_files(result: SweepResult) -> tuple[bytes, bytes]:
    return result.table.to_csv(index=False).encode(), result.summary.to_csv(index=False).encode()


def test_serial_process_and_dask_are_byte_identical(
    dask_executor: DaskExecutor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = simulator.load_scenario(LANG_SON, LANG_SON_SHORT)
    serial = run(scenario, replications=4, event_log="all", executor=SerialExecutor())
    process_executor = ProcessExecutor(2)
    try:
        processes = run(scenario, replications=4, event_log="all", executor=process_executor)
    finally:
        process_executor.close()
    dask = run(scenario, replications=4, event_log="all", executor=dask_executor)

    # The result files, byte for byte; the event log (all replications, pickled back from the
    # workers) as an exactly equal table, which is what trucks.parquet is written from.
    expected = _result_bytes(serial)
    assert _result_bytes(processes) == expected
    assert _result_bytes(dask) == expected
    assert sorted(serial.trucks.replication.unique()) == [0, 1, 2, 3]
    pd.testing.assert_frame_equal(processes.trucks, serial.trucks, check_exact=True)
    pd.testing.assert_frame_equal(dask.trucks, serial.trucks, check_exact=True)
    # Replications differ from each other, so a result put back in the wrong order would show.
    per_rep = serial.replications[serial.replications.kpi == "throughput_per_day"].groupby("replication").value.first()
    assert per_rep.nunique() == 4

    # A sweep: every replication of every point is one task, spread over the workers.
    base = simulator.load_scenario(MM1, ["run.days=5", "run.warmup_days=1", "run.replications=3"])
    points = design_points([parse_param("gates.gate.stages.server.servers=1,2,3")])
    expected_sweep = _sweep_files(sweep(base, points, executor=SerialExecutor()))
    assert _sweep_files(sweep(base, points, executor=dask_executor)) == expected_sweep

    # The CLI on an existing scheduler (the module's cluster) writes the same files as a serial run.
    address = dask_executor.client.scheduler.address
    assert address.startswith("tcp://")
    common = ["sweep", str(MM1), "--param", "gates.gate.flows.arrivals.trucks_per_day=80,110", "--quiet", "--no-cache"]
    common += ["--days", "5", "--set", "run.warmup_days=1", "--replications", "3"]
    assert main([*common, "--out", str(tmp_path / "serial")]) == 0
    assert main([*common, "--out", str(tmp_path / "dask"), "--dask", address]) == 0
    assert capsys.readouterr().err == ""
    for name in ("sweep.csv", "sweep_summary.csv"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name
    # The CLI closed only its own client: the module's cluster still works.
    assert sorted(dask_executor.imap(math.sqrt, [4.0, 9.0])) == [(0, 2.0), (1, 3.0)]
    with pytest.raises(ValueError, match="math domain error"):
        list(dask_executor.imap(math.sqrt, [1.0, -1.0]))


class _ReversedExecutor:
    """Finishes tasks last to first: results must still come back in task order."""

    def imap(self, fn, tasks):  # type: ignore[no-untyped-def]
        for i in reversed(range(len(tasks))):
            yield i, fn(tasks[i])

    def close(self) -> None:
        return None


def test_results_do_not_depend_on_completion_order() -> None:
    scenario = simulator.load_scenario(MM1, ["run.days=4", "run.warmup_days=1"])
    serial = run(scenario, replications=3, event_log="none", executor=SerialExecutor())
    backwards = run(scenario, replications=3, event_log="none", executor=_ReversedExecutor())
    assert _result_bytes(backwards) == _result_bytes(serial)
    base = simulator.load_scenario(MM1, ["run.days=4", "run.warmup_days=1", "run.replications=2"])
    points = design_points([parse_param("gates.gate.flows.arrivals.trucks_per_day=60,120")])
    assert _sweep_files(sweep(base, points, executor=_ReversedExecutor())) == _sweep_files(
        sweep(base, points, executor=SerialExecutor())
    )


@pytest.mark.parametrize("kind", ["serial", "process"])
def test_imap_yields_every_task_once(kind: str) -> None:
    executor = SerialExecutor() if kind == "serial" else ProcessExecutor(2)
    try:
        tasks = [float(i * i) for i in range(12)]
        got = list(executor.imap(math.sqrt, tasks))
        assert sorted(i for i, _ in got) == list(range(12))
        assert dict(got) == {i: float(i) for i in range(12)}
        if kind == "serial":
            assert [i for i, _ in got] == list(range(12))
        with pytest.raises(ValueError, match="math domain error"):
            list(executor.imap(math.sqrt, [1.0, -1.0, 4.0]))
        # The executor is still usable after a failed task.
        assert dict(executor.imap(abs, [-3, 5])) == {0: 3, 1: 5}
    finally:
        executor.close()


def test_make_executor_choices() -> None:
    assert isinstance(make_executor(1), SerialExecutor)
    process = make_executor(3)
    assert isinstance(process, ProcessExecutor) and process.jobs == 3
    process.close()
    with pytest.raises(ValueError, match="jobs must be >= 1"):
        ProcessExecutor(0)


def test_unreachable_scheduler_fails_within_its_timeout() -> None:
    started = time.perf_counter()
    with pytest.raises(ExecutorError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:1 within 2 s"):
        DaskExecutor("tcp://127.0.0.1:1", timeout_s=2)
    assert time.perf_counter() - started < 10


def test_server_that_never_answers_does_not_hang() -> None:
    """A port that accepts connections but never speaks Dask (e.g. a web server) must fail, not hang."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    port = listener.getsockname()[1]
    started = time.perf_counter()
    try:
        with pytest.raises(ExecutorError, match="no Dask handshake"):
            DaskExecutor(f"tcp://127.0.0.1:{port}", timeout_s=2)
    finally:
        for conn in accepted:
            conn.close()
        listener.close()
    assert time.perf_counter() - started < 15


@pytest.mark.slow
def test_cli_unreachable_dask_exits_2_without_hanging(tmp_path: Path) -> None:
    # The CLI waits the default 20 s for the scheduler. Starting Python and importing the simulator and
    # Dask is timed first, so that a loaded machine does not fail the test; a hang would hit the 90 s
    # subprocess timeout.
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import simulator.cli.commands, dask.distributed"], check=True, timeout=90)
    startup = time.perf_counter() - started
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run_scenario.py"), str(MM1), "--dask", "tcp://127.0.0.1:1"]
        + ["--days", "3", "--set", "run.warmup_days=1", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )
    wall = time.perf_counter() - started
    assert proc.returncode == 2, proc.stderr
    assert wall - startup < 30, (wall, startup)
    expected = "error: --dask: tcp://127.0.0.1:1: cannot reach the Dask scheduler at tcp://127.0.0.1:1 within 20 s"
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o" / "summary.json").exists()


def test_jobs_do_not_change_cli_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(MM1), "--days", "5", "--set", "run.warmup_days=1", "--replications", "3", "--no-cache", "--quiet"]
    args += ["--event-log", "all"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--out", str(tmp_path / "two"), "--jobs", "2"]) == 0
    assert capsys.readouterr().err == ""
    for name in ("summary.json", "replications.csv", "timeseries.parquet", "trucks.parquet", "scenario.resolved.yaml"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    reps = pd.read_csv(tmp_path / "one" / "replications.csv")
    assert sorted(reps.replication.unique()) == [0, 1, 2]
