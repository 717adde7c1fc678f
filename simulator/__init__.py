"""Discrete-event simulator of truck queues and clearance at land border gates.

Typical use from a notebook::

    import simulator
    sc = simulator.load_scenario("scenarios/lang_son_2024.yaml")
    res = simulator.run(sc, replications=5, seed=1, jobs=2)
    res.summary          # mean and 95% CI per KPI
    res.to_dir("results/my_run")
"""

from __future__ import annotations

from .config import Scenario
from .errors import Issue, ScenarioError
from .experiment import run, run_replication
from .loader import load_scenario
from .model import RunOutput, simulate
from .output import package_version
from .results import Results

__all__ = [
    "Issue",
    "Results",
    "RunOutput",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run",
    "run_replication",
    "simulate",
]

__version__ = package_version()
