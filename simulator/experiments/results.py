"""The results of a set of replications, and the result folder they are written to."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from simulator.analysis.stats import stability, summarise
from simulator.analysis.tables import summarise_fees, summarise_trs
from simulator.engine.output import RunOutput
from simulator.experiments.eventlog_frame import event_log_frame
from simulator.experiments.files import atomic_write_bytes, gzip_bytes, manifest, to_json
from simulator.scenario.models import Scenario

if TYPE_CHECKING:
    from simulator.experiments.replication import ReplicationResult

__all__ = ["Results", "event_log_frame"]

SCOPE_SECTIONS = {
    "gate": "by_gate",
    "direction": "by_direction",
    "class": "by_class",
    "channel": "by_channel",
    "mode": "by_mode",
    "stage": "by_stage",
}


@dataclass
class Results:
    """Everything a run produced.

    Attributes
    ----------
    scenario : Scenario
        The resolved scenario that was run.
    seed : int
        The seed used.
    replications : pandas.DataFrame
        Tidy KPIs: ``replication, scope, key, kpi, value``.
    summary : pandas.DataFrame
        Mean and 95% t-interval per ``scope, key, kpi``.
    timeseries : pandas.DataFrame
        Hourly levels per replication (see :func:`simulator.analysis.kpis.timeseries`).
    outputs : list of RunOutput
        Whole records of the replications run in this process with their log kept (not of
        those read back from the cache).
    logs : list of pandas.DataFrame
        The event log of every replication that kept it.
    trs : pandas.DataFrame
        Time Release Study table over replications (see :func:`simulator.analysis.tables.summarise_trs`).
    fees : pandas.DataFrame
        Fees by gate and month over replications (see :func:`simulator.analysis.tables.summarise_fees`).
    """

    scenario: Scenario
    seed: int
    replications: pd.DataFrame
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    outputs: list[RunOutput] = field(default_factory=list)
    trs: pd.DataFrame = field(default_factory=pd.DataFrame)
    fees: pd.DataFrame = field(default_factory=pd.DataFrame)
    logs: list[pd.DataFrame] = field(default_factory=list)

    @classmethod
    def from_replications(cls, scenario: Scenario, seed: int, results: Sequence[ReplicationResult]) -> Results:
        """Combine per-replication results, in replication order."""
        reps = pd.concat([r.kpis for r in results], ignore_index=True)
        series = pd.concat([r.timeseries for r in results], ignore_index=True)
        outputs = [r.output for r in results if r.output is not None]
        trs = summarise_trs(pd.concat([r.trs for r in results], ignore_index=True))
        fees = summarise_fees(pd.concat([r.fees for r in results], ignore_index=True))
        logs = [r.log for r in results if r.log is not None]
        return cls(scenario, seed, reps, summarise(reps), series, outputs, trs, fees, logs)

    @functools.cached_property
    def trucks(self) -> pd.DataFrame:
        """The event log of every replication: one row per truck and stage visit."""
        if not self.logs:
            return event_log_frame(None)
        return pd.concat(self.logs, ignore_index=True)

    @functools.cached_property
    def stability(self) -> pd.DataFrame:
        """Overload flags per truck scope (see :func:`simulator.analysis.stats.stability`)."""
        run = self.scenario.run
        return stability(self.summary, run.days - run.warmup_days)

    @property
    def unstable(self) -> bool:
        """Whether the backlog of the whole system grows without bound."""
        rows = self.stability[self.stability.scope == "all"]
        return bool(rows.unstable.any())

    def kpi(self, name: str, scope: str = "all", key: str = "all") -> dict[str, float]:
        """``{mean, ci_low, ci_high}`` of one KPI."""
        row = self.summary[(self.summary.scope == scope) & (self.summary.key == key) & (self.summary.kpi == name)]
        if row.empty:
            raise KeyError(f"no KPI {name!r} for {scope}={key!r}")
        return {c: float(row.iloc[0][c]) for c in ("mean", "ci_low", "ci_high")}

    def summary_dict(self) -> dict[str, Any]:
        """The content of ``summary.json``."""
        run = self.scenario.run
        doc: dict[str, Any] = {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "replications": int(self.replications["replication"].nunique()),
            "days": run.days,
            "warmup_days": run.warmup_days,
            "start_date": run.start_date.isoformat(),
            "confidence": 0.95,
            "backlog_clock": self.scenario.reporting.backlog_clock,
            "perishable_threshold_h": self.scenario.reporting.perishable_threshold_h,
            "currency": self.scenario.fees.currency if self.scenario.fees is not None else None,
            "kpis": {},
            **{section: {} for section in SCOPE_SECTIONS.values()},
        }
        doc["unstable"] = self.unstable
        doc["stability"] = {"all": {}, **{SCOPE_SECTIONS[k]: {} for k in SCOPE_SECTIONS if k != "stage"}}
        for r in self.stability.itertuples(index=False):
            entry = {
                "unstable": r.unstable,
                "backlog_growth_per_day": {
                    "mean": r.growth_mean,
                    "ci_low": r.growth_ci_low,
                    "ci_high": r.growth_ci_high,
                },
            }
            if r.scope == "all":
                doc["stability"]["all"] = entry
            else:
                doc["stability"][SCOPE_SECTIONS[str(r.scope)]][r.key] = entry
        for row in self.summary.itertuples(index=False):
            entry = {"mean": row.mean, "ci_low": row.ci_low, "ci_high": row.ci_high}
            if row.scope == "all":
                doc["kpis"][row.kpi] = entry
            else:
                doc[SCOPE_SECTIONS[str(row.scope)]].setdefault(row.key, {})[row.kpi] = entry
        return doc

    def files(self) -> dict[str, bytes]:
        """The result files, by name, as bytes (deterministic for a given seed)."""
        resolved = yaml.safe_dump(self.scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
        return {
            "summary.json": to_json(self.summary_dict()).encode("utf-8"),
            "replications.csv": self.replications.to_csv(index=False).encode("utf-8"),
            "timeseries.csv": self.timeseries.to_csv(index=False).encode("utf-8"),
            "trs.csv": self.trs.to_csv(index=False).encode("utf-8"),
            "fees.csv": self.fees.to_csv(index=False).encode("utf-8"),
            "trucks.csv.gz": gzip_bytes(self.trucks.to_csv(index=False).encode("utf-8")),
            "scenario.resolved.yaml": resolved.encode("utf-8"),
        }

    def to_dir(
        self, path: str | Path, extra_manifest: dict[str, Any] | None = None, started: float | None = None
    ) -> Path:
        """Write every result file atomically into ``path``, the manifest last.

        Parameters
        ----------
        path : str or Path
            The result folder (created if needed).
        extra_manifest : dict, optional
            More entries for ``manifest.json`` (command line, jobs, ...).
        started : float, optional
            ``time.perf_counter()`` at the start of the run; the manifest then records the
            wall time up to the last result file written.

        Returns
        -------
        pathlib.Path
            The folder written.
        """
        folder = Path(path)
        files = self.files()
        for name, data in files.items():
            atomic_write_bytes(folder / name, data)
        info = {
            "scenario": self.scenario.name,
            "scenario_sha256": self.scenario.digest(),
            "seed": self.seed,
            "replications": int(self.replications["replication"].nunique()),
            **(extra_manifest or {}),
        }
        if started is not None:
            info["wall_time_s"] = round(time.perf_counter() - started, 3)
        atomic_write_bytes(folder / "manifest.json", to_json(manifest(files, info)).encode("utf-8"))
        return folder
