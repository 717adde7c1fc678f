"""The saved result folders a report is built from: ``run`` folders and ``compare`` folders.

A ``compare`` folder has ``comparison.json``, ``comparison.csv`` and one ``run`` sub-folder per
scenario, named by the scenario's label (the ``base`` and ``alternative`` columns of the
table). Optional study files found in any input folder are used too: ``capacity.json`` (a
capacity search) and ``sensitivity.csv`` (a tornado). An uncertainty folder (``uncertainty.json`` of
kind ``uncertainty``, see :mod:`simulator.report.uncertainty_files`) is read as a study; when it also
holds a run or compare folder's files, those are read as well. Nothing here imports SimPy or the model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.experiments.folders import RUN_FILES, RunFolder, read_json
from simulator.report.uncertainty_files import UncertaintyStudy, is_uncertainty, load_uncertainty
from simulator.scenario.claim import model_fingerprint
from simulator.scenario.errors import Issue, ScenarioError

__all__ = ["COMPARISON_COLUMNS", "ReportInputs", "load_inputs"]

STUDY_FILES = ("capacity.json", "capacity.csv", "sensitivity.csv")
COMPARISON_COLUMNS = (
    "base",
    "alternative",
    "scope",
    "key",
    "kpi",
    "n",
    "base_mean",
    "alt_mean",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "rel_change",
    "significant",
)


@dataclass
class ReportInputs:
    """Everything a report shows, read from disk.

    Attributes
    ----------
    folders : list of Path
        The folders given, in order.
    runs : list of RunFolder
        Every run folder (a compare folder's scenarios in base-then-alternatives order).
    labels : list of str
        A distinct label per run (the compare sub-folder name, else the scenario name).
    scenario_index : list of int
        Per run, which ``.yaml`` argument of its recorded command is its scenario file.
    comparison : DataFrame or None
        The ``comparison.csv`` rows of every compare folder.
    compare_info : list of dict
        ``comparison.json`` of every compare folder, with ``_manifest`` (its ``manifest.json``, or {}).
    capacity : list of dict
        The results of every ``capacity.json`` found.
    capacity_table : DataFrame or None
        The rows of every ``capacity.csv`` found (gate by gate, see
        :mod:`simulator.experiments.capacity_table`).
    warnings : list of str
        Shown in the report: capacity searches whose scenarios differ from the runs' (``allow_mixed``).
    sensitivity : list of DataFrame
        Every ``sensitivity.csv`` found (a tornado; not those of uncertainty folders).
    uncertainty : list of UncertaintyStudy
        Every uncertainty folder given.
    """

    folders: list[Path]
    runs: list[RunFolder] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    scenario_index: list[int] = field(default_factory=list)
    comparison: pd.DataFrame | None = None
    compare_info: list[dict[str, Any]] = field(default_factory=list)
    capacity: list[dict[str, Any]] = field(default_factory=list)
    sensitivity: list[pd.DataFrame] = field(default_factory=list)
    capacity_table: pd.DataFrame | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)
    uncertainty: list[UncertaintyStudy] = field(default_factory=list)

    def add_run(self, run: RunFolder, label: str, index: int = 0) -> None:
        """Add a run folder under a label made distinct from those already taken."""
        taken, name, k = set(self.labels), label, 1
        while name in taken:
            k += 1
            name = f"{label}-{k}"
        self.runs.append(run)
        self.labels.append(name)
        self.scenario_index.append(index)


def _issue(folder: Path, message: str) -> ScenarioError:
    return ScenarioError([Issue(str(folder), None, "", message)])


def load_inputs(folders: Sequence[str | Path], allow_mixed: bool = False) -> ReportInputs:
    """Read every folder (run, compare or capacity) and check that their scenarios can share one report.

    A capacity folder whose scenarios are not those of the runs (another name, or the same name
    with a different model) is refused unless ``allow_mixed``; then a warning says so in the report.
    """
    if not folders:
        raise ScenarioError([Issue("report", None, "", "no result folder given")])
    inputs = ReportInputs([Path(f) for f in folders])
    tables = []
    for folder in inputs.folders:
        if not folder.is_dir():
            raise _issue(folder, "result folder not found")
        study = is_uncertainty(folder)
        if study:
            inputs.uncertainty.append(load_uncertainty(folder))
        if (folder / "comparison.json").is_file():
            tables.append(_load_compare(folder, inputs))
        elif not (_is_study(folder) or (study and not _has_run_files(folder))):
            run = RunFolder.load(folder)
            inputs.add_run(run, run.name)
        _load_studies(folder, inputs, tornado=not study)
    if not inputs.runs:
        raise _issue(inputs.folders[0], "no run or compare result folder given (a report needs at least one)")
    if tables:
        inputs.comparison = pd.concat(tables, ignore_index=True)
    check_compatible(inputs.runs, inputs.labels)
    if inputs.capacity_table is None and inputs.capacity:
        inputs.capacity_table = _table_of_results(inputs.capacity)
    for problem in capacity_mismatches(inputs):
        if not allow_mixed:
            raise ScenarioError(
                [Issue("report", None, "", problem["text"] + "; give --allow-mixed to report them together")]
            )
        inputs.warnings.append(problem)
    return inputs


def _has_run_files(folder: Path) -> bool:
    return any((folder / name).is_file() for name in RUN_FILES)


def _is_study(folder: Path) -> bool:
    """A ``capacity`` or ``sensitivity`` folder: a study file and none of a run folder's files."""
    study = any((folder / name).is_file() for name in STUDY_FILES)
    return study and not _has_run_files(folder)


def _load_compare(folder: Path, inputs: ReportInputs) -> pd.DataFrame:
    """Add a compare folder's scenarios (base first) and return its comparison table."""
    info = read_json(folder, "comparison.json")
    if not (folder / "comparison.csv").is_file():
        raise _issue(folder, "incomplete result folder: comparison.csv is missing")
    table = pd.read_csv(folder / "comparison.csv")
    missing = [c for c in COMPARISON_COLUMNS if c not in table.columns]
    if missing:
        raise _issue(folder / "comparison.csv", f"missing columns: {', '.join(missing)}")
    order = list(dict.fromkeys([str(info.get("base", "")), *map(str, info.get("alternatives", []))]))
    order = [o for o in order if o] or list(dict.fromkeys([*table.base.astype(str), *table.alternative.astype(str)]))
    for index, label in enumerate(order):
        sub = folder / label
        if not sub.is_dir() or not any((sub / name).is_file() for name in RUN_FILES):
            raise _issue(folder, f"incomplete compare folder: the result sub-folder {label}/ is missing")
        inputs.add_run(RunFolder.load(sub), label, index)
    manifest = folder / "manifest.json"
    info["_manifest"] = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}
    inputs.compare_info.append(info)
    return table


