"""Bad input through the CLI: file, line, key path and expectation; exit 2; no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli.commands import main

from .conftest import ROOT, SMALL


def _write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _validate(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    status = main(["validate", *args])
    captured = capsys.readouterr()
    assert status == 2, captured
    assert "Traceback" not in captured.err
    return captured.err


# (case id, text replacement (old, new), expected "line: path: message" fragment)
CASES = [
    (
        "unknown_key",
        ("      customs:\n", "      customs:\n        sever: 3\n"),
        ":18: gates.huu_nghi.stages.customs.sever: unknown key 'sever'; did you mean 'servers'?",
    ),
    (
        "wrong_type",
        ("trucks_per_day: 80", "trucks_per_day: lots"),
        ":24: gates.huu_nghi.flows.export.trucks_per_day: must be a number, got 'lots'",
    ),
    (
        "negative_servers",
        ("servers: 3", "servers: -2"),
        ":18: gates.huu_nghi.stages.customs.servers: must be an integer >= 1, got -2",
    ),
    (
        "zero_servers",
        ("servers: 2", "servers: 0"),
        ":15: gates.huu_nghi.stages.entry.servers: must be an integer >= 1, got 0",
    ),
    (
        "mix_sum",
        ("fruit: 0.7, general: 0.3", "fruit: 0.7, general: 0.2"),
        ":25: gates.huu_nghi.flows.export.class_mix: shares must sum to 1, got 0.9",
    ),
    (
        "probability_range",
        ("        hours:", "        visit_probability: 1.5\n        hours:"),
        ":20: gates.huu_nghi.stages.customs.visit_probability: must be a number <= 1, got 1.5",
    ),
    (
        "unknown_distribution",
        ("dist: uniform, low_min: 2, high_min: 5", "dist: weibull, shape: 2"),
        ":16: gates.huu_nghi.stages.entry.service: unknown distribution 'weibull'",
    ),
    (
        "bad_distribution_params",
        ("high_min: 5", "high_min: 1"),
        ":16: gates.huu_nghi.stages.entry.service: needs low_min < high_min, got 2.0 and 1.0",
    ),
    (
        "negative_sd",
        ("sd_min: 10", "sd_min: -1"),
        ":19: gates.huu_nghi.stages.customs.service.sd_min: must be a number > 0, got -1",
    ),
    (
        "time_25",
        ('"07:00-19:00"', '"07:00-25:00"'),
        ":20: gates.huu_nghi.stages.customs.hours.0: '25:00' is not a valid time",
    ),
    (
        "route_missing_stage",
        ("route: [entry, customs]", "route: [entry, scanner]"),
        ":26: gates.huu_nghi.flows.export.route.1: no stage or yard 'scanner' at gate 'huu_nghi'",
    ),
    (
        "unknown_class",
        ("fruit: 0.7, general: 0.3", "fruit: 0.7, rice: 0.3"),
        ":25: gates.huu_nghi.flows.export.class_mix.rice: unknown cargo class 'rice'",
    ),
    ("warmup_too_long", ("warmup_days: 1", "warmup_days: 3"), ":5: run.warmup_days: must be < days (3), got 3"),
]


@pytest.mark.parametrize(("old_new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_value(tmp_path: Path, capsys: pytest.CaptureFixture[str], old_new: tuple[str, str], expected: str) -> None:
    old, new = old_new
    assert old in SMALL
    path = _write(tmp_path, SMALL.replace(old, new, 1))
    err = _validate(capsys, str(path))
    assert f"{path}{expected}" in err


def test_several_problems_reported_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SMALL.replace("servers: 3", "servers: -2").replace("trucks_per_day: 80", "trucks_per_day: -5")
    err = _validate(capsys, str(_write(tmp_path, text)))
    assert ":18: gates.huu_nghi.stages.customs.servers" in err
    assert ":24: gates.huu_nghi.flows.export.trucks_per_day: must be a number >= 0, got -5" in err


def test_missing_extends_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "extends: nowhere.yaml\nname: child\n")
    err = _validate(capsys, str(path))
    assert f"{path}:1: extends: file 'nowhere.yaml' not found" in err


def test_extends_cycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "extends: b.yaml\nname: a\n", "a.yaml")
    _write(tmp_path, "extends: a.yaml\nname: b\n", "b.yaml")
    err = _validate(capsys, str(tmp_path / "a.yaml"))
    assert "extends: extends cycle: a.yaml -> b.yaml -> a.yaml" in err


def test_extends_self(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "extends: self.yaml\n", "self.yaml")
    assert "extends cycle: self.yaml -> self.yaml" in _validate(capsys, str(path))


def test_yaml_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, SMALL.replace("route: [entry, customs]", "route: [entry, customs"))
    err = _validate(capsys, str(path))
    assert f"{path}:" in err and "YAML syntax error" in err


def test_duplicate_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, SMALL.replace("        servers: 3\n", "        servers: 3\n        servers: 4\n"))
    assert f"{path}:19: gates.huu_nghi.stages.customs.servers: duplicate key" in _validate(capsys, str(path))


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "# nothing here\n")
    assert f"{path}:1: the file is empty" in _validate(capsys, str(path))


def test_non_mapping_top_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "- a\n- b\n")
    assert f"{path}:1: the top level must be a mapping of keys, got a list" in _validate(capsys, str(path))


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "file not found" in _validate(capsys, str(tmp_path / "absent.yaml"))


def test_python_tags_are_not_evaluated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "pwned"
    text = SMALL.replace("name: small", f"name: !!python/object/apply:os.system ['touch {marker}']")
    err = _validate(capsys, str(_write(tmp_path, text)))
    assert "YAML syntax error" in err
    assert not marker.exists()


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("gates.nowhere.stages.x.servers=2", "--set: gates.nowhere.stages.x.servers=2: no key 'nowhere' under 'gates'"),
        (
            "gates.huu_nghi.stages.customs.servers=-1",
            "gates.huu_nghi.stages.customs.servers: must be an integer >= 1, got -1",
        ),
        (
            "gates.huu_nghi.stages.customs.servers=many",
            "gates.huu_nghi.stages.customs.servers: must be an integer, got 'many'",
        ),
        ("run.dayz=3", "run.dayz: unknown key 'dayz'; did you mean 'days'?"),
        ("gates.huu_nghi.flows.export.route.5=entry", "'5' is not an index of a 2-item list"),
        ("run.days.x=1", "run.days is a value, not a mapping"),
        ("noequals", "expected KEY.PATH=VALUE"),
        ("gates.huu_nghi.flows.export.route=[entry, customs", "cannot read the value"),
    ],
)
def test_bad_set(small_yaml: Path, capsys: pytest.CaptureFixture[str], override: str, expected: str) -> None:
    err = _validate(capsys, str(small_yaml), "--set", override)
    assert expected in err


def test_bad_cli_argument(small_yaml: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(small_yaml), "--replications", "0"]) == 2
    assert "--replications: must be >= 1, got 0" in capsys.readouterr().err


def test_unwritable_out(small_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main([str(small_yaml), "--out", str(blocker / "sub"), "--quiet"]) == 2
    assert "cannot create the result folder" in capsys.readouterr().err


def test_real_entry_point_exit_status(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL.replace("servers: 3", "servers: -2"))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run_scenario.py"), str(path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{path}:18: gates.huu_nghi.stages.customs.servers: must be an integer >= 1, got -2" in proc.stderr
    assert proc.stdout == ""
