"""Paired comparison of scenarios on common random numbers (CRN).

All scenarios run with the same seed, days and replication indices 0..n-1; the model draws from
streams keyed by (seed, replication, stream name), so replication *r* of every scenario sees the
same random draws wherever the scenarios agree, and differences are taken replication by replication.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulator.analysis.stats import busiest_stages, summarise, t_interval
from simulator.experiments.cache import ReplicationCache
from simulator.experiments.executors import Executor, make_executor
from simulator.experiments.files import atomic_write_bytes, manifest, to_json
from simulator.experiments.replication import Progress, replication_tasks, run_tasks
from simulator.experiments.results import Results
from simulator.experiments.warmup import WarmupChoice, resolve_warmups
from simulator.levers.load import load_scenario
from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.models import Scenario

__all__ = [
    "Comparison",
    "LeverSweep",
    "assemble",
    "compare",
    "paired_differences",
    "prepare_scenarios",
    "unique_labels",
]

KEYS = ["scope", "key", "kpi"]
DIFF_COLUMNS = ["n", "base_mean", "alt_mean", "diff_mean", "diff_ci_low", "diff_ci_high", "rel_change", "significant"]
COMPARISON_COLUMNS = ["base", "alternative", *KEYS, *DIFF_COLUMNS]
BOTTLENECK_COLUMNS = ["scenario", "stage", "utilisation_mean", "utilisation_ci_low", "utilisation_ci_high", "busiest"]
ScenarioLike = Scenario | str | Path


@dataclass(frozen=True)
class LeverSweep:
    """One lever parameter and the values a lever sweep gives it (``--lever LEVER.PARAM=v1,v2,...``)."""

    lever: str
    param: str
    values: tuple[Any, ...]

    @property
    def column(self) -> str:
        """``LEVER.PARAM``, the swept column's name."""
        return f"{self.lever}.{self.param}"

    def as_dict(self, labels: Sequence[str]) -> dict[str, Any]:
        """The ``lever_sweep`` entry of ``comparison.json``."""
        return {"parameter": self.column, "values": list(self.values), "labels": list(labels)}


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip().removesuffix("\n...").strip()


def _paired(base: np.ndarray, alt: np.ndarray, level: float) -> tuple[Any, ...]:
    """``n, base_mean, alt_mean, diff_mean, diff_ci_low, diff_ci_high, rel_change, significant``."""
    nan = float("nan")
    if len(base) == 0:
        return 0, nan, nan, nan, nan, nan, nan, False
    base_mean, alt_mean = float(base.mean()), float(alt.mean())
    diff, low, high = t_interval(alt - base, level)
    rel = diff / base_mean if base_mean == base_mean and base_mean != 0 else nan
    return len(base), base_mean, alt_mean, diff, low, high, rel, bool(low > 0 or high < 0)