def _load_studies(folder: Path, inputs: ReportInputs, tornado: bool = True) -> None:
    """Pick up ``capacity.json`` and (with ``tornado``) ``sensitivity.csv`` when the folder has them."""
    if (folder / "capacity.json").is_file():
        data = read_json(folder, "capacity.json")
        inputs.capacity.extend(data if isinstance(data, list) else [data])
    if (folder / "capacity.csv").is_file():
        table = pd.read_csv(folder / "capacity.csv").assign(_folder=str(folder))
        frames = [f for f in (inputs.capacity_table, table) if f is not None]
        inputs.capacity_table = pd.concat(frames, ignore_index=True)
    if tornado and (folder / "sensitivity.csv").is_file():
        table = pd.read_csv(folder / "sensitivity.csv")
        if not table.empty:
            inputs.sensitivity.append(table)


def check_compatible(runs: Sequence[RunFolder], labels: Sequence[str]) -> None:
    """Raise :class:`ScenarioError` unless every run has the same set of gates."""
    if not runs:
        return
    first = set(runs[0].scenario["gates"])
    for run, label in zip(runs[1:], labels[1:]):
        gates = set(run.scenario["gates"])
        if gates != first:
            only_first = ", ".join(sorted(first - gates)) or "none"
            only_this = ", ".join(sorted(gates - first)) or "none"
            raise ScenarioError(
                [
                    Issue(
                        str(run.path),
                        None,
                        "",
                        f"cannot report {labels[0]} and {label} together: their gates differ "
                        f"(only in {labels[0]}: {only_first}; only in {label}: {only_this})",
                    )
                ]
            )


def capacity_mismatches(inputs: ReportInputs) -> list[dict[str, str]]:
    """Each capacity search made on a scenario that is not one of the runs' (by name, then by model).

    Every entry has ``kind`` (``other``: no run has that scenario; ``model``: a run has the name
    but another model), ``name``, ``names`` (the runs' scenarios) and ``text`` (in English).
    """
    runs = {run.name: model_fingerprint(run.scenario) for run in inputs.runs}
    names = ", ".join(runs)
    problems: dict[str, dict[str, str]] = {}
    for res in inputs.capacity:
        name, fingerprint = str(res.get("scenario")), res.get("scenario_fingerprint")
        if name not in runs:
            text = f"the capacity search of {name} is not on a scenario of this report ({names})"
            problems[name] = {"kind": "other", "name": name, "names": names, "text": text}
        elif fingerprint and fingerprint != runs[name]:
            text = f"the capacity search of {name} was made on a different model of {name} than the runs"
            problems[name] = {"kind": "model", "name": name, "names": names, "text": text}
    return list(problems.values())


def _table_of_results(results: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The capacity table of a ``capacity.json`` written before ``capacity.csv`` existed (no paired ratios)."""
    nan = float("nan")
    rows = []
    for r in results:
        low, high = r.get("capacity_ci") or (nan, nan)
        mlow, mhigh = r.get("multiplier_ci") or (nan, nan)
        scale = str(r.get("scale", "all"))
        rows.append(
            {
                "scenario": r.get("scenario"),
                "unit": "province" if scale == "all" else scale,
                "method": "all gates scaled together" if scale == "all" else "gate",
                "demand_per_day": r.get("base_demand_per_day", nan),
                "capacity_per_day": r.get("capacity_per_day", nan),
                "capacity_ci_low": low,
                "capacity_ci_high": high,
                "ratio_to_demand": r.get("multiplier", nan),
                "ratio_to_demand_ci_low": mlow,
                "ratio_to_demand_ci_high": mhigh,
                "binding_stage": r.get("bottleneck", ""),
                "found": bool(r.get("found", True)),
                "vs_baseline": nan,
                "vs_baseline_ci_low": nan,
                "vs_baseline_ci_high": nan,
                "note": "" if r.get("found", True) else str(r.get("message", "")),
            }
        )
    return pd.DataFrame(rows)
