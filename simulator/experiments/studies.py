"""Experiments over many scenario variants: sweeps and one-at-a-time sensitivity.

Each design point is a resolved scenario (the base plus ``KEY.PATH=VALUE`` overrides,
validated like ``--set``). All points run on the same seed and replication indices, so
they share common random numbers, and every replication of every point is one task for
the executor.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.stats import qmc

from simulator.analysis.stats import summarise
from simulator.experiments.cache import ReplicationCache
from simulator.experiments.executors import Executor
from simulator.experiments.replication import Progress, ReplicationResult, replication_tasks, run_tasks
from simulator.experiments.warmup import resolve_warmup
from simulator.levers.load import load_scenario
from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.models import Scenario

__all__ = ["Param", "SweepResult", "design_points", "parse_param", "sensitivity", "sweep"]


@dataclass(frozen=True)
class Param:
    """A swept scenario path with either listed values or a ``low:high`` range (for LHS)."""

    path: str
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    integer: bool = False


def _scalar(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise ScenarioError([Issue("--param", None, where, f"cannot read the value '{text}'")]) from None


def parse_param(text: str) -> Param:
    """Parse ``KEY.PATH=v1,v2,...`` or ``KEY.PATH=low:high``."""
    if "=" not in text:
        raise ScenarioError([Issue("--param", None, text, "expected KEY.PATH=v1,v2,... or KEY.PATH=low:high")])
    path, _, spec = (part.strip() for part in text.partition("="))
    if not path or not spec:
        raise ScenarioError([Issue("--param", None, text, "the key path and the values must not be empty")])
    if ":" in spec and "," not in spec:
        low, high = (_scalar(p, text) for p in spec.split(":", 1))
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)) or low >= high:
            raise ScenarioError([Issue("--param", None, text, "a range must be low:high with numbers, low < high")])
        return Param(path, (low, high), float(low), float(high), isinstance(low, int) and isinstance(high, int))
    values = tuple(_scalar(v.strip(), text) for v in spec.split(",") if v.strip())
    if not values:
        raise ScenarioError([Issue("--param", None, text, "no values to sweep")])
    return Param(path, values)


def design_points(
    params: Sequence[Param], design: str = "grid", samples: int = 0, seed: int = 0
) -> list[dict[str, Any]]:
    """Design points as ``{path: value}`` mappings.

    ``grid`` crosses the listed values (a ``low:high`` range contributes its two ends);
    ``lhs`` draws ``samples`` points by scrambled Latin hypercube sampling over the ranges
    (listed values are sampled as categories), reproducibly from ``seed``.
    """
    if not params:
        raise ScenarioError([Issue("--param", None, "", "an empty sweep: give at least one --param")])
    if design == "grid":
        return [dict(zip((p.path for p in params), combo)) for combo in itertools.product(*(p.values for p in params))]
    if design != "lhs":
        raise ValueError(f"design must be 'grid' or 'lhs', got {design!r}")
    if samples < 1:
        raise ScenarioError([Issue("--samples", None, "", "an LHS design needs --samples N with N >= 1")])
    unit = qmc.LatinHypercube(d=len(params), seed=np.random.default_rng(seed)).random(samples)
    points = []
    for row in unit:
        point: dict[str, Any] = {}
        for u, p in zip(row, params):
            if p.low is None or p.high is None:
                point[p.path] = p.values[min(int(u * len(p.values)), len(p.values) - 1)]
            else:
                if p.integer:  # every whole number in [low, high] equally likely, one stratum each
                    point[p.path] = int(min(p.low + np.floor(u * (p.high - p.low + 1)), p.high))
                else:
                    point[p.path] = float(p.low + u * (p.high - p.low))
        points.append(point)
    return points


def _variant(base: Scenario, point: dict[str, Any]) -> Scenario:
    overrides = [f"{path}={yaml.safe_dump(value, default_flow_style=True).strip()}" for path, value in point.items()]
    overrides = [o.removesuffix("\n...") for o in overrides]
    try:
        return load_scenario(base, overrides)
    except ScenarioError as exc:
        raise ScenarioError([Issue("--param", None, i.path, i.message) for i in exc.issues]) from None


@dataclass
class SweepResult:
    """Per-replication KPIs (``table``) and their means and CIs (``summary``) for every design point."""

    points: list[dict[str, Any]]
    table: pd.DataFrame
    summary: pd.DataFrame


def sweep(
    base: Scenario,
    points: Sequence[dict[str, Any]],
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Run every design point on common random numbers.

    Returns
    -------
    SweepResult
        ``table``: point, parameter columns, replication, scope, key, kpi, value (tidy);
        ``summary``: point, parameter columns, scope, key, kpi, n, mean, sd, ci_low, ci_high, half_width.
        A base with ``warmup_days: auto`` is resolved once, at the base, for every point.
    """
    base, _ = resolve_warmup(base, executor, cache, replications=replications, seed=seed)
    variants = [_variant(base, p) for p in points]
    task_lists = [replication_tasks(v, replications, seed) for v in variants]
    flat = [t for tasks in task_lists for t in tasks]
    results = run_tasks(flat, executor, cache, progress)
    tables, summaries, i = [], [], 0
    for index, (point, tasks) in enumerate(zip(points, task_lists)):
        chunk: list[ReplicationResult] = results[i : i + len(tasks)]
        i += len(tasks)
        reps = pd.concat([r.kpis for r in chunk], ignore_index=True)
        summary = summarise(reps)
        for frame in (reps, summary):
            for col, (path, value) in enumerate(point.items()):
                frame.insert(col, path, value)
            frame.insert(0, "point", index)
        tables.append(reps)
        summaries.append(summary)
    return SweepResult(list(points), pd.concat(tables, ignore_index=True), pd.concat(summaries, ignore_index=True))


