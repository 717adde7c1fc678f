"""Propagating the ``uncertainty:`` ranges: ``run``, ``compare`` and ``capacity`` with ``--uncertainty N``.

One design of uniforms drives every scenario of a study: a scrambled Latin hypercube of ``N``
rows (or, with ``sobol``, Saltelli's ``N (d + 2)`` rows through SALib), over the union of the
scenarios' uncertain paths, seeded from ``SeedSequence(seed, stream "uncertainty")``. Where two
scenarios share a path they get the same uniform (mapped through each one's own range), so a
comparison's baseline and proposal see the same assumptions in each sample. Every sample runs
the same replication indices on the same seed: common random numbers across samples and
scenarios. Each (sample, scenario, replication) is one task for the executor and one entry of
the replication cache, so a killed study resumes where it stopped.

The statistics are in :mod:`simulator.analysis.uncertainty`, the tables and files in
:mod:`simulator.experiments.uncertainty_tables`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from simulator.engine.streams import stable_hash
from simulator.experiments.cache import ReplicationCache
from simulator.experiments.capacity_each import find_capacities
from simulator.experiments.capacity_table import capacity_rows
from simulator.experiments.capacity_target import Target
from simulator.experiments.comparison import unique_labels
from simulator.experiments.executors import Executor
from simulator.experiments.replication import replication_tasks, run_tasks
from simulator.levers.sampled import Prepared, prepare, sample_scenario, sample_values
from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.loader import RawScenario, read_scenario
from simulator.scenario.models import Scenario

__all__ = ["Design", "Study", "UncertainScenario", "make_design", "prepare_study", "run_capacity_study", "run_study"]

METHODS = ("lhs", "sobol")
#: Largest number of input samples (and of Saltelli rows) one study may run.
MAX_SAMPLES = 100_000
CHUNK_TASKS = 64  # replications sent to the executor at a time (only KPI tables are kept between chunks)


@dataclass(frozen=True)
class Design:
    """The uniforms of a study: one row per sample, one column per uncertain path."""

    inputs: tuple[str, ...]
    unit: np.ndarray
    method: str
    base_samples: int

    def problem(self) -> dict[str, Any]:
        """The SALib problem over the unit cube."""
        return {"num_vars": len(self.inputs), "names": list(self.inputs), "bounds": [[0.0, 1.0]] * len(self.inputs)}

    def units(self, row: int) -> dict[str, float]:
        """Sample ``row``'s uniform for each path."""
        return {path: float(u) for path, u in zip(self.inputs, self.unit[row])}


def make_design(inputs: Sequence[str], samples: int, seed: int, method: str = "lhs") -> Design:
    """A reproducible design: ``samples`` Latin hypercube rows, or Saltelli rows for ``sobol``.

    Raises
    ------
    ValueError
        On an unknown method, fewer than 1 sample, or (``sobol``) a sample count that is not a power of 2.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not 1 <= samples <= MAX_SAMPLES or not inputs:
        raise ValueError(f"need 1 to {MAX_SAMPLES:,} samples and at least one input, got {samples}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stable_hash("uncertainty"),)))
    d = len(inputs)
    if method == "lhs":
        unit = qmc.LatinHypercube(d=d, seed=rng).random(samples)
    else:
        if samples & (samples - 1):
            raise ValueError(f"a Sobol design needs a power of 2 samples (Saltelli), got {samples}")
        from SALib.sample import sobol as saltelli

        problem = {"num_vars": d, "names": list(inputs), "bounds": [[0.0, 1.0]] * d}
        unit = saltelli.sample(problem, samples, calc_second_order=False, seed=int(rng.integers(2**31)))
        unit = np.clip(unit, 0.0, np.nextafter(1.0, 0.0))
    return Design(tuple(inputs), np.asarray(unit, dtype=float), method, samples)


@dataclass(frozen=True)
class UncertainScenario:
    """One scenario of a study: its merged data, its unapplied scenario and its resolved ranges."""

    label: str
    raw: RawScenario
    scenario: Scenario
    prepared: tuple[Prepared, ...]

    def sample(self, units: dict[str, float]) -> Scenario:
        """The scenario of one sample."""
        return sample_scenario(self.raw, self.prepared, sample_values(self.prepared, units))


@dataclass
class Study:
    """A study ready to run: its scenarios (base first) and its design."""

    command: str
    scenarios: list[UncertainScenario]
    design: Design
    seed: int
    replications: int
    days: int
    claims: list[str] = field(default_factory=list)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The uncertain paths, in design order."""
        return self.design.inputs

    @property
    def rows(self) -> int:
        """Rows of the design (N, or N (d + 2) for Sobol)."""
        return len(self.design.unit)


def _read(item: str | Path | dict[str, Any], sets: list[str]) -> tuple[Scenario, RawScenario]:
    return read_scenario(item, sets)


