"""The replication cache: interrupted commands resume without recomputing finished replications.

The interruption tests run the CLI as a subprocess in its own session, poll the cache folder until
some replications are stored, and stop the process with a signal. The rerun must read exactly the
entries on disk (``hits``) and run only the rest, and its result files must equal, byte for byte,
those of an uninterrupted run without the cache.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import simulator
from simulator.cli.commands import main
from simulator.experiments.cache import CacheError, ReplicationCache, decode, default_cache_dir
from simulator.experiments.replication import Task, replication_tasks, run_tasks

from .conftest import ROOT, SCENARIOS

MM1 = SCENARIOS / "examples" / "mm1.yaml"
RUN_SCENARIO = ROOT / "run_scenario.py"
RESULT_FILES = ("summary.json", "replications.csv", "timeseries.parquet", "trucks.parquet", "scenario.resolved.yaml")


def _entries(folder: Path) -> int:
    return len([f for f in folder.glob("*/*.entry") if not f.name.endswith(".log.entry")])


@pytest.fixture
def spawn() -> Iterator:
    """Start CLI subprocesses in their own sessions; kill whatever is left of them at the end."""
    started: list[subprocess.Popen[str]] = []

    def start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, str(RUN_SCENARIO), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            start_new_session=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _wait_for_entries(proc: subprocess.Popen[str], cache: Path, count: int, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while _entries(cache) < count:
        if proc.poll() is not None:
            raise AssertionError(f"the command ended (status {proc.returncode}) early: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {count} cache entries after {timeout_s} s")
        time.sleep(0.01)


def _cache_note(stdout: str) -> tuple[int, int]:
    match = re.search(r"\((\d+) replications read from the cache, (\d+) run\)", " ".join(stdout.split()))
    assert match, stdout
    return int(match[1]), int(match[2])


def test_interrupted_sweep_resumes_from_the_cache(
    spawn, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    cache = tmp_path / "cache"
    # 4 points x 5 replications = 20 tasks of ~0.1 s each, run one at a time.
    sweep = ["sweep", str(MM1), "--param", "gates.gate.flows.arrivals.trucks_per_day=80,100,120,130"]
    sweep += ["--days", "40", "--set", "run.warmup_days=2", "--replications", "5", "--seed", "9"]
    total = 20
    proc = spawn([*sweep, "--cache-dir", str(cache), "--out", str(tmp_path / "first"), "--quiet"], tmp_path)
    _wait_for_entries(proc, cache, 3)
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "resumes where it stopped" in err and "Traceback" not in err
    finished = _entries(cache)
    assert 3 <= finished < total
    assert not (tmp_path / "first" / "sweep.csv").exists()

    assert main([*sweep, "--cache-dir", str(cache), "--out", str(tmp_path / "resumed")]) == 0
    hits, ran = _cache_note(capsys.readouterr().out)
    assert (hits, ran) == (finished, total - finished)
    assert _entries(cache) == total

    assert main([*sweep, "--no-cache", "--out", str(tmp_path / "fresh"), "--quiet"]) == 0
    assert _entries(default_cache_dir()) == 0  # --no-cache writes nothing
    for name in ("sweep.csv", "sweep_summary.csv"):
        assert (tmp_path / "resumed" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name
    assert len(pd.read_csv(tmp_path / "fresh" / "sweep.csv").groupby(["point", "replication"])) == total


def test_killed_run_resumes_from_the_cache(spawn, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    run = [str(MM1), "--days", "40", "--set", "run.warmup_days=2", "--replications", "16", "--seed", "3"]
    proc = spawn(
        [*run, "--jobs", "2", "--cache-dir", str(cache), "--out", str(tmp_path / "first"), "--quiet"], tmp_path
    )
    _wait_for_entries(proc, cache, 3)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes, with no chance to clean up
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    finished = _entries(cache)
    assert 3 <= finished < 16
    # SIGKILL can interrupt a write, which may leave a temporary file, but never a half-written entry: every
    # entry is renamed into place only once complete, so each one that exists loads.
    for entry in cache.glob("*/*.entry"):
        decode(entry.name.split(".")[0], entry.read_bytes())  # passes its checksum and parses

    resumed = tmp_path / "resumed"
    assert main([*run, "--cache-dir", str(cache), "--out", str(resumed)]) == 0
    stdout = " ".join(capsys.readouterr().out.split())
    assert f"16 replications ({finished} read from the cache) run and written" in stdout
    assert _entries(cache) == 16

    assert main([*run, "--no-cache", "--out", str(tmp_path / "fresh"), "--quiet"]) == 0
    for name in RESULT_FILES:
        assert (resumed / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name


def test_dead_worker_loses_no_finished_replication(spawn, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    run = [str(MM1), "--days", "40", "--set", "run.warmup_days=2", "--replications", "16", "--seed", "4"]
    run += ["--event-log", "none"]
    proc = spawn(
        [*run, "--jobs", "2", "--cache-dir", str(cache), "--out", str(tmp_path / "first"), "--quiet"], tmp_path
    )
    _wait_for_entries(proc, cache, 2)
    listing = subprocess.run(
        ["ps", "--ppid", str(proc.pid), "-o", "pid=,args="], capture_output=True, text=True, check=False
    )
    workers = [int(line.split()[0]) for line in listing.stdout.splitlines() if "resource_tracker" not in line]
    assert workers, "no worker processes found"
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2, stderr
    assert "a worker process died" in stderr and "Traceback" not in stderr
    finished = _entries(cache)
    assert finished >= 2

    resumed = tmp_path / "resumed"
    assert main([*run, "--cache-dir", str(cache), "--out", str(resumed)]) == 0
    stdout = " ".join(capsys.readouterr().out.split())
    assert f"({finished} read from the cache)" in stdout
    assert main([*run, "--no-cache", "--out", str(tmp_path / "fresh"), "--quiet"]) == 0
    for name in RESULT_FILES:
        assert (resumed / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name


# ------------------------------------------------------------------------------------------ library


def _tasks(n: int = 4) -> list[Task]:
    sc = simulator.load_scenario(MM1, ["run.days=4", "run.warmup_days=1"])
    return replication_tasks(sc, n, seed=8)


def test_each_result_is_stored_as_soon_as_it_finishes(tmp_path: Path) -> None:
    cache = ReplicationCache(tmp_path / "c")
    seen: list[tuple[int, int, int]] = []
    first = run_tasks(
        _tasks(), cache=cache, progress=lambda done, total: seen.append((done, total, _entries(cache.path)))
    )
    assert seen == [(i, 4, i) for i in range(1, 5)]
    assert (cache.hits, cache.misses) == (0, 4)

    again = ReplicationCache(tmp_path / "c")
    second = run_tasks(_tasks(), cache=again)
    assert (again.hits, again.misses) == (4, 0)
    for a, b in zip(first, second):
        pd.testing.assert_frame_equal(a.kpis, b.kpis, check_exact=True)
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_exact=True)

    # A corrupt entry counts as missing and is recomputed (and rewritten).
    victim = cache._file(_tasks()[2].cache_key())
    victim.write_bytes(b"not a cache entry")
    third = ReplicationCache(tmp_path / "c")
    results = run_tasks(_tasks(), cache=third)
    assert (third.hits, third.misses) == (3, 1)
    pd.testing.assert_frame_equal(results[2].kpis, first[2].kpis, check_exact=True)
    assert ReplicationCache(tmp_path / "c").get(_tasks()[2].cache_key()) is not None


def test_cache_keys_separate_what_changes_results() -> None:
    base = _tasks(2)[1]
    other_scenario = replication_tasks(simulator.load_scenario(MM1, ["run.days=5", "run.warmup_days=1"]), 2, seed=8)[1]
    variants = [
        base,
        Task(base.scenario, 0, base.seed),
        Task(base.scenario, 1, base.seed + 1),
        Task(base.scenario, 1, base.seed, demand_multiplier=1.5),
        other_scenario,
    ]
    keys = [t.cache_key() for t in variants]
    assert len(set(keys)) == len(keys)
    assert Task(base.scenario, 1, base.seed).cache_key() == base.cache_key()
    # what does not change one replication's numbers does not change its key: keeping its event
    # log (a second entry beside it) and the number of replications or default seed of the run
    assert Task(base.scenario, 1, base.seed, keep_log=True).cache_key() == base.cache_key()
    more = base.scenario.model_copy(update={"run": base.scenario.run.model_copy(update={"replications": 9, "seed": 1})})
    assert Task(more, 1, base.seed).cache_key() == base.cache_key()
    assert re.fullmatch(r"[0-9a-f]{64}", base.cache_key())


def test_unwritable_cache_folder_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(CacheError, match="is not writable"):
        ReplicationCache(blocker / "cache").check_writable()
    ReplicationCache(tmp_path / "fine" / "cache").check_writable()
    assert (tmp_path / "fine" / "cache").is_dir() and not list((tmp_path / "fine" / "cache").iterdir())


def test_cache_info_and_clear(
    small_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    default = default_cache_dir()
    assert default == tmp_path / "sim-cache"  # the conftest's private folder
    own = tmp_path / "own"
    assert main([str(small_yaml), "--out", str(tmp_path / "a"), "--quiet", "--cache-dir", str(own)]) == 0
    assert main([str(small_yaml), "--out", str(tmp_path / "b"), "--quiet", "--seed", "99"]) == 0
    capsys.readouterr()

    assert main(["cache-info", "--cache-dir", str(own)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    size = ReplicationCache(own).info().bytes
    assert size > 0
    assert f"{own}: 2 cached replications, {size / 1e6:,.1f} MB" in out
    assert main(["cache-info"]) == 0
    assert f"{default}: 2 cached replications" in " ".join(capsys.readouterr().out.split())

    assert main(["cache-info", "--clear"]) == 0
    assert f"cleared 2 cached replications from {default}" in " ".join(capsys.readouterr().out.split())
    assert _entries(default) == 0 and _entries(own) == 2  # only the chosen folder is cleared
    assert main(["cache-info"]) == 0
    assert f"{default}: 0 cached replications" in " ".join(capsys.readouterr().out.split())

    # After clearing, a rerun computes everything again.
    assert main([str(small_yaml), "--out", str(tmp_path / "c"), "--seed", "99"]) == 0
    assert "read from the cache" not in " ".join(capsys.readouterr().out.split())
    assert main([str(small_yaml), "--out", str(tmp_path / "d"), "--seed", "99"]) == 0
    assert "(2 read from the cache)" in " ".join(capsys.readouterr().out.split())