def sensitivity(
    base: Scenario,
    paths: Sequence[str],
    change: float,
    kpi: str,
    scope: str = "all",
    key: str = "all",
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity: each numeric parameter moved by -change and +change (relative).

    Returns
    -------
    pandas.DataFrame
        One row per parameter: its base, low and high values; the KPI's mean and CI at the
        base, low and high settings; and ``swing`` = |high - low| of the KPI means, sorted
        largest first (the order of a tornado chart).
    """
    if not 0 < change < 1:
        raise ValueError(f"change must be a fraction between 0 and 1, got {change}")
    data = base.model_dump(mode="json")
    points: list[dict[str, Any]] = [{}]
    for path in paths:
        value = _lookup(data, path)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError([Issue("--param", None, path, f"must name a number, found {value!r}")])
        for sign in (-1, 1):
            moved = value * (1 + sign * change)
            points.append({path: int(round(moved)) if isinstance(value, int) else moved})
    result = sweep(base, points, replications, seed, executor, cache, progress)
    s = result.summary
    sel = s[(s.scope == scope) & (s.key == key) & (s.kpi == kpi)].set_index("point")
    if sel.empty:
        raise ScenarioError([Issue("--kpi", None, kpi, f"no KPI '{kpi}' for {scope}={key}")])
    rows = []
    for j, path in enumerate(paths):
        lo, hi = sel.loc[1 + 2 * j], sel.loc[2 + 2 * j]
        rows.append(
            {
                "parameter": path,
                "base_value": _lookup(data, path),
                "low_value": points[1 + 2 * j][path],
                "high_value": points[2 + 2 * j][path],
                "kpi": kpi,
                "base_mean": sel.loc[0, "mean"],
                "low_mean": lo["mean"],
                "low_ci_low": lo.ci_low,
                "low_ci_high": lo.ci_high,
                "high_mean": hi["mean"],
                "high_ci_low": hi.ci_low,
                "high_ci_high": hi.ci_high,
                "swing": abs(hi["mean"] - lo["mean"]),
            }
        )
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)


def _lookup(data: Any, path: str) -> Any:
    node = data
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ScenarioError([Issue("--param", None, path, f"no key '{part}' on this path")])
    return node
