"""Uncertainty in the assumptions (issue 14, items 1-4): ranges, propagation, Sobol and SRRC, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simulator.analysis.uncertainty import decompose, sobol, srrc, srrc_min_samples
from simulator.experiments.replication import run
from simulator.experiments.uncertainty import make_design, prepare_study, run_study
from simulator.experiments.uncertainty_tables import parse_claim, write_study
from simulator.levers.load import load_scenario
from simulator.scenario.errors import ScenarioError
from simulator.scenario.uncertainty import UniformInput
from tests.conftest import SCENARIOS, SMALL


def _write(folder: Path, name: str, data: dict) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _small(entries: list[dict], **changes: object) -> dict:
    data = yaml.safe_load(SMALL)
    data["uncertainty"] = entries
    data.update(changes)
    return data


def _entry(path: str, **spec: object) -> dict:
    return {"path": path, "tag": "A", "why": "test range", **spec}


def test_mm1_mean_wait_over_uniform_service_time_matches_closed_form(tmp_path: Path) -> None:
    """M/M/1 with the mean service time s uniform on [a, b]: E[Wq] = 1/(b-a) ∫ λ s² / (1 - λ s) ds.

    An antiderivative of λ s² / (1 - λ s) is -s²/2 - s/λ - ln(1 - λ s)/λ². The propagated
    mean over 24 Latin-hypercube samples (2 replications of 40 days each) must cover it with
    its 95% CI.
    """
    data = yaml.safe_load((SCENARIOS / "examples" / "mm1.yaml").read_text(encoding="utf-8"))
    data["run"].update(days=40, warmup_days=3, replications=2)
    a, b = 5.0, 8.0
    data["uncertainty"] = [_entry("gates.gate.stages.server.service.mean_min", dist="uniform", low=a, high=b)]
    study = prepare_study("run", [_write(tmp_path, "mm1u", data)], 24)
    kpis = run_study(study)
    lam = 122.4 / 1440.0

    def antiderivative(s: float) -> float:
        return -(s**2) / 2 - s / lam - math.log(1 - lam * s) / lam**2

    exact = (antiderivative(b) - antiderivative(a)) / (b - a)
    sel = kpis[(kpis.scope == "stage") & (kpis.kpi == "wait_min_mean")]
    spread = decompose(sel.pivot(index="sample", columns="replication", values="value").to_numpy())
    assert spread.mean_ci_low <= exact <= spread.mean_ci_high, (exact, spread)
    assert spread.input_share > 0.5  # the service time, not the replications, drives the spread


def _ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_the_ishigami_function() -> None:
    """Ishigami (a = 7, b = 0.1) on [-π, π]³: S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437 (Saltelli 2008)."""
    entries = [UniformInput(path=f"x{i}", dist="uniform", low=-math.pi, high=math.pi, tag="A", why="t") for i in "123"]
    design = make_design([e.path for e in entries], 1024, seed=3, method="sobol")
    x = np.array([[e.ppf(u) for e, u in zip(entries, row)] for row in design.unit])
    res = sobol(design.problem(), _ishigami(x), seed=3)
    for method, exact in (("sobol_s1", (0.3139, 0.4424, 0.0)), ("sobol_st", (0.5576, 0.4424, 0.2437))):
        lo, hi = res[method]["ci_low"], res[method]["ci_high"]
        slack = 0.02  # the bootstrap CI of an estimate, not of the exact value: allow a little beyond it
        assert np.all(lo - slack <= exact) and np.all(np.asarray(exact) <= hi + slack), (method, lo, hi)


def test_srrc_finds_the_input_that_matters() -> None:
    rng = np.random.default_rng(5)
    x = rng.random((64, 3))
    res = srrc(x, 3 * x[:, 0] + 0.5 * x[:, 1] + 0.05 * rng.random(64))
    assert res["ci_low"][0] > 0.8 and res["share"][0] > 0.7
    assert res["ci_low"][2] < 0 < res["ci_high"][2]


def test_srrc_needs_two_samples_more_than_inputs() -> None:
    """A regression on d inputs from fewer than 2 d + 2 samples gives no index (d + 1 fit every point)."""
    rng = np.random.default_rng(9)
    x = rng.random((40, 5))
    y = x[:, 0] + 0.1 * rng.random(40)
    assert srrc_min_samples(5) == 12
    assert np.isnan(srrc(x[:6], y[:6])["share"]).all()  # 6 samples, 5 inputs: an exact fit, nothing to say
    assert np.isnan(srrc(x[:11], y[:11])["share"]).all()
    assert np.isfinite(srrc(x[:12], y[:12])["share"]).all()
    y[:29] = np.nan  # 11 left: samples without a value (a capacity not found) do not count
    assert np.isnan(srrc(x, y)["share"]).all()


def test_zero_width_ranges_reproduce_a_plain_run(tmp_path: Path) -> None:
    entries = [_entry("gates.huu_nghi.stages.customs.servers", dist="integer_uniform", low=3, high=3),
               _entry("gates.*.stages.*.service.*_min", dist="uniform", low=1.0, high=1.0, relative=True)]  # fmt: skip
    path = _write(tmp_path, "small", _small(entries))
    kpis = run_study(prepare_study("run", [path], 3))
    plain = run(load_scenario(path), event_log="none").replications
    for sample in range(3):
        got = kpis[kpis["sample"] == sample].drop(columns=["sample", "scenario"]).reset_index(drop=True)
        assert got.to_csv(index=False) == plain.to_csv(index=False)


def test_compare_shares_inputs_and_writes_the_folder(tmp_path: Path) -> None:
    share = _entry("gates.huu_nghi.stages.customs.service.mean_min", dist="uniform", low=0.8, high=1.2, relative=True)
    base = _write(tmp_path, "small", _small([share]))
    fast = _small([share], name="small_fast")
    fast["gates"]["huu_nghi"]["stages"]["customs"]["servers"] = 4
    study = prepare_study("compare", [base, _write(tmp_path, "small_fast", fast)], 6)
    kpis = run_study(study)
    claims = [parse_claim("time_in_system_h_mean_change<=0", "compare")]
    out = tmp_path / "out"
    out.mkdir()
    write_study(out, study, kpis, claims)
    samples = pd.read_csv(out / "samples.csv")
    per_sample = samples.pivot(index="sample", columns="scenario", values="u")
    assert (per_sample["small"] == per_sample["small_fast"]).all()  # the same assumption in both
    robust = pd.read_csv(out / "robustness.csv")
    assert robust.n_samples.iloc[0] == 6 and 0 <= robust.probability.iloc[0] <= 1
    summary = pd.read_csv(out / "uncertainty_summary.csv")
    assert {"value", "difference"} <= set(summary.what)


def test_design_is_reproducible_and_stratified() -> None:
    one, two = make_design(["a", "b"], 16, 7), make_design(["a", "b"], 16, 7)
    assert one.unit.tobytes() == two.unit.tobytes()
    assert sorted(np.floor(one.unit[:, 0] * 16).astype(int)) == list(range(16))  # one point per stratum


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (_entry("gates.huu_nghi.stages.nowhere.servers", dist="integer_uniform", low=1, high=2), "no 'nowhere'"),
        (_entry("gates.huu_nghi.stages.customs.servers", dist="integer_uniform", low=-2, high=3), "outside its domain"),
        (_entry("gates.huu_nghi.stages.customs.servers", dist="uniform", low=2.0, high=4.0), "whole numbers"),
        (_entry("gates.huu_nghi.stages.customs.servers", dist="uniform", low=4.0, high=2.0), "must be >= low"),
        (_entry("gates.huu_nghi.stages.customs", dist="uniform", low=1.0, high=2.0), "not a number"),
    ],
)
def test_bad_ranges_name_the_entry(tmp_path: Path, entry: dict, expected: str) -> None:
    path = _write(tmp_path, "small", _small([entry]))
    with pytest.raises(ScenarioError) as err:
        prepare_study("run", [path], 4)
    text = str(err.value)
    assert expected in text and "small.yaml" in text and "uncertainty.0" in text, text


def test_bad_claims_and_no_ranges(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="--claim.*unknown KPI 'speed'"):
        parse_claim("gate:huu_nghi:speed>=2", "capacity")
    assert parse_claim("gate:huu_nghi:capacity_ratio>=2", "capacity").form == "ratio"
    path = _write(tmp_path, "small", yaml.safe_load(SMALL))
    with pytest.raises(ScenarioError, match="no scenario has an uncertainty"):
        prepare_study("run", [path], 4)
    with pytest.raises(ValueError, match="1 to"):
        make_design(["a"], 0, 1)
