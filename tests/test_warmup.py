"""``run.warmup_days: auto`` (issue 14, item 6): MSER-5 on a pilot's in-system series, rounded up to days.

The bounds on the truncation come from how fast the queues forget their empty start:

* M/M/1 (``scenarios/examples/mm1.yaml``, lambda = 0.085/min, 1/mu = 10 min, rho = 0.85): the
  relaxation time is ``tau = 1 / (mu (1 - sqrt(rho))^2) = 10 / (1 - 0.92195)^2 = 1,642 min =
  27.4 h`` (Morse; Cohen, *The Single Server Queue*). The bias of the number in the system
  decays like ``exp(-t / tau)``, from ``L = rho / (1 - rho) = 5.67`` at ``t = 0``: after ``6 tau``
  it is ``5.67 e^-6 = 0.014`` trucks, far below the noise of the pilot's hourly mean, so MSER has
  nothing left to delete there: ``0 <= truncation <= 6 tau = 164 h``, i.e. at most 7 days.
* Many servers (M/M/40, 1/mu = 600 min, lambda = 72/day, offered load a = 30 Erlangs, 75% per
  server; waiting is rare, so it behaves as M/M/inf): started empty, ``E N(t) = a (1 - e^(-t/S))``
  with ``S = 10 h``, and ``N(t)`` is Poisson, so the 5-replication hourly mean has a standard
  deviation of about ``sqrt(30 / 5) = 2.4``. The first 5-hour batch has mean
  ``a (1 - S (1 - e^(-5/S)) / 5) = 6.4`` trucks against 30: a bias of 10 standard deviations,
  which MSER must delete (truncation >= 5 h, so at least 1 day). The relaxation time is ``S``
  and the bias falls below one standard deviation at ``S ln(30 / 2.4) = 25 h``; ``6 S = 60 h``
  bounds the truncation above (3 days).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.analysis.fitting import mser
from simulator.cli.commands import main
from simulator.experiments.capacity import find_capacity, parse_target
from simulator.experiments.comparison import compare
from simulator.experiments.warmup import BATCH, SEARCH_FRACTION, resolve_warmup
from simulator.scenario.schema import json_schema

ROOT = Path(__file__).resolve().parents[1]
MM1 = (ROOT / "scenarios" / "examples" / "mm1.yaml").read_text(encoding="utf-8")
WARMUP_LINE = 15  # the line of warmup_days in mm1.yaml


def mm1_file(folder: Path, days: int, replications: int, warmup: str = "auto", name: str = "mm1") -> Path:
    """``mm1.yaml`` with ``warmup_days: auto`` (on its line 15), ``days`` and ``replications`` set."""
    text = MM1.replace("warmup_days: 10", f"warmup_days: {warmup}").replace("days: 200", f"days: {days}")
    text = text.replace("replications: 20", f"replications: {replications}").replace("name: mm1", f"name: {name}")
    assert text.splitlines()[WARMUP_LINE - 1].strip() == f"warmup_days: {warmup}"
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def in_system(res: simulator.Results) -> np.ndarray:
    """The hourly trucks in the system, summed over gates and averaged over replications, from the results."""
    ts = res.timeseries
    ts = ts[(ts.scope == "gate") & (ts.metric == "in_system")]
    return ts.groupby(["replication", "time_h"]).value.sum().groupby("time_h").mean().to_numpy()


def test_mm1_started_empty_within_relaxation_bounds(tmp_path: Path) -> None:
    """rho = 0.85 over 14 days: 0 <= truncation <= 6 tau = 164 h (module docstring); the choice is
    reproducible from the run's own time series (the pilot is its first replications)."""
    sc = simulator.load_scenario(mm1_file(tmp_path, 14, 5))
    res = simulator.run(sc, event_log="none")
    choice = res.warmup
    assert choice is not None and choice.pilot_replications == 5 and choice.batch == 5
    tau_h = 10.0 / (1 - math.sqrt(0.85)) ** 2 / 60.0
    assert 0 <= choice.truncation_h <= 6 * tau_h
    assert res.scenario.run.warmup_days == choice.days == math.ceil(choice.truncation_h / 24) <= 7
    assert res.summary_dict()["warmup_days"] == choice.days
    again = mser(in_system(res), BATCH, SEARCH_FRACTION)
    assert not again.at_limit and again.truncation == choice.truncation_h


