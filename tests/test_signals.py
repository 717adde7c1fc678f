"""Processes that stop when told: Ctrl-C and SIGTERM end a command at once, and no worker outlives it.

The CLI runs as a subprocess in its own session (its own process group, as a terminal job). Each
test waits, generously, until the workers have finished a replication (a cache entry exists),
sends the signal, and then holds the command to strict deadlines: exit within 5 s with status
130 (SIGINT) or 143 (SIGTERM) and one line on stderr, no traceback, no process of the session left
alive, finished replications still in the cache. A parent killed by SIGKILL must see its workers
exit by themselves within 10 s. Signals arriving while a result folder is moved into place are
tested in this process, at chosen moments (``os.replace`` is wrapped to send them).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.cli.commands import main
from simulator.experiments import writing
from simulator.experiments.executors import DaskExecutor
from simulator.experiments.results import Results
from simulator.experiments.writing import file_sha256

from .conftest import ROOT, SCENARIOS

pytestmark = pytest.mark.slow  # about a minute in all: the tests start real worker processes and clusters

LANG_SON = SCENARIOS / "lang_son_2024.yaml"
MM1 = SCENARIOS / "examples" / "mm1.yaml"
RUN = [str(LANG_SON), "--days", "40", "--replications", "8", "--seed", "5", "--no-report"]  # ~2 s a replication
SWEEP = ["sweep", str(LANG_SON), "--param", "run.seed=1,2,3,4", "--days", "40", "--replications", "2"]
START_S = 120.0  # generous: a loaded 2-core machine may take long to start
STOP_S = 5.0  # strict


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state, ppid, pgrp, session, ...), or None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")  # a zombie has exited


def _session(sid: int) -> set[int]:
    """Live processes of session ``sid`` (the command and everything it started)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[3]) == sid and fields[0] not in ("Z", "X"):
                found.add(int(entry.name))
    return found


def _entries(cache: Path) -> int:
    return len([f for f in cache.glob("*/*.entry") if not f.name.endswith(".log.entry")])


