"""The tables and files of an uncertainty study (the contract of :mod:`simulator.report.uncertainty_files`).

- ``uncertainty_summary.csv``: every KPI of every scenario (``what = value``), every paired
  difference alternative − base (``difference``) and, for capacity, every ratio alternative /
  base (``ratio``), split into the spread from the inputs and the Monte-Carlo error;
- ``robustness.csv``: the probability over the inputs that each claim holds;
- ``sensitivity.csv``: which inputs matter for the key KPIs (SRRC with Latin hypercube samples,
  Sobol S1 and ST with Saltelli samples);
- ``samples.csv`` and ``sample_kpis.csv``: the design and every sample's replication KPIs.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.registry import KPIS, STAGE_KPIS, STUDY_KPIS, TRUCK_KPIS, VIEWS
from simulator.analysis.uncertainty import decompose, probability, sobol, srrc
from simulator.experiments.capacity_target import OPERATORS, TARGET_PATTERN
from simulator.experiments.files import atomic_write_text, to_json
from simulator.experiments.uncertainty import Study
from simulator.scenario.claim import model_fingerprint
from simulator.scenario.errors import Issue, ScenarioError

__all__ = ["Statement", "claims_of", "parse_claim", "write_study"]

LEVEL = 0.90
_GROUP = ["scenario", "scope", "key", "kpi"]


@dataclass(frozen=True)
class Statement:
    """A claim tested over the inputs, e.g. ``gate:huu_nghi:capacity_ratio>=2``."""

    text: str
    kpi: str
    form: str  # value | change | ratio
    op: str
    value: float
    scope: str = "all"
    key: str = "all"

    def holds(self, x: np.ndarray) -> np.ndarray:
        """Whether each (finite) sample statistic meets the claim."""
        return np.asarray([OPERATORS[self.op](float(v), self.value) for v in x], dtype=bool)


def _known(command: str, scope: str) -> dict[str, str]:
    if command == "capacity":
        return {"capacity_per_day": "value", "capacity_ratio": "ratio"}
    names = STAGE_KPIS if scope == "stage" else TRUCK_KPIS
    out = {k: "value" for k in names}
    if command == "compare":
        out.update({f"{k}_change": "change" for k in names} | {f"{k}_ratio": "ratio" for k in names})
    return out


def parse_claim(text: str, command: str) -> Statement:
    """Parse ``--claim [SCOPE:KEY:]KPI OP VALUE`` for ``run``, ``compare`` or ``capacity``.

    ``compare`` also takes ``KPI_change`` (alternative − base) and ``KPI_ratio`` (alternative /
    base); ``capacity`` takes ``capacity_per_day`` and ``capacity_ratio`` (alternative / base).
    """
    match = TARGET_PATTERN.match(text)
    if not match:
        expected = "expected [SCOPE:KEY:]KPI OP VALUE, e.g. 'capacity_ratio>=2'"
        raise ScenarioError([Issue("--claim", None, text, expected)])
    scope, key, name, op, number = match.groups()
    scope = scope or "all"
    known = _known(command, scope)
    if name not in known:
        sample = ", ".join(list(known)[:8])
        message = f"unknown KPI '{name}' for {command} at scope {scope} (known: {sample}, ...)"
        raise ScenarioError([Issue("--claim", None, text, message)])
    try:
        value = float(number)
    except ValueError:
        raise ScenarioError([Issue("--claim", None, text, f"'{number}' is not a number")]) from None
    kpi = name.removesuffix("_change").removesuffix("_ratio") if command == "compare" else name
    form = known[name]
    if command == "capacity" and name == "capacity_ratio":
        kpi = "capacity_per_day"
    return Statement(text.strip(), kpi, form, op, value, scope, key or "all")


def claims_of(study: Study) -> list[str]:
    """The capacity claims the proposals' own ``claim:`` blocks make (``capacity_ratio >= min``)."""
    out = []
    for us in study.scenarios[1:]:
        claim = us.scenario.claim
        if claim is not None:
            where = "" if claim.scope == "province" else f"gate:{claim.scope}:"
            out.append(f"{where}capacity_ratio>={claim.capacity_ratio_min:g}")
    return out


def _wide(sample_kpis: pd.DataFrame) -> pd.DataFrame:
    """Values indexed by (scenario, scope, key, kpi, sample), one column per replication."""
    keys = [*_GROUP, "sample", "replication"]
    return sample_kpis.set_index(keys)["value"].unstack("replication").sort_index()


def _blocks(wide: pd.DataFrame) -> Iterator[tuple[tuple[Any, ...], np.ndarray]]:
    """Each (scenario, scope, key, kpi) and its (samples x replications) values, without slicing frames."""
    values = wide.to_numpy(dtype=float)
    for name, rows in wide.groupby(level=[0, 1, 2, 3], sort=False).indices.items():
        yield name, values[rows]


