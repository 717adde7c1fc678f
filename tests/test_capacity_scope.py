"""Capacity answers the question asked: the target's scope and the scaled gates decide, nothing else.

Two independent M/M/1 gates (10-min service, so mu = 144 trucks/day each). Gate ``a`` is scaled;
gate ``b`` gets 200 trucks/day, is overloaded at every multiplier (its backlog grows ~56 trucks
a day) and is not scaled, so it must not decide ``a``'s capacity. The target is a mean time in
system of at most 0.5 h at gate ``a``: for M/M/1, W = 1/(mu - lambda) <= 0.5 h gives
lambda <= 6/h - 2/h = 4/h = 96 trucks/day (multiplier 1.6 of the file's 60).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import simulator
from simulator.cli.commands import main
from simulator.experiments.capacity import find_capacity, parse_target

TWO_GATES = """\
name: {name}
run: {{start_date: 2024-01-01, days: 24, warmup_days: 4, replications: 6, seed: 3}}
cargo_classes: {{general: {{}}}}
gates:
  a:
    stages: {{server: {{servers: 1, service: {{dist: exponential, mean_min: {service}}}}}}}
    flows: {{arrivals: {{direction: export, trucks_per_day: 60, class_mix: {{general: 1.0}}, route: [server]}}}}
  b:
    stages: {{server: {{servers: 1, service: {{dist: exponential, mean_min: 10}}}}}}
    flows: {{arrivals: {{direction: export, trucks_per_day: 200, class_mix: {{general: 1.0}}, route: [server]}}}}
"""
TARGET = "gate:a:time_in_system_h_mean<=0.5"
THEORY = 96.0  # trucks/day at gate a


def _write(tmp_path: Path, name: str, service: float) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(TWO_GATES.format(name=name, service=service), encoding="utf-8")
    return path


def test_overload_of_a_gate_that_is_not_scaled_is_a_warning(tmp_path: Path) -> None:
    sc = simulator.load_scenario(_write(tmp_path, "two", 10))
    res = find_capacity(sc, parse_target(TARGET), scale="a", tolerance=0.05)
    assert res.found, res.message
    assert res.decisive == ["gate a"]
    low, high = res.capacity_ci
    assert low <= res.capacity_per_day <= high  # the capacity lies inside its own CI
    assert low <= THEORY <= high, (res.capacity_per_day, res.capacity_ci)
    assert res.bottleneck == "a.server"  # looked for at the scaled gate only
    (warning,) = res.warnings
    assert warning.startswith("gate b is flagged overloaded at") and "does not decide this capacity" in warning
    assert all(e["overloaded_elsewhere"] == ["b"] for e in res.evaluations)


def test_whole_system_target_still_counts_every_gate(tmp_path: Path) -> None:
    # A system-wide target asks about the whole system: b's overload is then part of the question.
    sc = simulator.load_scenario(_write(tmp_path, "two", 10), ["run.days=12", "run.replications=3"])
    res = find_capacity(sc, parse_target("time_in_system_h_mean<=50"), scale="a", tolerance=0.1, max_multiplier=4)
    assert not res.found
    assert res.failure["overloaded"] == [["all", "all"]]
    assert "the whole system overloaded" in res.message


def test_one_failed_scenario_keeps_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, "good", 10)
    slow = _write(tmp_path, "slow", 40)  # 40-min service: time in system >= 40 min at any demand
    out = tmp_path / "cap"
    args = ["capacity", str(good), str(slow), "--scale", "a", "--target", TARGET, "--tolerance", "0.1"]
    status = main([*args, "--set", "run.replications=4", "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 1, captured.err
    results = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    assert [(r["scenario"], r["found"]) for r in results] == [("good", True), ("slow", False)]
    assert results[0]["capacity_per_day"] > 60
    failed = [line for line in captured.err.splitlines() if line.startswith("capacity not found")]
    assert len(failed) == 1
    line = failed[0]
    assert "slow:" in line and "gate:a:" in line and "not met even at demand x" in line
    assert "trucks/day on a" in line and "time_in_system_h_mean is" in line
    assert "Traceback" not in captured.err
    assert sum("warning: good: gate b is flagged overloaded" in x for x in captured.err.splitlines()) == 1


def test_a_target_naming_nothing_is_refused_before_any_search(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path, "good", 10)
    status = main(
        ["capacity", str(good), "--scale", "a", "--target", "gate:zz:queue_max<=3", "--out", str(tmp_path / "o")]
    )
    err = capsys.readouterr().err
    assert status == 2 and "no gate 'zz' in good" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
    status = main(["capacity", str(good), "--scale", "c", "--target", TARGET, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("error: --scale") and not (tmp_path / "o").exists()