class Command:
    """The CLI in its own session, with stdout and stderr in files (workers cannot hold a pipe open)."""

    def __init__(self, args: list[str], folder: Path) -> None:
        self.folder, self.cache = folder, folder / "cache"
        self.err_path = folder / "stderr.txt"
        command = [*args, "--cache-dir", str(self.cache), "--out", str(folder / "out"), "--quiet"]
        with (folder / "stdout.txt").open("w") as out, self.err_path.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "run_scenario.py"), *command],
                stdout=out,
                stderr=err,
                cwd=folder,
                start_new_session=True,
            )
        self.pid = self.proc.pid

    def wait_for_work(self, entries: int = 1, workers: int = 2) -> set[int]:
        """Wait until ``entries`` replications are cached and ``workers`` processes run; return the session."""
        deadline = time.monotonic() + START_S
        while True:  # one reading of the session per round, and that reading is returned (no second look)
            session = _session(self.pid)
            if _entries(self.cache) >= entries and len(session) >= 1 + workers:
                return session
            assert self.proc.poll() is None, f"ended early ({self.proc.returncode}): {self.err_path.read_text()}"
            assert time.monotonic() < deadline, f"no work after {START_S} s"
            time.sleep(0.05)

    def stopped(self, timeout_s: float = STOP_S) -> tuple[int, str]:
        """Exit status and stderr, once the command has ended (within ``timeout_s``)."""
        try:
            status = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {timeout_s} s after the signal") from None
        return status, self.err_path.read_text()

    def kill(self) -> None:
        """Leave nothing behind, whatever the test did."""
        for pid in _session(self.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


@pytest.fixture
def command(tmp_path: Path):
    started: list[Command] = []

    def start(args: list[str]) -> Command:
        started.append(Command(args, tmp_path))
        return started[-1]

    yield start
    for c in started:
        c.kill()


def _assert_nothing_survives(pids: set[int], within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while any(_alive(p) for p in pids):
        assert time.monotonic() < deadline, f"still alive {within_s} s later: {[p for p in pids if _alive(p)]}"
        time.sleep(0.05)


def _assert_stopped(cmd: Command, processes: set[int], sent_at: float, status: int) -> None:
    code, err = cmd.stopped(STOP_S - (time.monotonic() - sent_at))
    assert code == status, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    word = "interrupted" if status == 130 else "terminated"
    assert err.startswith(f"{word}: ") and "finished replications are in the cache" in err, err
    _assert_nothing_survives(processes | _session(cmd.pid), STOP_S - (time.monotonic() - sent_at))


@pytest.mark.parametrize(
    ("signum", "to_group", "status"),
    [
        (signal.SIGINT, True, 130),  # Ctrl-C in a terminal: the parent and its workers all get SIGINT
        (signal.SIGINT, False, 130),
        (signal.SIGTERM, False, 143),  # kill PID, a service manager, a batch scheduler
    ],
    ids=["ctrl-c", "sigint-parent", "sigterm-parent"],
)
def test_a_signal_stops_a_jobs_run_at_once(command, signum: signal.Signals, to_group: bool, status: int) -> None:
    cmd = command([*RUN, "--jobs", "2"])
    processes = cmd.wait_for_work()
    cached = _entries(cmd.cache)
    sent_at = time.monotonic()
    (os.killpg if to_group else os.kill)(cmd.pid, signum)
    _assert_stopped(cmd, processes, sent_at, status)
    assert cached <= _entries(cmd.cache) < 8  # every finished replication kept; the run did not finish
    assert not (cmd.folder / "out").exists()


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["int", "term"])
def test_a_signal_stops_a_sweep_at_once(command, signum: signal.Signals, status: int) -> None:
    cmd = command([*SWEEP, "--jobs", "2"])
    processes = cmd.wait_for_work()
    sent_at = time.monotonic()
    os.killpg(cmd.pid, signum)
    _assert_stopped(cmd, processes, sent_at, status)
    assert 1 <= _entries(cmd.cache) < 8


def test_workers_die_with_a_killed_parent(command) -> None:
    cmd = command([*RUN, "--jobs", "2"])
    workers = cmd.wait_for_work(entries=0) - {cmd.pid}
    assert len(workers) >= 2
    os.kill(cmd.pid, signal.SIGKILL)  # no handler runs: the workers must notice by themselves
    assert cmd.proc.wait(timeout=STOP_S) == -signal.SIGKILL
    _assert_nothing_survives(workers, 10.0)


def test_dask_local_stops_at_once_and_dies_with_its_parent(command, tmp_path: Path) -> None:
    cmd = command([*RUN, "--dask", "local", "--jobs", "2"])
    processes = cmd.wait_for_work()
    sent_at = time.monotonic()
    os.killpg(cmd.pid, signal.SIGINT)
    _assert_stopped(cmd, processes, sent_at, 130)  # no nanny warnings, no 4 s wait for the workers

    (tmp_path / "second").mkdir()
    again = Command([*RUN, "--dask", "local", "--jobs", "2", "--seed", "6"], tmp_path / "second")
    try:
        workers = again.wait_for_work(entries=0) - {again.pid}
        os.kill(again.pid, signal.SIGKILL)
        again.proc.wait(timeout=STOP_S)
        _assert_nothing_survives(workers, 10.0)
    finally:
        again.kill()


def test_an_orphaned_worker_exits_by_itself_without_prctl(tmp_path: Path) -> None:
    """The portable watchdog alone (no PR_SET_PDEATHSIG): a child whose parent is SIGKILLed exits."""
    script = (
        "import multiprocessing as mp, os, sys, time\n"
        "from simulator.experiments.workers import watch_parent\n"
        "def child(parent):\n"
        "    watch_parent(parent, poll_s=0.2)\n"
        "    time.sleep(120)\n"
        "p = mp.get_context('fork').Process(target=child, args=(os.getpid(),))\n"
        "p.start()\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(0.5)
        assert _alive(child)  # the watchdog leaves a worker with a live parent alone
        parent.kill()
        parent.wait(timeout=STOP_S)
        _assert_nothing_survives({child}, 5.0)
    finally:
        parent.kill()
        parent.wait()


# ------------------------------------------------------------------ signals while files are written


SMALL = [str(MM1), "--days", "5", "--set", "run.warmup_days=1", "--replications", "2", "--seed", "3"]


def _signal_on_replace(monkeypatch: pytest.MonkeyPatch, which: str, signum: int = signal.SIGTERM) -> None:
    """Send ``signum`` to this process right after the ``os.replace`` of the result folder named ``which``:
    ``"staging"`` (the new folder moved into place) or ``"old"`` (an --overwrite's old folder moved aside)."""
    original = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        original(src, dst)
        moved = ".partial-" in Path(src).name if which == "staging" else ".old-" in Path(dst).parent.name
        if moved:
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(writing.os, "replace", replace)


@pytest.mark.parametrize("overwrite", [False, True], ids=["new", "overwrite"])
def test_a_signal_while_the_folder_moves_into_place_leaves_it_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, overwrite: bool
) -> None:
    out = tmp_path / "out"
    if overwrite:
        assert main([*SMALL, "--out", str(out), "--no-report", "--quiet", "--seed", "4"]) == 0
        capsys.readouterr()
    _signal_on_replace(monkeypatch, "old" if overwrite else "staging")
    flags = ["--overwrite"] if overwrite else []
    status = main([*SMALL, "--out", str(out), "--quiet", *flags])
    err = capsys.readouterr().err
    assert status == 143, err
    assert err.splitlines() == [
        f"terminated: the results are complete in {out}, but the charts and report were not written "
        f"(run_scenario.py report {out} writes the report)"
    ]
    monkeypatch.undo()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3  # the new run's folder, whole: every file it lists, with its checksum
    assert {p.name for p in out.iterdir()} == {"manifest.json", *manifest["files"]}
    assert all(file_sha256(out / name) == sha for name, sha in manifest["files"].items())
    assert not (out / "report.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "sim-cache"]  # no staging or old folder left


def test_a_signal_while_files_are_written_leaves_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Results._write_large

    def write_then_signal(self: Results, folder: Path, fmt: str) -> None:
        original(self, folder, fmt)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(Results, "_write_large", write_then_signal)
    out = tmp_path / "out"
    status = main([*SMALL, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert status == 143, err
    assert err.splitlines() == [
        f"terminated: no result folder was written ({out} is as it was); finished replications are in the "
        "cache, so running it again resumes where it stopped"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim-cache"]


def test_handlers_are_installed_by_the_command_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    assert main([*SMALL, "--out", str(tmp_path / "out"), "--quiet", "--no-report"]) == 0
    assert {s: signal.getsignal(s) for s in before} == before  # restored when the command returns
    # importing the CLI leaves the handlers as a fresh interpreter has them (SIGINT's own depends on the
    # parent: a shell's background job starts with it ignored, so the plain interpreter is the reference)
    show = "print([signal.getsignal(s) for s in (2, 15)])"

    def handlers(imports: str) -> str:
        code = f"import signal{imports}; {show}"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        return done.stdout.strip()

    plain = handlers("")
    assert plain.endswith("<Handlers.SIG_DFL: 0>]"), plain
    assert handlers(", simulator.cli.commands") == plain  # unchanged by the import


def test_the_dask_dashboard_is_asked_for(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*SMALL, "--out", str(tmp_path / "out"), "--dask-dashboard"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: --dask-dashboard: only with --dask local (a scheduler you started serves its own dashboard)"
    ]
    assert not (tmp_path / "out").exists()


def test_dask_local_serves_no_dashboard_unless_asked() -> None:
    executor = DaskExecutor("local", workers=1)
    try:
        scheduler = executor._cluster.scheduler  # type: ignore[union-attr]
        ports = [s.getsockname() for s in scheduler.http_server._sockets.values()]
        assert executor.dashboard_link is None
        assert ports and all(host == "127.0.0.1" and port != 8787 for host, port in ports), ports
    finally:
        executor.close()