def test_many_servers_started_empty_delete_the_ramp(tmp_path: Path) -> None:
    """M/M/40 at 30 Erlangs from empty: 5 h <= truncation <= 6 S = 60 h (module docstring)."""
    path = mm1_file(tmp_path, 7, 5)
    sets = [
        "gates.gate.stages.server.servers=40",
        "gates.gate.stages.server.service.mean_min=600",
        "gates.gate.flows.arrivals.trucks_per_day=72",
    ]
    resolved, choice = resolve_warmup(simulator.load_scenario(path, sets))
    assert choice is not None and 5 <= choice.truncation_h <= 60
    assert 1 <= resolved.run.warmup_days <= 3


def test_overloaded_run_is_an_error_naming_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """rho = 200/144 > 1: the backlog grows all run long, MSER deletes more than half: exit 2, one line."""
    path = mm1_file(tmp_path, 3, 2)
    out = tmp_path / "out"
    args = [str(path), "--set", "gates.gate.flows.arrivals.trucks_per_day=200", "--out", str(out), "--quiet"]
    assert main([*args, "--no-report", "--no-cache"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"error: {path}:{WARMUP_LINE}: run.warmup_days: auto: MSER-5 deletes ")
    assert "of 3 days, more than half the run: no steady state within the run" in err[0]
    assert not out.exists()


def test_validate_accepts_auto_and_a_wrong_value_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = mm1_file(tmp_path, 14, 2)
    assert main(["validate", str(path)]) == 0
    assert simulator.load_scenario(path).run.warmup_days == "auto"
    bad = mm1_file(tmp_path, 14, 2, warmup="soon", name="bad")
    capsys.readouterr()
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"error: {bad}:{WARMUP_LINE}: run.warmup_days: must be a whole number of days from 0 to 3659, or auto, "
        "got 'soon'"
    ]
    schema = json.dumps(json_schema()["$defs"]["RunSettings"]["properties"]["warmup_days"])
    assert '"auto"' in schema


def test_manifest_and_same_bytes_serial_and_two_jobs(tmp_path: Path) -> None:
    """The resolved warm-up is in the manifest; serial and --jobs 2 write the same result bytes."""
    path = mm1_file(tmp_path, 4, 3)
    folders = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        assert main([str(path), "--jobs", jobs, "--out", str(out), "--quiet", "--no-report", "--no-cache"]) == 0
        folders.append(out)
    manifests = [json.loads((f / "manifest.json").read_text(encoding="utf-8")) for f in folders]
    warmup = manifests[0]["warmup"]
    assert warmup == manifests[1]["warmup"]
    assert warmup["warmup_days"] == "auto" and warmup["method"] == "MSER-5" and warmup["pilot_replications"] == 3
    assert warmup["resolved_days"] == math.ceil(warmup["truncation_h"] / 24)
    summary = json.loads((folders[0] / "summary.json").read_text(encoding="utf-8"))
    assert summary["warmup_days"] == warmup["resolved_days"]
    for name in ("summary.json", "replications.csv", "timeseries.parquet", "trucks.parquet", "scenario.resolved.yaml"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name


def test_compare_uses_the_largest_truncation_and_capacity_resolves_once(tmp_path: Path) -> None:
    base = simulator.load_scenario(mm1_file(tmp_path, 14, 3), ["gates.gate.flows.arrivals.trucks_per_day=72"])
    busy = simulator.load_scenario(mm1_file(tmp_path, 14, 3, name="busy"))
    result = compare(base, busy)
    choices = [res.warmup for res in result.results.values()]
    assert choices[0] == choices[1] and choices[0] is not None
    assert set(choices[0].by_scenario_h) == {"mm1", "busy"}
    assert choices[0].truncation_h == max(choices[0].by_scenario_h.values())
    assert {res.scenario.run.warmup_days for res in result.results.values()} == {choices[0].days}
    found = find_capacity(base, parse_target("time_in_system_h_mean<=2"), tolerance=0.25, replications=2)
    assert found.warmup is not None and found.as_dict()["warmup"]["resolved_days"] == found.warmup.days
