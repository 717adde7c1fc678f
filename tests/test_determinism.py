"""Reproducibility: the same seed gives the same bytes, whatever the process, hash seed or worker count.

The CLI runs are real subprocesses. Each gets its own ``PYTHONHASHSEED``, so anything that depended on
set or dict-of-str iteration order, ``hash()`` or process identity would show up as a byte difference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import simulator

ROOT = Path(__file__).resolve().parents[1]
MM1 = ROOT / "scenarios" / "examples" / "mm1.yaml"
ARGS = ["--days", "20", "--replications", "3", "--quiet", "--no-cache"]  # recompute: never read a cache
COMPARED = ("summary.json", "trucks.parquet", "replications.csv", "timeseries.parquet", "scenario.resolved.yaml")


def _start(out: Path, *extra: str, hash_seed: str) -> tuple[Path, subprocess.Popen[str]]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    cmd = [sys.executable, str(ROOT / "run_scenario.py"), str(MM1), *ARGS, "--out", str(out), *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return out, proc


def _collect(out: Path, proc: subprocess.Popen[str]) -> dict[str, bytes]:
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert stdout == "", "--quiet must print nothing"
    files = {name: (out / name).read_bytes() for name in COMPARED}
    files["manifest.json"] = (out / "manifest.json").read_bytes()
    return files


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """Four CLI runs, started together (they are independent processes) and collected in turn."""
    base = tmp_path_factory.mktemp("determinism")
    started = {
        "a": _start(base / "a", hash_seed="1"),
        "b": _start(base / "b", hash_seed="2"),
        "jobs2": _start(base / "jobs2", "--jobs", "2", hash_seed="3"),
        "seed": _start(base / "seed", "--seed", "987654321", hash_seed="1"),
    }
    try:
        return {key: _collect(*run) for key, run in started.items()}
    finally:
        for _, proc in started.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.mark.parametrize("name", COMPARED)
def test_same_seed_same_bytes(cli_runs: dict[str, dict[str, bytes]], name: str) -> None:
    assert cli_runs["a"][name] == cli_runs["b"][name]


@pytest.mark.parametrize("name", COMPARED)
def test_two_jobs_same_bytes_as_one(cli_runs: dict[str, dict[str, bytes]], name: str) -> None:
    assert cli_runs["a"][name] == cli_runs["jobs2"][name]


def test_manifest_hashes_agree(cli_runs: dict[str, dict[str, bytes]]) -> None:
    """The manifest itself holds times, but its per-file SHA-256 list must be identical across runs."""
    hashes = [json.loads(run["manifest.json"])["files"] for run in cli_runs.values()]
    assert hashes[0] == hashes[1] == hashes[2]
    assert set(COMPARED) <= set(hashes[0])
    assert hashes[3]["trucks.parquet"] != hashes[0]["trucks.parquet"]


def test_run_is_not_trivial(cli_runs: dict[str, dict[str, bytes]]) -> None:
    """The compared files hold a real run: 3 replications of 20 days of M/M/1 traffic."""
    summary = json.loads(cli_runs["a"]["summary.json"])
    assert summary["replications"] == 3
    assert summary["days"] == 20
    assert summary["kpis"]["arrived_per_day"]["mean"] > 50
    assert len(cli_runs["a"]["trucks.parquet"]) > 20_000


def test_different_seed_different_results(cli_runs: dict[str, dict[str, bytes]]) -> None:
    a, other = cli_runs["a"], cli_runs["seed"]
    assert a["trucks.parquet"] != other["trucks.parquet"]
    assert a["summary.json"] != other["summary.json"]
    kpis_a = json.loads(a["summary.json"])["kpis"]
    kpis_b = json.loads(other["summary.json"])["kpis"]
    assert json.loads(other["summary.json"])["seed"] == 987654321
    assert kpis_a["time_in_system_h_mean"]["mean"] != kpis_b["time_in_system_h_mean"]["mean"]
    assert kpis_a["arrived_per_day"]["mean"] != kpis_b["arrived_per_day"]["mean"]


# ---------------------------------------------------------------- library level

ARRAYS = ("t_arrive", "t_exit", "truck_flow", "truck_class", "stage_servers")
VISITS = ("truck", "stage", "t_queue", "t_start", "t_end")


def _small() -> simulator.Scenario:
    return simulator.load_scenario(MM1, ["run.days=15", "run.warmup_days=1"])


def test_simulate_twice_gives_equal_arrays() -> None:
    sc = _small()
    one, two = simulator.simulate(sc, replication=2), simulator.simulate(sc, replication=2)
    assert len(one.t_arrive) > 1000
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name), err_msg=name)
        assert getattr(one, name).dtype == getattr(two, name).dtype
    for name in VISITS:
        np.testing.assert_array_equal(getattr(one.visits, name), getattr(two.visits, name), err_msg=name)


def test_seed_argument_overrides_scenario_seed() -> None:
    sc = _small()
    explicit = simulator.simulate(sc, seed=sc.run.seed)
    default = simulator.simulate(sc)
    other = simulator.simulate(sc, seed=sc.run.seed + 1)
    np.testing.assert_array_equal(explicit.t_arrive, default.t_arrive)
    np.testing.assert_array_equal(explicit.visits.t_end, default.visits.t_end)
    assert not np.array_equal(explicit.t_arrive[:50], other.t_arrive[:50])


def test_replications_use_different_numbers() -> None:
    sc = _small()
    r0, r1 = simulator.simulate(sc, replication=0), simulator.simulate(sc, replication=1)
    n = min(len(r0.t_arrive), len(r1.t_arrive))
    assert not np.any(r0.t_arrive[:n] == r1.t_arrive[:n]), "replications share arrival draws"


def test_run_serial_equals_process_pool() -> None:
    sc = _small()
    serial = simulator.run(sc, replications=3, jobs=1)
    pooled = simulator.run(sc, replications=3, jobs=2)
    assert serial.files() == pooled.files()
    assert list(serial.replications["replication"].unique()) == [0, 1, 2]
