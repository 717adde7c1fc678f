"""The results of a set of replications, and the result folder they are written to."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from simulator.analysis.demand_tally import SUSPENSION_COLUMNS
from simulator.analysis.stats import stability, summarise
from simulator.analysis.tables import measured_days_by_month, summarise_fees, summarise_trs
from simulator.engine.output import RunOutput
from simulator.experiments.eventlog_frame import event_log_frame
from simulator.experiments.files import atomic_write_bytes, manifest_of, to_json
from simulator.experiments.logfile import read_log
from simulator.experiments.writing import (
    FORMATS,
    file_sha256,
    log_file_name,
    series_file_name,
    write_log,
    write_timeseries,
)
from simulator.scenario.models import Scenario

if TYPE_CHECKING:
    from simulator.analysis.reducer import Reduction
    from simulator.experiments.replication import ReplicationResult
    from simulator.experiments.warmup import WarmupChoice

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
    outputs : list of RunOutput
        Whole records of the replications run in this process with their log kept (not of
        those read back from the cache).
    logs : list of bytes or Path
        The event log of every replication that kept one, in replication order: its Parquet
        bytes (kept in memory), or its Parquet file (streamed to disk, or in the cache); the
        same bytes either way. ``trucks.parquet`` is their concatenation.
    reductions : list of Reduction
        Each replication's reduction; the hourly levels (``timeseries``) come from these.
    trs : pandas.DataFrame
        Time Release Study table over replications (see :func:`simulator.analysis.tables.summarise_trs`).
    fees : pandas.DataFrame
        Fees by gate and month over replications (see :func:`simulator.analysis.tables.summarise_fees`).
    warmup : WarmupChoice, optional
        How ``warmup_days: auto`` was resolved (:mod:`simulator.experiments.warmup`); written to
        ``manifest.json`` as ``warmup``. None when the scenario gave a number.
    suspensions : pandas.DataFrame
        The dispatch suspension periods of every replication (reacting demand): replication, gate,
        rule index, its classes, start and end in model minutes (end NaN: still suspended at the
        end) and duration; written as ``suspensions.csv`` when some gate has a suspension rule.
    """

    scenario: Scenario
    seed: int
    replications: pd.DataFrame
    summary: pd.DataFrame
    outputs: list[RunOutput] = field(default_factory=list)
    trs: pd.DataFrame = field(default_factory=pd.DataFrame)
    fees: pd.DataFrame = field(default_factory=pd.DataFrame)
    logs: list[bytes | Path] = field(default_factory=list)
    reductions: list[Reduction] = field(default_factory=list)
    warmup: WarmupChoice | None = None
    suspensions: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def from_replications(
        cls,
        scenario: Scenario,
        seed: int,
        results: Sequence[ReplicationResult],
        warmup: WarmupChoice | None = None,
    ) -> Results:
        """Combine per-replication results, in replication order (``warmup``: how an "auto" one was chosen)."""
        reps = pd.concat([r.kpis for r in results], ignore_index=True)
        outputs = [r.output for r in results if r.output is not None]
        trs = summarise_trs(pd.concat([r.trs for r in results], ignore_index=True))
        settings = scenario.run
        days = measured_days_by_month(settings.start_date, settings.warmup, settings.days)
        fees = summarise_fees(pd.concat([r.fees for r in results], ignore_index=True), days)
        logs: list[bytes | Path] = []
        for r in results:
            if r.log_data is not None:
                logs.append(r.log_data)
            elif r.log_file is not None:
                logs.append(Path(r.log_file))
        reductions = [r.reduction for r in results]
        suspensions = _suspensions(scenario, reductions)
        return cls(scenario, seed, reps, summarise(reps), outputs, trs, fees, logs, reductions, warmup, suspensions)

    @functools.cached_property
    def timeseries(self) -> pd.DataFrame:
        """Hourly levels of every replication: ``replication, time_h, scope, key, metric, value``."""
        return pd.concat([r.timeseries() for r in self.reductions], ignore_index=True)

    @functools.cached_property
    def trucks(self) -> pd.DataFrame:
        """The event log of every replication: one row per truck and stage visit."""
        frames = [read_log(log) for log in self.logs]
        if not frames:
            return event_log_frame(None)
        return pd.concat(frames, ignore_index=True)

    @functools.cached_property
    def stability(self) -> pd.DataFrame:
        """Overload flags per truck scope (see :func:`simulator.analysis.stats.stability`)."""
        run, period = self.scenario.run, self.scenario.period_days()
        window = run.days - run.warmup
        used = window // period * period  # the whole periods the growth is measured over
        first = run.start_date + dt.timedelta(days=run.warmup + used // 2)
        last = run.start_date + dt.timedelta(days=max(run.warmup + used - 1, 0))
        late = self.scenario.calendar.dated_between(first, last) if used else []
        return stability(self.summary, window, period, late)

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
            "calendar_period_days": self.scenario.period_days(),
            "currency": self.scenario.fees.currency if self.scenario.fees is not None else None,
            "kpis": {},
            **{section: {} for section in SCOPE_SECTIONS.values()},
        }
        doc["unstable"] = self.unstable
        doc["stability"] = {"all": {}, **{SCOPE_SECTIONS[k]: {} for k in SCOPE_SECTIONS if k != "stage"}}
        for r in self.stability.itertuples(index=False):
            entry = {
                "unstable": r.unstable,
                "status": r.status,
                "reason": r.reason,
                "reason_code": r.reason_code,
                "event": r.event,
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

    def _small_files(self) -> dict[str, bytes]:
        resolved = yaml.safe_dump(self.scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
        suspensions = self.suspensions.to_csv(index=False).encode("utf-8")
        return {
            "summary.json": to_json(self.summary_dict()).encode("utf-8"),
            "replications.csv": self.replications.to_csv(index=False).encode("utf-8"),
            "trs.csv": self.trs.to_csv(index=False).encode("utf-8"),
            "fees.csv": self.fees.to_csv(index=False).encode("utf-8"),
            "scenario.resolved.yaml": resolved.encode("utf-8"),
            **({"suspensions.csv": suspensions} if _suspends(self.scenario) else {}),
        }

    def files(self, fmt: str = "parquet") -> dict[str, bytes]:
        """The result files, by name, as bytes (deterministic for a given seed); for small runs.

        ``fmt`` is ``"parquet"`` (``timeseries.parquet``, ``trucks.parquet``) or ``"csv"``
        (``timeseries.csv``, ``trucks.csv.gz``). :meth:`to_dir` writes the same files to disk
        without holding them in memory.
        """
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            self._write_large(folder, fmt)
            large = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
        return {**self._small_files(), **large}

    def _write_large(self, folder: Path, fmt: str) -> None:
        digest = self.scenario.digest()
        write_timeseries(self.reductions, folder / series_file_name(fmt), fmt, digest)
        write_log(self.logs, folder / log_file_name(fmt), fmt, digest)

    def to_dir(
        self,
        path: str | Path,
        extra_manifest: dict[str, Any] | None = None,
        started: float | None = None,
        fmt: str = "parquet",
    ) -> Path:
        """Write every result file into ``path``, the manifest last.

        Parameters
        ----------
        path : str or Path
            The result folder (created if needed; give it a fresh or staging folder: files of an
            earlier run that this run does not write are not removed).
        extra_manifest : dict, optional
            More entries for ``manifest.json`` (command line, jobs, ...).
        started : float, optional
            ``time.perf_counter()`` at the start of the run; the manifest then records the
            wall time up to the last result file written.
        fmt : {"parquet", "csv"}
            How the time series and the event log are written.

        Returns
        -------
        pathlib.Path
            The folder written.
        """
        if fmt not in FORMATS:
            raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        small = self._small_files()
        for name, data in small.items():
            atomic_write_bytes(folder / name, data)
        self._write_large(folder, fmt)
        hashes = {name: hashlib.sha256(data).hexdigest() for name, data in small.items()}
        for name in (series_file_name(fmt), log_file_name(fmt)):
            hashes[name] = file_sha256(folder / name)
        info = {
            "scenario": self.scenario.name,
            "scenario_sha256": self.scenario.digest(),
            "seed": self.seed,
            "replications": int(self.replications["replication"].nunique()),
            "format": fmt,
            "exact_percentiles": all(r.exact_percentiles for r in self.reductions),
            **({"warmup": self.warmup.as_dict()} if self.warmup is not None else {}),
            **(extra_manifest or {}),
        }
        if started is not None:
            info["wall_time_s"] = round(time.perf_counter() - started, 3)
        atomic_write_bytes(folder / "manifest.json", to_json(manifest_of(hashes, info)).encode("utf-8"))
        return folder


def _suspends(sc: Scenario) -> bool:
    return any(g.demand is not None and g.demand.suspension for g in sc.gates.values())


def _suspensions(sc: Scenario, reductions: Sequence[Reduction]) -> pd.DataFrame:
    """Every replication's suspension periods, with the classes of each rule ("all" for every class)."""
    frames = [r.suspensions for r in reductions if len(r.suspensions)]
    if not frames:
        columns = list(SUSPENSION_COLUMNS)
        return pd.DataFrame(columns=[*columns[:3], "classes", *columns[3:]])
    table = pd.concat(frames, ignore_index=True)

    def classes(gate: str, rule: int) -> str:
        demand = sc.gates[gate].demand
        chosen = demand.suspension[rule].classes if demand is not None else ()
        return "+".join(chosen) if chosen else "all"

    table.insert(3, "classes", [classes(g, int(k)) for g, k in zip(table.gate, table.rule, strict=True)])
    return table