def paired_differences(base_reps: pd.DataFrame, alt_reps: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Paired differences (alternative − base) of every KPI the two tables have in common.

    Parameters
    ----------
    base_reps, alt_reps : pandas.DataFrame
        Tidy per-replication KPIs (``replication, scope, key, kpi, value``, as
        :attr:`Results.replications`). Rows are matched on replication, scope, key and kpi;
        a pair with a NaN on either side is left out of that KPI.
    level : float
        Confidence level of the Student-t interval on the paired differences.

    Returns
    -------
    pandas.DataFrame
        Per common ``scope, key, kpi`` (base order): ``n`` pairs, ``base_mean``, ``alt_mean``,
        ``diff_mean``, ``diff_ci_low``, ``diff_ci_high``, ``rel_change`` (``diff_mean / base_mean``,
        NaN when that is 0 or NaN), ``significant`` (the CI excludes 0; False when it is NaN).
    """
    cols = ["replication", *KEYS]
    for name, frame in (("base_reps", base_reps), ("alt_reps", alt_reps)):
        if frame.duplicated(cols).any():
            raise ValueError(f"{name} has more than one value for a replication, scope, key and kpi")
    merged = base_reps[[*cols, "value"]].merge(
        alt_reps[[*cols, "value"]], on=cols, how="inner", suffixes=("_base", "_alt")
    )
    rows = []
    for (scope, key, kpi), group in merged.groupby(KEYS, sort=False):
        b = group["value_base"].to_numpy(dtype=float)
        a = group["value_alt"].to_numpy(dtype=float)
        keep = ~(np.isnan(a) | np.isnan(b))
        rows.append((scope, key, kpi, *_paired(b[keep], a[keep], level)))
    return pd.DataFrame(rows, columns=[*KEYS, *DIFF_COLUMNS])


def unique_labels(names: Sequence[str]) -> list[str]:
    """Scenario names made distinct: a repeated name gets ``-2``, ``-3``... in the order given."""
    taken: set[str] = set()
    reserved = set(names)
    labels = []
    for name in names:
        label, k = name, 1
        while label in taken or (k > 1 and label in reserved):
            k += 1
            label = f"{name}-{k}"
        taken.add(label)
        labels.append(label)
    return labels


def _brace(names: set[str]) -> str:
    return "{" + ", ".join(sorted(names)) + "}"


def _check_gates(scenarios: Sequence[Scenario], sources: Sequence[str], labels: Sequence[str]) -> None:
    """Raise :class:`ScenarioError` naming every alternative whose gates differ from the base's."""
    base = set(scenarios[0].gates)
    issues = []
    for sc, source, label in zip(scenarios[1:], sources[1:], labels[1:]):
        gates = set(sc.gates)
        if gates == base:
            continue
        parts = [f"missing {', '.join(sorted(base - gates))}"] if base - gates else []
        parts += [f"extra {', '.join(sorted(gates - base))}"] if gates - base else []
        message = f"alternative '{label}' has gates {_brace(gates)}; base '{labels[0]}' has {_brace(base)}: "
        issues.append(Issue(source, None, "gates", message + "; ".join(parts)))
    if issues:
        raise ScenarioError(issues)


def _aligned(sc: Scenario, source: str, settings: dict[str, int]) -> Scenario:
    """``sc`` with ``run.days``, ``run.replications`` and ``run.seed`` set, validated like ``--set``."""
    sets = [f"run.{k}={v}" for k, v in settings.items() if getattr(sc.run, k) != v]
    if not sets:
        return sc
    try:
        return load_scenario(sc, sets)
    except ScenarioError as exc:
        raise ScenarioError([replace(i, file=source) if i.file == "<dict>" else i for i in exc.issues]) from None


def prepare_scenarios(
    items: Sequence[ScenarioLike],
    replications: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    overrides: list[str] | None = None,
) -> list[tuple[str, Scenario]]:
    """Load, label, check and align the scenarios of a comparison (base first); nothing is run.

    Each gets the given (else the base's) ``run.days``, ``run.replications`` and ``run.seed``.

    Returns
    -------
    list of (str, Scenario)
        Distinct labels (:func:`unique_labels`) and the aligned scenarios.

    Raises
    ------
    ScenarioError
        On a bad file or override, or when an alternative's gate names differ from the base's.
    """
    if len(items) < 2:
        raise ValueError("a comparison needs a base scenario and at least one alternative")
    sources = [item.name if isinstance(item, Scenario) else str(item) for item in items]
    scenarios = [
        item if isinstance(item, Scenario) and not overrides else load_scenario(item, overrides) for item in items
    ]
    labels = unique_labels([sc.name for sc in scenarios])
    _check_gates(scenarios, sources, labels)
    run = scenarios[0].run
    settings = {
        "days": run.days if days is None else days,
        "replications": run.replications if replications is None else replications,
        "seed": run.seed if seed is None else seed,
    }
    if settings["replications"] < 1 or settings["days"] < 1:
        raise ValueError(f"replications and days must be >= 1, got {settings}")
    return [(label, _aligned(sc, src, settings)) for label, sc, src in zip(labels, scenarios, sources)]


def _kpi_set(res: Results) -> set[str]:
    s = res.replications
    return {f"{a}:{b}:{c}" for a, b, c in zip(s.scope, s.key, s.kpi)}


def _bottlenecks(results: dict[str, Results]) -> pd.DataFrame:
    """Utilisation of every stage; ``busiest`` marks each gate's bottleneck (:func:`busiest_stages`)."""
    frames = []
    for label, res in results.items():
        s = res.summary
        u = s[(s.scope == "stage") & (s.kpi == "utilisation")]
        frame = u[["key", "mean", "ci_low", "ci_high"]].set_axis(BOTTLENECK_COLUMNS[1:5], axis=1)
        frame = frame.reset_index(drop=True).assign(busiest=False)
        frame.insert(0, "scenario", label)
        ranked = busiest_stages(s)
        gate = ranked.key.str.split(".", n=1).str[0]
        top = set(ranked.groupby(gate, sort=False).key.first())
        frame.loc[frame.stage.isin(top), "busiest"] = True
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BOTTLENECK_COLUMNS)


