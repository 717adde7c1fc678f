"""Discrete-event simulator of truck queues and clearance at land border gates.

Typical use from a notebook::

    import simulator
    sc = simulator.load_scenario("scenarios/lang_son_2024.yaml")
    res = simulator.run(sc, replications=5, seed=1, jobs=2)
    res.summary          # mean and 95% CI per KPI
    res.to_dir("results/my_run")

The package is layered along the data flow, one subpackage per layer, imports running only
downward: ``scenario`` (the file format) → ``levers`` (pure transforms) → ``engine`` (the
SimPy run) → ``analysis`` (KPIs, statistics) → ``experiments`` (replications, executors,
cache, studies) → ``report`` (charts, the decision report) → ``cli``.

Names are imported lazily, so that importing the package loads nothing heavy, changes no
global state, and modules which never need the engine (charts and reports read saved result
folders) never import SimPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.analysis.registry import KPIS, Kpi
    from simulator.engine.model import simulate
    from simulator.engine.output import RunOutput
    from simulator.experiments.comparison import Comparison, compare
    from simulator.experiments.folders import RunFolder
    from simulator.experiments.lever_sweep import compare_lever
    from simulator.experiments.replication import run, run_replication
    from simulator.experiments.results import Results
    from simulator.levers.apply import apply_levers
    from simulator.levers.load import load_scenario
    from simulator.scenario.errors import Issue, ScenarioError
    from simulator.scenario.models import Scenario

_LAZY = {
    "KPIS": "analysis.registry",
    "Kpi": "analysis.registry",
    "Comparison": "experiments.comparison",
    "Issue": "scenario.errors",
    "Results": "experiments.results",
    "RunFolder": "experiments.folders",
    "RunOutput": "engine.output",
    "Scenario": "scenario.models",
    "ScenarioError": "scenario.errors",
    "apply_levers": "levers.apply",
    "compare": "experiments.comparison",
    "compare_lever": "experiments.lever_sweep",
    "load_scenario": "levers.load",
    "run": "experiments.replication",
    "run_replication": "experiments.replication",
    "simulate": "engine.model",
}
_MODULES = {
    "plots": "report.plots",
    "theory": "analysis.theory",
    "fitting": "analysis.fitting",
    "stats": "analysis.stats",
}

__all__ = [
    "KPIS",
    "Comparison",
    "Issue",
    "Kpi",
    "Results",
    "RunFolder",
    "RunOutput",
    "Scenario",
    "ScenarioError",
    "__version__",
    "apply_levers",
    "compare",
    "compare_lever",
    "fitting",
    "load_scenario",
    "plots",
    "run",
    "run_replication",
    "simulate",
    "stats",
    "theory",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"simulator.{_LAZY[name]}"), name)
    elif name in _MODULES:
        value = importlib.import_module(f"simulator.{_MODULES[name]}")
    elif name == "__version__":
        from simulator.experiments.files import package_version

        value = package_version()
    else:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
