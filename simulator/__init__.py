"""Discrete-event simulator of truck queues and clearance at land border gates.

Typical use from a notebook::

    import simulator
    sc = simulator.load_scenario("scenarios/lang_son_2024.yaml")
    res = simulator.run(sc, replications=5, seed=1, jobs=2)
    res.summary          # mean and 95% CI per KPI
    res.to_dir("results/my_run")

Names are imported lazily, so that modules which never need the engine (charts and
reports read saved result folders) never import SimPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .output import package_version

if TYPE_CHECKING:
    from .comparison import Comparison, compare
    from .comparison_sweep import compare_lever
    from .config import Scenario
    from .errors import Issue, ScenarioError
    from .experiment import run, run_replication
    from .levers import apply_levers
    from .loader import load_scenario
    from .model import RunOutput, simulate
    from .results import Results

_LAZY = {
    "Comparison": "comparison",
    "Issue": "errors",
    "Results": "results",
    "RunOutput": "model",
    "Scenario": "config",
    "ScenarioError": "errors",
    "apply_levers": "levers",
    "compare": "comparison",
    "compare_lever": "comparison_sweep",
    "load_scenario": "loader",
    "run": "experiment",
    "run_replication": "experiment",
    "simulate": "model",
}

__all__ = [
    "Comparison",
    "Issue",
    "Results",
    "RunOutput",
    "Scenario",
    "ScenarioError",
    "__version__",
    "apply_levers",
    "compare",
    "compare_lever",
    "load_scenario",
    "run",
    "run_replication",
    "simulate",
]

__version__ = package_version()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
