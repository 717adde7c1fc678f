"""An uncertainty result folder, as ``run``, ``compare`` and ``capacity`` with ``--uncertainty N`` write it.

The folder is recognised by ``uncertainty.json`` with ``"kind": "uncertainty"``; it holds

- ``uncertainty.json``: the command, N samples, the sampling method, seed, replications, days,
  the scenario labels (base first), the uncertain inputs (path, distribution, [S]/[I]/[A] tag,
  why), the claims tested and the interval level (0.90);
- ``uncertainty_summary.csv``: per (what, scenario, base, scope, key, kpi) the mean over the inputs
  with its 95% CI, the combined 90% interval (p05, p50, p95), the input and Monte-Carlo standard
  deviations, the share of the variance from the inputs and, for paired differences, the
  probability that the alternative improves the KPI;
- ``robustness.csv``: the probability over the inputs that each claim holds (95% Wilson CI);
- ``sensitivity.csv``: SRRC or Sobol (S1, ST) indices of each input, with CIs and shares;
- ``samples.csv`` and ``sample_kpis.csv``: the sampled inputs and each sample's replication KPIs.
- ``study_manifest.json``: how it was made (the command line, executor, cache hits, testing caps, wall
  time); not read by the report.

Nothing here imports SimPy or the model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.analysis.uncertainty import srrc_min_samples
from simulator.scenario.errors import Issue, ScenarioError

__all__ = [
    "STUDY_KEY_KPI",
    "UNCERTAINTY_COLUMNS",
    "UncertaintyStudy",
    "is_uncertainty",
    "key_sensitivity",
    "load_uncertainty",
    "unranked_reason",
]

#: Every CSV file of an uncertainty folder and the columns the report reads from it.
UNCERTAINTY_COLUMNS: dict[str, tuple[str, ...]] = {
    "uncertainty_summary.csv": (
        *("what", "scenario", "base", "scope", "key", "kpi", "n_samples", "mean", "mean_ci_low", "mean_ci_high"),
        *("p05", "p50", "p95", "input_sd", "mc_sd", "input_share", "p_improves"),
    ),
    "robustness.csv": ("claim", "scenario", "base", "probability", "ci_low", "ci_high", "n_samples", "holds"),
    "sensitivity.csv": (
        *("what", "scenario", "base", "scope", "key", "kpi", "input", "method", "index", "ci_low", "ci_high"),
        *("share", "n_samples"),
    ),
    "samples.csv": ("sample", "scenario", "input", "u", "value"),
    "sample_kpis.csv": ("sample", "scenario", "replication", "scope", "key", "kpi", "value"),
}
_INFO_KEYS = ("command", "samples", "method", "scenarios", "inputs")
_TEXT = {"what", "scenario", "base", "scope", "key", "kpi", "input", "method", "claim"}


@dataclass
class UncertaintyStudy:
    """One uncertainty folder, read from disk.

    Attributes
    ----------
    folder : Path
        Where it was read from.
    info : dict
        ``uncertainty.json``.
    summary, robustness, sensitivity, samples, sample_kpis : DataFrame
        The CSV files of the same names (text columns as strings, empty text as ``""``).
    """

    folder: Path
    info: dict[str, Any]
    summary: pd.DataFrame
    robustness: pd.DataFrame
    sensitivity: pd.DataFrame
    samples: pd.DataFrame
    sample_kpis: pd.DataFrame

    @property
    def command(self) -> str:
        """``run``, ``compare`` or ``capacity``."""
        return str(self.info["command"])

    @property
    def n(self) -> int:
        """The number of input samples."""
        return int(self.info["samples"])

    @property
    def level(self) -> float:
        """The level of the combined interval (0.90 unless the folder says otherwise)."""
        return float(self.info.get("level", 0.90))

    @property
    def inputs(self) -> list[dict[str, Any]]:
        """The uncertain inputs as listed in ``uncertainty.json``."""
        return list(self.info["inputs"])

    def row(
        self, what: str, kpi: str, scenarios: Sequence[str], scope: str, key: str, bases: Sequence[str] = ("",)
    ) -> dict[str, Any] | None:
        """The summary row of ``kpi`` for the first of ``scenarios`` (labels or names) found, or None.

        ``bases`` are the accepted labels of the base (``""`` for ``what="value"``).
        """
        s = self.summary
        mine = s[(s.what == what) & (s.kpi == kpi) & (s.scope == scope) & (s.key == key) & s.base.isin(bases)]
        for scenario in scenarios:
            rows = mine[mine.scenario == scenario]
            if not rows.empty:
                return dict(rows.iloc[0].to_dict())
        return None


def _issue(where: Path, message: str) -> ScenarioError:
    return ScenarioError([Issue(str(where), None, "", message)])


def is_uncertainty(folder: Path) -> bool:
    """Whether ``folder`` has an ``uncertainty.json`` (its kind is checked when it is loaded)."""
    return (folder / "uncertainty.json").is_file()


def _read_info(folder: Path) -> dict[str, Any]:
    path = folder / "uncertainty.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _issue(path, f"unreadable: {exc}") from None
    if not isinstance(info, dict) or info.get("kind") != "uncertainty":
        kind = info.get("kind") if isinstance(info, dict) else type(info).__name__
        raise _issue(path, f"kind: must be 'uncertainty', got {kind!r}")
    missing = [k for k in _INFO_KEYS if k not in info]
    if missing:
        raise _issue(path, f"missing keys: {', '.join(missing)}")
    return info


def _read_csv(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    try:
        table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise _issue(path, f"unreadable: {exc}") from None
    except pd.errors.EmptyDataError:
        table = pd.DataFrame(columns=list(UNCERTAINTY_COLUMNS[name]))
    missing = [c for c in UNCERTAINTY_COLUMNS[name] if c not in table.columns]
    if missing:
        raise _issue(path, f"missing columns: {', '.join(missing)}")
    for column in _TEXT & set(table.columns):
        table[column] = table[column].astype(object).where(table[column].notna(), "").astype(str)
    return table


def load_uncertainty(folder: Path) -> UncertaintyStudy:
    """Read an uncertainty folder.

    Raises
    ------
    ScenarioError
        One line naming the folder and every missing file, or the file with a bad kind, a missing
        key or missing columns.
    """
    info = _read_info(folder)
    missing = [name for name in UNCERTAINTY_COLUMNS if not (folder / name).is_file()]
    if missing:
        raise _issue(folder, f"incomplete uncertainty folder: {', '.join(missing)} missing")
    tables = {name.removesuffix(".csv"): _read_csv(folder, name) for name in UNCERTAINTY_COLUMNS}
    return UncertaintyStudy(
        folder,
        info,
        tables["uncertainty_summary"],
        tables["robustness"],
        tables["sensitivity"],
        tables["samples"],
        tables["sample_kpis"],
    )


#: The KPI whose spread a study's summary explains first, per command (its difference or ratio when there is one).
STUDY_KEY_KPI = {"run": "time_in_system_h_mean", "compare": "time_in_system_h_mean", "capacity": "capacity_per_day"}


def key_sensitivity(sensitivity: pd.DataFrame, command: str) -> tuple[str, pd.DataFrame]:
    """The key KPI of ``command`` and its inputs' rows of ``sensitivity.csv`` for the whole system.

    SRRC or total Sobol rows; the paired difference or ratio when there is one, else the first
    scenario's value. Empty rows when the study has none.
    """
    kpi = STUDY_KEY_KPI.get(command, "time_in_system_h_mean")
    sens = sensitivity
    sel = sens[sens.kpi.isin([kpi, "capacity_ratio"]) & (sens.scope == "all") & sens.method.isin(["srrc", "sobol_st"])]
    if (sel.what != "value").any():
        sel = sel[sel.what != "value"]
    if sel.empty:
        return kpi, sel
    first = sel.iloc[0]
    return str(first.kpi), sel[(sel.scenario == first.scenario) & (sel.kpi == first.kpi)]


def unranked_reason(method: str, rows: pd.DataFrame) -> str:
    """Why one KPI's ``rows`` of ``sensitivity.csv`` have no indices: ``too_few`` samples for a rank
    regression on its inputs, ``flat`` (the KPI is the same in every sample, or Sobol indices met a
    sample without a value), or ``""`` when they have indices."""
    if not rows.share.isna().all():
        return ""
    too_few = method == "srrc" and int(rows.n_samples.iloc[0]) < srrc_min_samples(len(rows))
    return "too_few" if too_few else "flat"