def prepare_study(
    command: str,
    items: Sequence[str | Path | dict[str, Any]],
    samples: int,
    method: str = "lhs",
    overrides: Sequence[str] = (),
    settings: dict[str, int] | None = None,
) -> Study:
    """Read the scenarios, check every range, and draw the design; nothing is run.

    ``settings`` (days, replications, seed), when given, are applied to every scenario as
    ``--set run.KEY=VALUE``; each defaults to the first scenario's.

    Raises
    ------
    ScenarioError
        On a bad file, a bad range, or when no scenario has an ``uncertainty:`` entry.
    """
    base, _ = _read(items[0], list(overrides))
    chosen = {"days": base.run.days, "replications": base.run.replications, "seed": base.run.seed, **(settings or {})}
    sets = [*overrides, *(f"run.{k}={v}" for k, v in chosen.items())]
    read = [_read(item, sets) for item in items]
    for item, (sc, raw) in zip(items, read):
        if sc.run.warmup_auto:
            file, line = raw.origins.get(("run", "warmup_days"), (str(item), None))
            message = "auto is not resolved in an uncertainty study (each sample would differ): give a number of days"
            raise ScenarioError([Issue(file, line, "run.warmup_days", message)])
    labels = unique_labels([sc.name for sc, _ in read])
    scenarios = [UncertainScenario(lb, raw, sc, tuple(prepare(raw, sc))) for lb, (sc, raw) in zip(labels, read)]
    inputs: list[str] = []
    for us in scenarios:
        inputs += [p.path for p in us.prepared if p.path not in inputs]
    if not inputs:
        where = str(items[0]) if not isinstance(items[0], dict) else "<dict>"
        message = "no scenario has an uncertainty: block to sample (its format: simulator/scenario/uncertainty.py)"
        raise ScenarioError([Issue(where, None, "uncertainty", message)])
    design = make_design(inputs, samples, chosen["seed"], method)
    return Study(command, scenarios, design, chosen["seed"], chosen["replications"], chosen["days"])


def _chunks(study: Study) -> list[range]:
    per_row = len(study.scenarios) * study.replications
    size = max(1, CHUNK_TASKS // per_row)
    return [range(i, min(i + size, study.rows)) for i in range(0, study.rows, size)]


def _kpi_rows(tables: list[pd.DataFrame], row: int, label: str) -> pd.DataFrame:
    frame = pd.concat(tables, ignore_index=True)
    frame.insert(0, "scenario", label)
    frame.insert(0, "sample", row)
    return frame


def run_study(
    study: Study,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Every sample's replications of every scenario; returns ``sample_kpis`` (tidy, sample order)."""
    total = study.rows * len(study.scenarios) * study.replications
    done, frames = 0, []
    for rows in _chunks(study):
        plan = [(row, us, us.sample(study.design.units(row))) for row in rows for us in study.scenarios]
        task_lists = [replication_tasks(sc, study.replications, study.seed) for _, _, sc in plan]
        offset = done

        def tick(n: float, _: int, offset: int = offset) -> None:
            if progress is not None:
                progress(int(offset + n), total)

        results = run_tasks([t for tasks in task_lists for t in tasks], executor, cache, tick)
        i = 0
        for (row, us, _), tasks in zip(plan, task_lists):
            frames.append(_kpi_rows([r.kpis for r in results[i : i + len(tasks)]], row, us.label))
            i += len(tasks)
        done += sum(len(t) for t in task_lists)
    return pd.concat(frames, ignore_index=True)


def _capacity_frame(row: int, label: str, units: list[dict[str, Any]]) -> pd.DataFrame:
    records = []
    for unit in units:
        province = unit["unit"] == "province"
        for r, value in enumerate(unit["_reps"]):
            scope, key = ("all", "all") if province else ("gate", unit["unit"])
            records.append((row, label, r, scope, key, "capacity_per_day", float(value)))
    return pd.DataFrame(records, columns=["sample", "scenario", "replication", "scope", "key", "kpi", "value"])


def run_capacity_study(
    study: Study,
    target: Target,
    scale: str,
    tolerance: float,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Every sample's capacity search of every scenario; ``sample_kpis`` of ``capacity_per_day``.

    Each unit's rows hold the per-replication crossings (``per_replication`` × today's demand);
    a unit whose search failed in a sample has no rows for it, and the province row is there
    only when the gates are summed.
    """
    frames = []
    for row in range(study.rows):
        scenarios = [us.sample(study.design.units(row)) for us in study.scenarios]
        results = find_capacities(scenarios, target, scale, tolerance, executor, cache)
        for us, sc, res in zip(study.scenarios, scenarios, results):
            found = [u for u in capacity_rows(sc, res, scale) if u["found"]]
            frames.append(_capacity_frame(row, us.label, found))
        if progress is not None:
            progress(row + 1, study.rows)
    return pd.concat(frames, ignore_index=True)
