"""Read saved result folders back, without the model: charts and reports are built from these.

This module imports neither SimPy nor the model, so plotting and reporting never rerun or
even load the simulation engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simulator.scenario.errors import Issue, ScenarioError

__all__ = ["LOG_FILES", "SERIES_FILES", "RunFolder", "read_json"]

RUN_FILES = ("summary.json", "replications.csv", "scenario.resolved.yaml", "manifest.json")
SERIES_FILES = ("timeseries.parquet", "timeseries.csv")  # either, by --format
LOG_FILES = ("trucks.parquet", "trucks.csv.gz")


def read_json(folder: Path, name: str) -> Any:
    """Load ``folder/name`` as JSON, or raise :class:`ScenarioError` naming the missing file."""
    path = folder / name
    if not path.is_file():
        raise ScenarioError([Issue(str(folder), None, "", f"incomplete result folder: {name} is missing")])
    return json.loads(path.read_text(encoding="utf-8"))


def _read_series(folder: Path) -> pd.DataFrame:
    """The hourly levels, from ``timeseries.parquet`` (names as text) or ``timeseries.csv``."""
    path = folder / "timeseries.parquet"
    if path.is_file():
        import pyarrow.parquet as pq

        frame = pq.read_table(path).to_pandas()
        for name in ("scope", "key", "metric"):
            frame[name] = frame[name].astype(str)
        return frame
    return pd.read_csv(folder / "timeseries.csv")


@dataclass
class RunFolder:
    """The files of one ``run`` result folder."""

    path: Path
    summary: dict[str, Any]
    replications: pd.DataFrame
    timeseries: pd.DataFrame
    scenario: dict[str, Any]
    manifest: dict[str, Any]

    @classmethod
    def load(cls, path: str | Path) -> RunFolder:
        """Read a result folder written by ``run``; every missing file is named in the error."""
        folder = Path(path)
        if not folder.is_dir():
            raise ScenarioError([Issue(str(folder), None, "", "result folder not found")])
        missing = [name for name in RUN_FILES if not (folder / name).is_file()]
        if not any((folder / name).is_file() for name in SERIES_FILES):
            missing.append(" or ".join(SERIES_FILES))
        if missing:
            raise ScenarioError(
                [Issue(str(folder), None, "", f"incomplete result folder: {n} is missing") for n in missing]
            )
        return cls(
            path=folder,
            summary=read_json(folder, "summary.json"),
            replications=pd.read_csv(folder / "replications.csv"),
            timeseries=_read_series(folder),
            scenario=yaml.safe_load((folder / "scenario.resolved.yaml").read_text(encoding="utf-8")),
            manifest=read_json(folder, "manifest.json"),
        )

    @property
    def name(self) -> str:
        """The scenario name."""
        return str(self.summary["scenario"])

    def log_path(self) -> Path | None:
        """``trucks.parquet`` or ``trucks.csv.gz``, whichever the run wrote (None if neither)."""
        return next((self.path / n for n in LOG_FILES if (self.path / n).is_file()), None)

    def trucks(self) -> pd.DataFrame:
        """The saved event log (``trucks.parquet`` or ``trucks.csv.gz``); raises if the run wrote none."""
        from simulator.experiments.logfile import read_log

        path = self.log_path()
        if path is None:
            missing = " or ".join(LOG_FILES)
            raise ScenarioError([Issue(str(self.path), None, "", f"incomplete result folder: {missing} is missing")])
        log = read_log(path)
        if log.empty:
            raise ScenarioError(
                [Issue(str(path), None, "", "the event log is empty (run with --event-log first or all)")]
            )
        return log

    def stage_servers(self) -> dict[str, int]:
        """Servers of every resource, keyed as in the KPIs.

        ``gate.stage``, ``gate.yard`` (slots), ``gate.stage.mode`` (hand-over modes) and
        ``gate.scanners``; lab holds have no servers.
        """
        servers: dict[str, int] = {}
        for g, gate in self.scenario["gates"].items():
            for y, yard in (gate.get("yards") or {}).items():
                servers[f"{g}.{y}"] = int(yard["slots"])
            for s, stage in gate["stages"].items():
                for mode, spec in (stage.get("modes") or {}).items():
                    servers[f"{g}.{s}.{mode}"] = int(spec["servers"])
                if stage.get("servers") is not None:
                    servers[f"{g}.{s}"] = int(stage["servers"])
            if gate.get("scanners"):
                servers[f"{g}.scanners"] = int(gate["scanners"]["count"])
        return servers
