"""Shared fixtures: repository paths and a small valid scenario text."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

SMALL = """\
name: small
run:
  start_date: 2024-08-01
  days: 3
  warmup_days: 1
  replications: 2
  seed: 7
cargo_classes:
  fruit: {perishable: true}
  general: {}
gates:
  huu_nghi:
    stages:
      entry:
        servers: 2
        service: {dist: uniform, low_min: 2, high_min: 5}
      customs:
        servers: 3
        service: {dist: lognormal, mean_min: 20, sd_min: 10}
        hours: ["07:00-19:00"]
    flows:
      export:
        direction: export
        trucks_per_day: 80
        class_mix: {fruit: 0.7, general: 0.3}
        route: [entry, customs]
"""


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own replication cache folder (inherited by the CLI subprocesses it starts)."""
    monkeypatch.setenv("BORDER_SIM_CACHE", str(tmp_path / "sim-cache"))


@pytest.fixture
def small_yaml(tmp_path: Path) -> Path:
    """A valid two-stage scenario written to a temporary file."""
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def faster_copy(small: Path, folder: Path) -> Path:
    """``small_fast.yaml``: the small scenario with four customs servers, for a two-scenario compare."""
    alt = folder / "small_fast.yaml"
    data = yaml.safe_load(small.read_text(encoding="utf-8"))
    data["name"], data["gates"]["huu_nghi"]["stages"]["customs"]["servers"] = "small_fast", 4
    alt.write_text(yaml.safe_dump(data), encoding="utf-8")
    return alt


def require_tool(name: str, reason: str) -> str:
    """The path of the program ``name`` on PATH; without it, skip the test (outside CI) or fail it (in CI).

    CI (``.ci/run`` sets ``CI``) installs every tool the tests need, so a missing one there is a
    broken build, not a reason to skip.
    """
    path = shutil.which(name)
    if path is None:
        _missing(f"{name} not found on PATH: {reason}")
    return str(path)


def require_module(name: str, reason: str) -> None:
    """Import-check the Python module ``name``, skipping outside CI and failing in CI when it is absent."""
    if importlib.util.find_spec(name) is None:
        _missing(f"Python module {name} not installed: {reason}")


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so this is an error, not a skip)", pytrace=False)
    pytest.skip(message)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with a ``slow`` test run first (their order otherwise kept, a module kept whole).

    pytest-xdist hands tests out in this order, so the long ones start early and the many short
    ones fill the gaps at the end: the workers finish together instead of one waiting on a last
    long test. A module stays in one piece, so its module-scoped fixtures are built once per worker.
    """
    slow = {item.module for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.module not in slow)