def _spreads(wide: pd.DataFrame, what: str, base: str) -> list[dict[str, Any]]:
    rows = []
    for (scenario, scope, key, kpi), block in _blocks(wide):
        spread = decompose(block)
        rows.append({"what": what, "scenario": scenario, "base": base, "scope": scope, "key": key, "kpi": kpi,
                     **spread.as_dict(), "p_improves": np.nan})  # fmt: skip
    return rows


def _improves(kpi: str, means: np.ndarray, what: str) -> float:
    entry = KPIS.get(kpi) or STUDY_KPIS.get(kpi)
    finite = means[np.isfinite(means)]  # a sample whose replications all lack the KPI is left out
    if entry is None or entry.better == "neither" or len(finite) == 0:
        return float("nan")
    neutral = 1.0 if what == "ratio" else 0.0
    better = finite > neutral if entry.better == "higher" else finite < neutral
    return float(better.mean())


def _paired(wide: pd.DataFrame, base: str, alt: str, what: str) -> pd.DataFrame:
    a, b = wide.xs(alt, level="scenario"), wide.xs(base, level="scenario")
    a, b = a.align(b, join="inner")
    out = a / b.where(b != 0) if what == "ratio" else a - b
    return pd.concat({alt: out}, names=["scenario"])


def summary_table(study: Study, sample_kpis: pd.DataFrame) -> pd.DataFrame:
    """``uncertainty_summary.csv``: values, paired differences (run and compare) or ratios (capacity)."""
    wide = _wide(sample_kpis)
    rows = _spreads(wide, "value", "")
    base = study.scenarios[0].label
    what = "ratio" if study.command == "capacity" else "difference"
    for us in study.scenarios[1:]:
        paired = _paired(wide, base, us.label, what)
        block = _spreads(paired, what, base)
        for row, (_, group) in zip(block, _blocks(paired)):
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                means = np.nanmean(group, axis=1)
            row["p_improves"] = _improves(row["kpi"], means, what)
            if what == "ratio":
                row["kpi"] = "capacity_ratio"
        rows += block
    return pd.DataFrame(rows)


def _sample_stat(wide: pd.DataFrame, study: Study, s: Statement, label: str) -> np.ndarray:
    """Each sample's value of the claim's statistic for scenario ``label`` (NaN where missing)."""
    base = study.scenarios[0].label
    scope, key = _claim_scope(study, s, label)
    if s.form == "value":
        frame = wide.xs((label, scope, key, s.kpi), level=[0, 1, 2, 3], drop_level=True)
        stat = frame.mean(axis=1)
    else:
        alt = wide.xs((label, scope, key, s.kpi), level=[0, 1, 2, 3]).mean(axis=1)
        ref = wide.xs((base, scope, key, s.kpi), level=[0, 1, 2, 3]).mean(axis=1)
        alt, ref = alt.align(ref, join="inner")
        stat = alt / ref.where(ref != 0) if s.form == "ratio" else alt - ref
    return stat.reindex(range(study.rows)).to_numpy(dtype=float)


def _claim_scope(study: Study, s: Statement, label: str) -> tuple[str, str]:
    """Where a claim is read: ``gate:province`` is the whole system, and so is the one gate of a
    one-gate scenario (its capacity search has no province row)."""
    if s.scope == "gate" and s.key == "province":
        return "all", "all"
    gates = next(us.scenario.gates for us in study.scenarios if us.label == label)
    if s.scope == "all" and s.kpi == "capacity_per_day" and len(gates) == 1:
        return "gate", next(iter(gates))
    return s.scope, s.key


def robustness_table(study: Study, sample_kpis: pd.DataFrame, claims: list[Statement]) -> pd.DataFrame:
    """``robustness.csv``: per claim and scenario (alternatives when there is a base), P(claim holds)."""
    wide = _wide(sample_kpis)
    rows = []
    targets = study.scenarios[1:] if len(study.scenarios) > 1 else study.scenarios
    base = study.scenarios[0].label if len(study.scenarios) > 1 else ""
    for s in claims:
        for us in targets:
            try:
                stat = _sample_stat(wide, study, s, us.label)
            except KeyError:
                stat = np.full(study.rows, np.nan)
            finite = stat[np.isfinite(stat)]
            p, lo, hi, k, n = probability(s.holds(finite))
            rows.append({"claim": s.text, "scenario": us.label, "base": base, "probability": p, "ci_low": lo,
                         "ci_high": hi, "n_samples": n, "holds": k})  # fmt: skip
    columns = ["claim", "scenario", "base", "probability", "ci_low", "ci_high", "n_samples", "holds"]
    return pd.DataFrame(rows, columns=columns)