@dataclass
class Comparison:
    """A base scenario and its alternatives, run on common random numbers.

    Attributes
    ----------
    results : dict of str to Results
        Per scenario label (its name, made distinct), base first.
    differences : pandas.DataFrame
        ``base, alternative`` and the columns of :func:`paired_differences`.
    bottlenecks : pandas.DataFrame
        ``BOTTLENECK_COLUMNS``; ``busiest`` marks the top stage of each gate of each scenario.
    seed, replications, days, level
        The settings every scenario ran with, and the confidence level.
    only_in : dict
        Per alternative, the ``scope:key:kpi`` found only in the base or only in the alternative.
    """

    results: dict[str, Results]
    differences: pd.DataFrame
    bottlenecks: pd.DataFrame
    seed: int
    replications: int
    days: int
    only_in: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    level: float = 0.95
    sweep: LeverSweep | None = None

    @property
    def base(self) -> str:
        """The base scenario's label."""
        return next(iter(self.results))

    @property
    def alternatives(self) -> list[str]:
        """The alternatives' labels, in the order given."""
        return list(self.results)[1:]

    @property
    def busiest_stage(self) -> dict[str, str]:
        """The stage (``GATE.STAGE``) with the highest mean utilisation, per scenario label."""
        return {label: stage for label, (stage, _) in self.busiest().items()}

    def busiest(self) -> dict[str, tuple[str, float]]:
        """``(stage, mean utilisation)`` of the busiest stage per scenario (``""``, NaN if none)."""
        found = {}
        for label, res in self.results.items():
            ranked = busiest_stages(res.summary)
            if len(ranked):
                found[label] = (str(ranked.key.iloc[0]), float(ranked.utilisation.iloc[0]))
        return {label: found.get(label, ("", float("nan"))) for label in self.results}

    def as_dict(self) -> dict[str, Any]:
        """The content of ``comparison.json``."""
        return {
            "base": self.base,
            "alternatives": self.alternatives,
            "scenarios": {label: res.scenario.name for label, res in self.results.items()},
            "seed": self.seed,
            "replications": self.replications,
            "days": self.days,
            "confidence": self.level,
            "busiest_stage": {k: {"stage": s, "utilisation_mean": u} for k, (s, u) in self.busiest().items()},
            "kpis_only_in": self.only_in,
            "lever_sweep": None if self.sweep is None else self.sweep.as_dict(list(self.results)),
            "differences": self.differences.to_dict(orient="records"),
        }

    def sweep_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """For a lever sweep: per-replication KPIs and their means and CIs, one point per value.

        The same columns as the ``sweep`` command's ``sweep.csv`` and ``sweep_summary.csv``:
        ``point``, the swept ``LEVER.PARAM``, then ``replication, scope, key, kpi, value``
        (``n, mean, sd, ci_low, ci_high, half_width`` in the summary).
        """
        if self.sweep is None:
            raise ValueError("not a lever sweep")
        tables, summaries = [], []
        for point, (value, res) in enumerate(zip(self.sweep.values, self.results.values())):
            reps = res.replications[["replication", *KEYS, "value"]].copy()
            summary = summarise(reps, self.level)
            for frame in (reps, summary):
                frame.insert(0, self.sweep.column, value if isinstance(value, int | float | str) else _flow(value))
                frame.insert(0, "point", point)
            tables.append(reps)
            summaries.append(summary)
        return pd.concat(tables, ignore_index=True), pd.concat(summaries, ignore_index=True)

    def files(self) -> dict[str, bytes]:
        """The comparison's own files (not the per-scenario folders), as bytes; a lever sweep adds two."""
        files = {
            "comparison.csv": self.differences.to_csv(index=False).encode("utf-8"),
            "bottlenecks.csv": self.bottlenecks.to_csv(index=False).encode("utf-8"),
            "comparison.json": to_json(self.as_dict()).encode("utf-8"),
        }
        if self.sweep is not None:
            table, summary = self.sweep_tables()
            files["sweep.csv"] = table.to_csv(index=False).encode("utf-8")
            files["sweep_summary.csv"] = summary.to_csv(index=False).encode("utf-8")
        return files

    def to_dir(
        self,
        path: str | Path,
        extra_manifest: dict[str, Any] | None = None,
        started: float | None = None,
        fmt: str = "parquet",
    ) -> Path:
        """Write ``path/<label>/`` per scenario (:meth:`Results.to_dir`), then the comparison's files.

        Every file is written atomically, the comparison's ``manifest.json`` last;
        ``extra_manifest``, ``started`` and ``fmt`` are as for :meth:`Results.to_dir`.
        """
        folder = Path(path)
        extra = dict(extra_manifest or {})
        for label, res in self.results.items():
            info = {**extra, "comparison": {"label": label, "base": self.base}}
            res.to_dir(folder / label, info, started, fmt=fmt)
        files = self.files()
        for name, data in files.items():
            atomic_write_bytes(folder / name, data)
        info = {"base": self.base, "alternatives": self.alternatives, "seed": self.seed, **extra}
        warmup = self.results[self.base].warmup  # warmup_days: auto, common to every scenario
        if warmup is not None:
            info["warmup"] = warmup.as_dict()
        if started is not None:
            info["wall_time_s"] = round(time.perf_counter() - started, 3)
        atomic_write_bytes(folder / "manifest.json", to_json(manifest(files, info)).encode("utf-8"))
        return folder


