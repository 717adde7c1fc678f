"""Value in money: the economics block, the money KPIs against a hand computation, the report and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import simulator
from simulator.cli.commands import main
from simulator.experiments.comparison import compare
from simulator.report.i18n import t
from simulator.report.inputs import load_inputs
from simulator.report.money import money_rows, money_section
from simulator.scenario.economics import Economics

from .conftest import SMALL

MONEY = ("waiting_cost_vnd_per_year", "perishable_loss_vnd_per_year", "fees_vnd_per_year")
UNITS = {
    "waiting_cost_vnd_per_truck_day": 500_000,
    "reefer_fuel_vnd_per_truck_day": 250_000,
    "perishable_loss_vnd_per_truck_day": 9_000_000,
    "days_per_year": 360,
}
FEES = {"infrastructure": {"fruit": {"truck": 1_000_000}, "general": {"truck": 1_500_000, "container_40ft": 2e6}}}


def _data(**changes: Any) -> dict[str, Any]:
    """SMALL over 4 days (1 warm-up), with fees, a 3 h perishable threshold and the unit values above."""
    data = yaml.safe_load(SMALL)
    data["run"].update(days=4, replications=3)
    data.update(fees=FEES, reporting={"perishable_threshold_h": 3}, economics=dict(UNITS))
    data.update(changes)
    return data


def _overlap_days(start: pd.Series, end: pd.Series, t0: float, t1: float) -> pd.Series:
    return (np.minimum(end, t1) - np.maximum(start, t0)).clip(lower=0) / 1440


def _by_hand(res: simulator.Results, rep: int) -> dict[str, float]:
    """The three money KPIs of replication ``rep`` (whole system) from its event log, by pandas."""
    sc = res.scenario
    t0, t1 = sc.run.warmup_days * 1440.0, sc.run.days * 1440.0
    log = res.trucks[res.trucks.replication == rep]
    trucks = log.drop_duplicates("truck").set_index("truck").sort_index()
    out = res.outputs[rep]
    assert len(trucks) == len(out.t_arrive)  # every truck is in the log, unfinished ones too
    assert trucks.t_exit_min.isna().sum() > 0  # some trucks are still waiting at the end: they count
    leave = trucks.t_exit_min.fillna(t1)
    inside = _overlap_days(trucks.t_arrive_min, leave, t0, t1)
    perishable = trucks.cargo_class.map({c: k.perishable for c, k in sc.cargo_classes.items()})
    threshold = sc.reporting.perishable_threshold_h * 60
    late = _overlap_days(trucks.t_arrive_min + threshold, leave, t0, t1)[perishable]
    assert (late > 0).sum() > 10  # the threshold is passed by enough trucks to matter
    paid = (trucks.t_exit_min >= t0) & (trucks.t_exit_min < t1)
    fees = (out.truck_fee_infrastructure + out.truck_fee_transloading)[trucks.index.to_numpy()][paid.to_numpy()]
    per_year = UNITS["days_per_year"] / (t1 - t0) * 1440
    waiting = inside.sum() * UNITS["waiting_cost_vnd_per_truck_day"]
    waiting += inside[perishable].sum() * UNITS["reefer_fuel_vnd_per_truck_day"]
    return {
        "waiting_cost_vnd_per_year": waiting * per_year,
        "perishable_loss_vnd_per_year": late.sum() * UNITS["perishable_loss_vnd_per_truck_day"] * per_year,
        "fees_vnd_per_year": fees.sum() * per_year,
        "in_system_days": inside.sum(),
    }


@pytest.fixture(scope="module")
def logged() -> simulator.Results:
    return simulator.run(simulator.load_scenario(_data()), event_log="all")


def test_money_kpis_equal_a_hand_computation_on_the_event_log(logged: simulator.Results) -> None:
    reps = logged.replications
    whole = reps[reps.scope == "all"].set_index(["replication", "kpi"]).value
    measured = logged.scenario.run.days - logged.scenario.run.warmup_days
    for rep in range(3):
        hand = _by_hand(logged, rep)
        for key in MONEY:
            assert whole[rep, key] == pytest.approx(hand[key], rel=1e-9), (rep, key)
            assert hand[key] > 0
        # truck-days in the system are the area under the level of trucks in the system
        assert whole[rep, "in_system_mean"] * measured == pytest.approx(hand["in_system_days"], rel=1e-9)
        fees = whole[rep, "fees_vnd_total"] / measured * UNITS["days_per_year"]
        assert whole[rep, "fees_vnd_per_year"] == pytest.approx(fees, rel=1e-12)


def test_group_figures_add_up_to_the_whole_system(logged: simulator.Results) -> None:
    reps = logged.replications
    for key in MONEY:
        rows = reps[reps.kpi == key]
        whole = rows[rows.scope == "all"].set_index("replication").value
        by_class = rows[rows.scope == "class"].groupby("replication").value.sum()
        pd.testing.assert_series_equal(by_class, whole, check_names=False, rtol=1e-12)
    loss = reps[(reps.kpi == "perishable_loss_vnd_per_year") & (reps.scope == "class") & (reps.key == "general")]
    assert (loss.value == 0).all()  # only perishable classes lose value


def test_defaults_when_the_block_is_absent_or_partial() -> None:
    data = _data()
    del data["economics"]
    eco = simulator.load_scenario(data).economics
    assert eco == Economics()
    assert (eco.waiting_cost_vnd_per_truck_day, eco.reefer_fuel_vnd_per_truck_day) == (600_000, 300_000)
    assert (eco.perishable_loss_vnd_per_truck_day, eco.days_per_year) == (18_000_000, 365)
    partial = simulator.load_scenario(_data(economics={"days_per_year": 366})).economics
    assert partial.days_per_year == 366 and partial.waiting_cost_vnd_per_truck_day == 600_000
    shipped = simulator.load_scenario(Path(__file__).parents[1] / "scenarios" / "smart_gate_2027.yaml")
    assert shipped.economics == Economics()  # inherited through extends from lang_son_2024.yaml


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("  waiting_cost_vnd_per_truck_day: -5", "economics.waiting_cost_vnd_per_truck_day: must be a number >= 0"),
        ("  waiting_cost_per_day: 5", "economics.waiting_cost_per_day: unknown key"),
        ("  days_per_year: 400", "economics.days_per_year: must be a number <= 366"),
    ],
)
def test_bad_economics_names_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL + "economics:\n" + line + "\n", encoding="utf-8")
    line_no = len(SMALL.splitlines()) + 2
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}:{line_no}: {expected}"), err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_paired_money_difference_is_the_mean_of_per_replication_differences(tmp_path: Path) -> None:
    base = simulator.load_scenario(_data())
    fast = _data(name="small_fast")
    fast["gates"]["huu_nghi"]["stages"]["customs"]["servers"] = 4
    result = compare(base, simulator.load_scenario(fast))
    diff = result.differences
    a, b = (result.results[k].replications for k in ("small", "small_fast"))
    for key in MONEY:
        row = diff[(diff.scope == "all") & (diff.kpi == key)].iloc[0]
        pick = [(r[(r.scope == "all") & (r.kpi == key)].set_index("replication").value) for r in (a, b)]
        per_rep = (pick[1] - pick[0]).to_numpy()
        assert row.n == 3 and row.diff_mean == pytest.approx(per_rep.mean(), rel=1e-9)
        assert row.diff_ci_low <= row.diff_mean <= row.diff_ci_high
    waiting = diff[(diff.scope == "all") & (diff.kpi == "waiting_cost_vnd_per_year")].iloc[0]
    assert waiting.significant and waiting.diff_mean < 0  # a fourth customs officer cuts the waiting

    folder = result.to_dir(tmp_path / "cmp")
    inp = load_inputs([folder])
    rows = money_rows(inp, "en")
    assert [(r.scope, r.kpi) for r in rows] == [("all", k) for k in MONEY]  # one gate: no gate rows
    first = rows[0]
    assert first.values[0] is not None and first.values[0].mean == pytest.approx(waiting.base_mean, rel=1e-9)
    ((_, _, d),) = first.differences
    assert d is not None and d.mean == pytest.approx(waiting.diff_mean, rel=1e-9) and d.significant
    for lang in ("en", "vi"):
        html = money_section(inp, lang)
        assert t("msg.money_caveat", lang) in html and t("h.money", lang) in html
        assert t("unit.billion_vnd_year", lang) in html  # the fees and losses run to billions a year
    assert "Giá trị bằng tiền" in money_section(inp, "vi") and "Value in money" not in money_section(inp, "vi")


def test_run_prints_the_money_view(small_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(small_yaml), "--replications", "2", "--out", str(tmp_path / "r"), "--no-report", "--no-cache"]
    assert main(args) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "small: value in money (billion VND/year), mean and 95% CI" in out or "million VND/year" in out
    for short in ("waiting cost per year", "perishable loss per year", "fees per year"):
        assert short in out
    assert "not a cost-benefit analysis" in out