def _key_groups(study: Study, frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The (what, scenario, base, scope, key, kpi) of the KPIs whose sensitivity is computed."""
    if study.command == "capacity":
        keep = frame
    else:
        keep = frame[frame.kpi.isin(VIEWS["compare"]) & frame.scope.isin(["all", "gate"])]
    for row in keep.itertuples(index=False):
        yield row.what, row.scenario, row.base, row.scope, row.key, row.kpi


def _stat_for(wide: pd.DataFrame, study: Study, group: tuple[Any, ...]) -> np.ndarray:
    what, scenario, base, scope, key, kpi = group
    form = {"value": "value", "difference": "change", "ratio": "ratio"}[what]
    kpi = "capacity_per_day" if kpi == "capacity_ratio" else kpi
    return _sample_stat(wide, study, Statement("", kpi, form, ">=", 0.0, scope, key), scenario)


def sensitivity_table(study: Study, sample_kpis: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """``sensitivity.csv``: the indices of every input for the key KPIs, values and differences."""
    wide, design = _wide(sample_kpis), study.design
    rows: list[dict[str, Any]] = []
    bases: dict[tuple[int, ...], dict[bytes, Any]] = {}  # the rank regression's work on x, shared by KPIs
    for group in _key_groups(study, summary):
        y = _stat_for(wide, study, group)
        own = _inputs_for(study, group)
        cols = tuple(j for j, path in enumerate(design.inputs) if path in own)
        if design.method == "sobol":
            full = sobol(design.problem(), y, seed=study.seed)
            results = {m: {k: np.asarray(v)[list(cols)] for k, v in r.items()} for m, r in full.items()}
        else:  # regressed on the inputs the KPI can depend on only: a baseline's value ignores the levers
            x = design.unit[:, list(cols)]
            results = {"srrc": srrc(x, y, seed=study.seed, bases=bases.setdefault(cols, {}))}
        used = int(np.isfinite(y).sum())  # the samples (Saltelli rows) with a value
        for method, res in results.items():
            for i, j in enumerate(cols):
                path = design.inputs[j]
                values = {k: float(res[k][i]) for k in ("index", "ci_low", "ci_high", "share")}
                values["n_samples"] = used
                rows.append(dict(zip(["what", "scenario", "base", "scope", "key", "kpi"], group),
                                 input=path, method=method, **values))  # fmt: skip
    columns = ["what", "scenario", "base", "scope", "key", "kpi", "input", "method", "index", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=[*columns, "share", "n_samples"])


def _inputs_for(study: Study, group: tuple[Any, ...]) -> set[str]:
    """The inputs a KPI can depend on: its scenario's (and, for a pair, its base's too)."""
    names = {group[1], group[2]} if group[0] != "value" else {group[1]}
    return {p.path for us in study.scenarios if us.label in names for p in us.prepared}


def samples_table(study: Study) -> pd.DataFrame:
    """``samples.csv``: each sample's uniform and value of every input, per scenario."""
    rows = []
    for row in range(study.rows):
        units = study.design.units(row)
        for us in study.scenarios:
            for p in us.prepared:
                rows.append((row, us.label, p.path, units[p.path], p.entry.ppf(units[p.path])))
    return pd.DataFrame(rows, columns=["sample", "scenario", "input", "u", "value"])


def _inputs_info(study: Study) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for us in study.scenarios:
        for p in us.prepared:
            entry = out.setdefault(p.path, {**p.entry.model_dump(mode="json"), "scenarios": []})
            entry["scenarios"].append(us.label)
    return list(out.values())


def info(study: Study, claims: list[Statement]) -> dict[str, Any]:
    """``uncertainty.json``."""
    return {
        "kind": "uncertainty",
        "command": study.command,
        "samples": study.design.base_samples,
        "rows": study.rows,
        "method": study.design.method,
        "seed": study.seed,
        "replications": study.replications,
        "days": study.days,
        "scenarios": [us.label for us in study.scenarios],
        "base": study.scenarios[0].label,
        "inputs": _inputs_info(study),
        "claims": [s.text for s in claims],
        "level": LEVEL,
        "scenario_fingerprints": {
            us.label: model_fingerprint(us.scenario.model_dump(mode="json")) for us in study.scenarios
        },  # fmt: skip
    }


def write_study(folder: Path, study: Study, sample_kpis: pd.DataFrame, claims: list[Statement]) -> dict[str, Any]:
    """Write the uncertainty folder's files into ``folder``; returns ``uncertainty.json``'s content."""
    summary = summary_table(study, sample_kpis)
    tables = {
        "uncertainty_summary.csv": summary,
        "robustness.csv": robustness_table(study, sample_kpis, claims),
        "sensitivity.csv": sensitivity_table(study, sample_kpis, summary),
        "samples.csv": samples_table(study),
        "sample_kpis.csv": sample_kpis,
    }
    for name, frame in tables.items():
        atomic_write_text(folder / name, frame.to_csv(index=False))
    data = info(study, claims)
    atomic_write_text(folder / "uncertainty.json", to_json(data))
    return data
