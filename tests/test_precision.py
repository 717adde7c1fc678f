"""``--precision REL``: replications added in batches until the key KPI's 95% CI is within REL of its mean."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from simulator.analysis.fitting import replications_needed
from simulator.cli.commands import main
from simulator.experiments.cache import ReplicationCache
from simulator.experiments.capacity import parse_target
from simulator.experiments.capacity_each import find_capacities
from simulator.experiments.comparison import compare
from simulator.experiments.executors import make_executor
from simulator.experiments.precision import (
    PrecisionGoal,
    capacities_to_precision,
    run_to_precision,
)
from simulator.experiments.replication import run
from simulator.levers.load import load_scenario
from tests.conftest import SMALL, faster_copy

KPI = "throughput_per_day"  # small scenario: its batches are 5, 7, 9 at 5% and 5, 13, 17, 25 at 3%


def _small(replications: int = 5):
    return load_scenario(yaml.safe_load(SMALL), [f"run.replications={replications}"])


def _relative_half_width(x: np.ndarray) -> float:
    return float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)) / abs(x.mean()))


def _expected_batches(values: np.ndarray, first: int, rel: float, most: int) -> list[int]:
    """The documented batch rule, replayed on the prefixes of a fixed run's values."""
    n, batches = first, []
    while True:
        batches.append(n)
        if _relative_half_width(values[:n]) <= rel or n >= most:
            return batches
        n = min(most, max(n + 1, replications_needed(values[:n], rel)))


def _values(results, kpi: str = KPI) -> np.ndarray:
    r = results.replications
    return r[(r.scope == "all") & (r.kpi == kpi)].sort_values("replication")["value"].to_numpy(dtype=float)


def test_stops_at_the_first_batch_that_meets_the_target() -> None:
    fixed = _values(run(_small(), replications=30, event_log="none"))
    used = {}
    for rel in (0.05, 0.03):
        expected = _expected_batches(fixed, 5, rel, 30)
        assert len(expected) >= 3 and expected[-1] < 30  # a real multi-batch case, reached before the maximum
        assert all(_relative_half_width(fixed[:n]) > rel for n in expected[:-1])
        assert _relative_half_width(fixed[: expected[-1]]) <= rel
        _, precision = run_to_precision(_small(), PrecisionGoal(rel, 30, KPI), event_log="none")
        assert precision.batches == expected
        assert precision.replications == expected[-1] and precision.reached
        assert precision.relative_half_width == pytest.approx(_relative_half_width(fixed[: expected[-1]]), rel=1e-9)
        used[rel] = precision.replications
    assert used[0.03] > used[0.05]


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_identical_to_a_fixed_run(jobs: int) -> None:
    executor = make_executor(jobs)
    try:
        results, precision = run_to_precision(_small(), PrecisionGoal(0.05, 30, KPI), executor=executor)
    finally:
        executor.close()
    fixed = run(_small(precision.replications), event_log="first")
    assert precision.replications == 9
    assert results.replications.to_csv(index=False).encode() == fixed.replications.to_csv(index=False).encode()
    assert results.files() == fixed.files()  # summary.json, scenario.resolved.yaml, the event log: all the same


def test_not_reached_stops_at_the_maximum() -> None:
    results, precision = run_to_precision(_small(2), PrecisionGoal(0.001, 4))
    assert not precision.reached
    assert precision.replications == 4 == results.replications.replication.nunique()
    assert precision.batches == [2, 4]
    assert precision.relative_half_width > 0.001
    assert precision.as_dict()["kpi"] == "time_in_system_h_mean"


