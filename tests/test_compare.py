"""Paired comparison on common random numbers: the statistics, CRN, bottlenecks, files and CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats as sps

import simulator
from simulator.cli.commands import main
from simulator.experiments.comparison import BOTTLENECK_COLUMNS, COMPARISON_COLUMNS, paired_differences, unique_labels
from simulator.scenario.errors import ScenarioError

from .conftest import ROOT, SCENARIOS, SMALL

MMC = SCENARIOS / "examples" / "mmc.yaml"
TANDEM = SCENARIOS / "examples" / "tandem.yaml"
SHORT = ["run.days=30", "run.warmup_days=2", "run.replications=6"]


def _tidy(values: dict[tuple[str, str, str], list[float]]) -> pd.DataFrame:
    rows = [(r, *k, v) for k, vs in values.items() for r, v in enumerate(vs)]
    return pd.DataFrame(rows, columns=["replication", "scope", "key", "kpi", "value"])


def test_paired_differences_exact_mean_and_t_interval() -> None:
    a_kpi, b_kpi, zero_kpi = ("all", "all", "wait"), ("gate", "g", "queue"), ("all", "all", "zero")
    base = _tidy({a_kpi: [10.0, 12.0, 9.0, 11.0, 13.0], b_kpi: [1.0, 2.0, 3.0, 4.0], zero_kpi: [0.0, 0.0, 0.0]})
    alt = _tidy(
        {a_kpi: [8.0, 11.5, 7.0, 10.0, 10.5], b_kpi: [2.0, 3.5, np.nan, 4.5], ("all", "all", "only_alt"): [1.0]}
    )
    alt = alt.iloc[::-1].reset_index(drop=True)  # rows are matched on keys, not on order
    zero_alt = _tidy({zero_kpi: [1.0, 2.0, 3.0]})
    table = paired_differences(base, pd.concat([alt, zero_alt], ignore_index=True)).set_index("kpi")
    assert list(table.index) == ["wait", "queue", "zero"]  # common KPIs only, in the base's order

    d = np.array([8.0, 11.5, 7.0, 10.0, 10.5]) - np.array([10.0, 12.0, 9.0, 11.0, 13.0])
    low, high = sps.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=sps.sem(d))
    row = table.loc["wait"]
    assert row.n == 5 and row.base_mean == pytest.approx(11.0) and row.alt_mean == pytest.approx(9.4)
    assert row.diff_mean == pytest.approx(d.mean()) and row.diff_mean == pytest.approx(-1.6)
    assert (row.diff_ci_low, row.diff_ci_high) == (pytest.approx(low), pytest.approx(high))
    assert row.rel_change == pytest.approx(-1.6 / 11.0)
    assert bool(row.significant) == (high < 0)

    q = table.loc["queue"]  # replication 2 has a NaN: that pair is dropped
    dq = np.array([2.0, 3.5, 4.5]) - np.array([1.0, 2.0, 4.0])
    low, high = sps.t.interval(0.95, 2, loc=dq.mean(), scale=sps.sem(dq))
    assert q.n == 3 and q.base_mean == pytest.approx(7 / 3) and q.alt_mean == pytest.approx(10 / 3)
    assert (q.diff_ci_low, q.diff_ci_high) == (pytest.approx(low), pytest.approx(high))
    assert bool(q.significant) == (low > 0 or high < 0)

    z = table.loc["zero"]
    assert z.diff_mean == pytest.approx(2.0) and np.isnan(z.rel_change)  # base mean 0: no relative change
    assert not z.significant  # diffs 1, 2, 3: the 95% CI (-0.48, 4.48) contains 0


def test_paired_differences_nan_interval_is_not_significant() -> None:
    base = _tidy({("all", "all", "k"): [1.0, np.nan]})
    alt = _tidy({("all", "all", "k"): [5.0, 6.0]})
    row = paired_differences(base, alt).iloc[0]
    assert row.n == 1 and row.diff_mean == 4.0 and np.isnan(row.diff_ci_low) and not row.significant


def test_unique_labels() -> None:
    assert unique_labels(["a", "b"]) == ["a", "b"]
    assert unique_labels(["a", "a", "a-2", "a"]) == ["a", "a-3", "a-2", "a-4"]


def test_self_comparison_is_exactly_zero() -> None:
    sc = simulator.load_scenario(MMC, SHORT)
    comp = simulator.compare(sc, sc, replications=3)
    assert list(comp.results) == ["mmc", "mmc-2"] and comp.alternatives == ["mmc-2"]
    d = comp.differences
    assert list(d.columns) == COMPARISON_COLUMNS and len(d) > 20
    defined = d[d.n >= 2]
    assert (defined.diff_mean == 0).all() and (defined.diff_ci_low == 0).all() and (defined.diff_ci_high == 0).all()
    assert not d.significant.any()


def test_extra_server_cuts_the_wait_and_crn_narrows_the_interval() -> None:
    # At rho = 0.5 (the file's second case). At rho = 0.85 the 3-server wait varies ~10x more between
    # replications than the 4-server one, so pairing gains little and its t quantile (n-1 df, not 2n-2)
    # can make the paired interval the wider one.
    light = [*SHORT, "gates.gate.flows.arrivals.trucks_per_day=72"]
    base = simulator.load_scenario(MMC, light)
    alt = simulator.load_scenario(MMC, [*light, "gates.gate.stages.server.servers=4"])
    comp = simulator.compare(base, alt)
    assert comp.seed == base.run.seed and comp.replications == 6 and comp.days == 30
    assert {r.seed for r in comp.results.values()} == {base.run.seed}
    d = comp.differences.set_index(["scope", "key", "kpi"])
    wait = d.loc[("stage", "gate.server", "wait_min_mean")]
    assert wait.diff_mean < 0 and wait.diff_ci_high < 0 and wait.significant
    arrivals = d.loc[("all", "all", "arrived_per_day")]  # same random arrivals in both
    assert arrivals.diff_mean == 0 and arrivals.diff_ci_high == 0

    def values(label: str) -> np.ndarray:
        reps = comp.results[label].replications
        sel = reps[(reps.scope == "stage") & (reps.key == "gate.server") & (reps.kpi == "wait_min_mean")]
        return sel.sort_values("replication").value.to_numpy(dtype=float)

    b, a = values("mmc"), values("mmc-2")
    n = len(b)
    pooled_sd = np.sqrt(((n - 1) * b.var(ddof=1) + (n - 1) * a.var(ddof=1)) / (2 * n - 2))
    unpaired_half = sps.t.ppf(0.975, 2 * n - 2) * pooled_sd * np.sqrt(2 / n)
    paired_half = (wait.diff_ci_high - wait.diff_ci_low) / 2
    assert paired_half < unpaired_half


def test_busiest_stage_of_a_tandem_network(tmp_path: Path) -> None:
    short = ["run.days=20", "run.warmup_days=2", "run.replications=3"]
    slow_exit = simulator.load_scenario(TANDEM, [*short, "gates.gate.stages.exit_gate.service.mean_min=13"])
    slow_inspection = simulator.load_scenario(TANDEM, [*short, "gates.gate.stages.inspection.service.mean_min=25"])
    comp = simulator.compare(slow_exit, slow_inspection)
    assert comp.busiest_stage == {"tandem": "gate.exit_gate", "tandem-2": "gate.inspection"}
    b = comp.bottlenecks
    assert list(b.columns) == BOTTLENECK_COLUMNS and len(b) == 4
    assert b[b.busiest].set_index("scenario").stage.to_dict() == comp.busiest_stage
    top = b[b.busiest].utilisation_mean
    assert (top > 0.9).all() and (b[~b.busiest].utilisation_mean < 0.8).all()


def test_kpis_of_one_scenario_only_are_reported_not_compared() -> None:
    short = ["run.days=5", "run.warmup_days=1", "run.replications=2"]
    comp = simulator.compare(simulator.load_scenario(MMC, short), simulator.load_scenario(TANDEM, short))
    only = comp.only_in["tandem"]
    assert "stage:gate.server:utilisation" in only["base"]
    assert "stage:gate.inspection:utilisation" in only["alternative"]
    assert "stage" not in set(comp.differences.scope) and "all" in set(comp.differences.scope)
    assert comp.as_dict()["kpis_only_in"] == comp.only_in


def _alt_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "mmc_four.yaml"
    path.write_text(
        f"extends: {MMC.as_posix()}\nname: mmc_four\ngates:\n  gate:\n    stages:\n      server:\n        servers: 4\n",
        encoding="utf-8",
    )
    return path


def test_cli_writes_the_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    args = ["compare", str(MMC), str(_alt_yaml(tmp_path)), "--days", "10", "--replications", "3"]
    args += ["--set", "run.warmup_days=1"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "mmc_four vs mmc" in printed and "bottleneck of mmc: gate.server" in printed
    doc = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert doc["base"] == "mmc" and doc["alternatives"] == ["mmc_four"]
    assert (doc["seed"], doc["replications"], doc["days"]) == (20240102, 3, 10)
    assert doc["busiest_stage"]["mmc_four"]["stage"] == "gate.server"
    assert doc["kpis_only_in"] == {"mmc_four": {"base": [], "alternative": []}}
    assert {r["kpi"] for r in doc["differences"]} >= {"time_in_system_h_mean", "wait_min_mean"}
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == COMPARISON_COLUMNS and set(table.alternative) == {"mmc_four"}
    assert list(pd.read_csv(out / "bottlenecks.csv").columns) == BOTTLENECK_COLUMNS
    for label in ("mmc", "mmc_four"):
        summary = json.loads((out / label / "summary.json").read_text(encoding="utf-8"))
        assert summary["seed"] == 20240102 and summary["days"] == 10 and summary["replications"] == 3
        assert (out / label / "manifest.json").is_file() and (out / label / "scenario.resolved.yaml").is_file()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"comparison.json", "comparison.csv", "bottlenecks.csv"}
    assert not list(out.rglob(".*.tmp"))

    monkeypatch.chdir(tmp_path)  # default folder results/compare/<UTC time>/, replications from the cache
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    (folder,) = (tmp_path / "results" / "compare").iterdir()
    assert (folder / "comparison.csv").read_bytes() == (out / "comparison.csv").read_bytes()


def test_incompatible_gates_are_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(SMALL)
    data["name"], data["gates"]["tan_thanh"] = "two_gates", data["gates"]["huu_nghi"]
    base = tmp_path / "two_gates.yaml"
    base.write_text(yaml.safe_dump(data), encoding="utf-8")
    alt = tmp_path / "small.yaml"
    alt.write_text(SMALL, encoding="utf-8")
    with pytest.raises(ScenarioError, match="missing tan_thanh"):
        simulator.compare(base, alt)
    proc = subprocess.run(
        [sys.executable, "run_scenario.py", "compare", str(base), str(alt), "--out", str(tmp_path / "o")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "gates: alternative 'small' has gates {huu_nghi}; base 'two_gates'" in proc.stderr
    assert "{huu_nghi, tan_thanh}: missing tan_thanh" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "o").exists()


def test_bad_cli_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(MMC), str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml: file not found" in capsys.readouterr().err
    assert main(["compare", str(MMC)]) == 2
    assert "at least one alternative" in capsys.readouterr().err