def assemble(results: dict[str, Results], settings: tuple[int, int, int], level: float = 0.95) -> Comparison:
    """The :class:`Comparison` of results already run (base first); ``settings`` is ``(seed, replications, days)``."""
    labels = list(results)
    base = results[labels[0]]
    frames, only_in = [], {}
    for alt in labels[1:]:
        diff = paired_differences(base.replications, results[alt].replications, level)
        diff.insert(0, "alternative", alt)
        diff.insert(0, "base", labels[0])
        frames.append(diff)
        kb, ka = _kpi_set(base), _kpi_set(results[alt])
        only_in[alt] = {"base": sorted(kb - ka), "alternative": sorted(ka - kb)}
    differences = pd.concat(frames, ignore_index=True)[COMPARISON_COLUMNS]
    seed, replications, days = settings
    return Comparison(results, differences, _bottlenecks(results), seed, replications, days, only_in, level)


def common_warmup(
    prepared: list[tuple[str, Scenario]],
    executor: Executor | None,
    cache: ReplicationCache | None,
    progress: Progress | None,
    jobs: int = 1,
) -> tuple[list[tuple[str, Scenario]], WarmupChoice | None]:
    """The prepared scenarios with ``warmup_days: auto`` resolved to one warm-up for all: the largest
    of their MSER-5 truncations (:func:`simulator.experiments.warmup.resolve_warmups`)."""
    labels = [label for label, _ in prepared]
    resolved, warmup = resolve_warmups([sc for _, sc in prepared], executor, cache, progress, jobs=jobs, labels=labels)
    return list(zip(labels, resolved)), warmup


def compare(
    base: ScenarioLike,
    *alternatives: ScenarioLike,
    replications: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    executor: Executor | None = None,
    cache: ReplicationCache | None = None,
    progress: Progress | None = None,
    overrides: list[str] | None = None,
    event_log: str = "first",
    level: float = 0.95,
) -> Comparison:
    """Run a base scenario and alternatives on common random numbers and compare them pairwise.

    Parameters
    ----------
    base, *alternatives : Scenario, str or Path
        Scenarios, or YAML files (loaded with :func:`simulator.load_scenario`).
    replications, days, seed : int, optional
        Common settings, applied to every scenario as ``--set run.days=N`` would be;
        each defaults to the base's ``run`` value.
    jobs, executor, cache, progress, event_log
        As for :func:`simulator.run`; all scenarios' replications are one batch of tasks.
    overrides : list of str, optional
        ``KEY.PATH=VALUE`` overrides applied to every scenario, as ``--set``.
    level : float
        Confidence level of the paired intervals.

    Raises
    ------
    ScenarioError
        On bad input, or when the scenarios' gate names differ.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    prepared = prepare_scenarios([base, *alternatives], replications, days, seed, overrides)
    prepared, warmup = common_warmup(prepared, executor, cache, progress, jobs)  # warmup_days: auto
    first = prepared[0][1].run
    task_lists = [replication_tasks(sc, first.replications, first.seed, event_log) for _, sc in prepared]
    own = executor is None
    runner = make_executor(jobs) if executor is None else executor
    try:
        done = run_tasks([t for tasks in task_lists for t in tasks], runner, cache, progress)
    finally:
        if own:
            runner.close()
    results, i = {}, 0
    for (label, sc), tasks in zip(prepared, task_lists):
        results[label] = Results.from_replications(sc, first.seed, done[i : i + len(tasks)], warmup)
        i += len(tasks)
    return assemble(results, (first.seed, first.replications, first.days), level)