@pytest.mark.parametrize(
    ("options", "flag"),
    [
        (["--precision", "0"], "--precision"),
        (["--precision", "1"], "--precision"),
        (["--precision", "-0.1"], "--precision"),
        (["--precision", "abc"], "--precision"),
        (["--precision", "0.05", "--replications", "5", "--max-replications", "3"], "--max-replications"),
        (["--precision", "0.05", "--precision-kpi", "no_such_kpi"], "--precision-kpi"),
        (["--precision", "0.05", "--precision-kpi", "gate:nowhere:queue_max"], "--precision-kpi"),
        (["--precision-kpi", "queue_max"], "--precision-kpi"),
    ],
)
def test_bad_input_is_one_line(small_yaml: Path, tmp_path: Path, capsys, options: list[str], flag: str) -> None:
    status = main(["run", str(small_yaml), "--out", str(tmp_path / "o"), "--quiet", "--no-report", *options])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and err[0].startswith("error: ") and flag in err[0], err
    assert not (tmp_path / "o").exists()


def test_capacity_refuses_another_precision_kpi(small_yaml: Path, tmp_path: Path, capsys) -> None:
    args = ["capacity", str(small_yaml), "--target", "time_in_system_h_p95<=20", "--out", str(tmp_path / "o")]
    assert main([*args, "--precision", "0.05", "--precision-kpi", "queue_max"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--precision-kpi" in err[0], err


def test_run_command_writes_the_precision_block(small_yaml: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "o"
    args = ["run", str(small_yaml), "--out", str(out), "--no-report", "--replications", "2", "--max-replications", "4"]
    assert main([*args, "--precision", "0.001"]) == 0  # not reached: a warning, exit 0
    captured = capsys.readouterr()
    block = json.loads((out / "manifest.json").read_text())["precision"]
    assert block["reached"] is False and block["replications"] == 4 and block["target"] == 0.001
    assert set(block) >= {"target", "kpi", "replications", "reached", "relative_half_width", "batches"}
    assert json.loads((out / "summary.json").read_text())["replications"] == 4
    assert "warning: precision: 4 replications; half-width" in captured.err
    assert "target 0.1%: not reached at the maximum 4" in captured.err


def test_compare_every_scenario_meets_the_target(small_yaml: Path, tmp_path: Path, capsys) -> None:
    alt, out = faster_copy(small_yaml, tmp_path), tmp_path / "c"
    args = ["compare", str(small_yaml), str(alt), "--out", str(out), "--no-report", "--replications", "5"]
    assert main([*args, "--precision", "0.05", "--precision-kpi", KPI]) == 0
    block = json.loads((out / "manifest.json").read_text())["precision"]
    assert block["reached"] and set(block["units"]) == {"small", "small_fast"}
    assert all(w <= 0.05 for w in block["units"].values())
    n = block["replications"]
    assert json.loads((out / "comparison.json").read_text())["replications"] == n
    assert f"precision: {n} replications; half-width" in capsys.readouterr().out
    cache = ReplicationCache(tmp_path / "sim-cache")  # the test's own cache (conftest): the fixed run reads it
    fixed = compare(small_yaml, alt, replications=n, cache=cache)
    assert cache.misses == 0
    assert (out / "comparison.csv").read_bytes() == fixed.files()["comparison.csv"]


def test_capacity_reruns_the_search_to_the_target(tmp_path: Path) -> None:
    cache = ReplicationCache(tmp_path / "cache")
    target = parse_target("time_in_system_h_p95<=20")
    goal = PrecisionGoal(0.05, 12)
    rows, precision = capacities_to_precision([_small(3)], target, "each", 0.1, goal, cache=cache)
    result = rows[0][0]
    assert precision.kpi == "capacity" and precision.reached and precision.batches[0] == 3
    assert len(result.per_replication) == precision.replications
    half = (result.capacity_ci[1] - result.capacity_ci[0]) / 2
    assert half / result.capacity_per_day == pytest.approx(precision.relative_half_width, rel=1e-9)
    assert precision.relative_half_width <= 0.05
    fixed = find_capacities([_small(precision.replications)], target, "each", 0.1, cache=cache)[0][0]
    assert fixed.per_replication == result.per_replication and fixed.capacity_per_day == result.capacity_per_day
