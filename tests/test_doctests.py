"""Every ``>>>`` example in the package's docstrings runs and gives the output it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import simulator

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(m.name for m in pkgutil.walk_packages(simulator.__path__, "simulator."))


def test_the_public_api_has_examples() -> None:
    """The examples the documentation promises exist: scenario loading, a KPI lookup, a closed form."""
    for name, function in (
        ("simulator.levers.load", "load_scenario"),
        ("simulator.analysis.registry", "kpi"),
        ("simulator.analysis.theory", "mmc_wait"),
    ):
        doc = getattr(importlib.import_module(name), function).__doc__ or ""
        assert ">>> " in doc, f"{name}.{function} has no example"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples name files as from the repository root (scenarios/...)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name} (output above)"
