"""The overload check compares like with like: whole calendar periods, or it says it cannot decide.

A gate closed every weekend builds a backlog on Saturday and Sunday and clears it in the week, so
its daily number in the system rises and falls with the weekday however long the run. Compared
over whole weeks, a stable gate shows no growth; compared over a window that ends on a weekend
(the 7-day ``lang_son_2025`` run of the issue), a slope of daily values would call it overloaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.analysis.reduction_tables import growth_per_day
from simulator.analysis.stats import min_window_days

from .conftest import SCENARIOS

WEEKEND = """\
name: weekend
run: {{start_date: 2024-01-01, days: {days}, warmup_days: 3, replications: 5, seed: 17}}
cargo_classes: {{general: {{}}}}
calendar:
  closures:
    - {{name: weekend, weekdays: [sat, sun]}}
gates:
  gate:
    stages: {{server: {{servers: 2, service: {{dist: exponential, mean_min: 10}}}}}}
    flows: {{arrivals: {{direction: export, trucks_per_day: {tpd}, class_mix: {{general: 1.0}}, route: [server]}}}}
"""


def _weekend(tmp_path: Path, days: int, tpd: float) -> simulator.Scenario:
    path = tmp_path / "weekend.yaml"
    path.write_text(WEEKEND.format(days=days, tpd=tpd), encoding="utf-8")
    return simulator.load_scenario(path)


def test_growth_compares_whole_periods() -> None:
    week = np.array([10.0, 8, 6, 5, 4, 30, 60])  # a backlog that builds over a weekend closure
    t = np.arange(28, dtype=float)
    daily = np.tile(week, 4) + 0.5 * t  # plus a true growth of 0.5 trucks a day
    assert growth_per_day(daily[:, None], 7)[0] == pytest.approx(0.5, abs=1e-9)
    assert growth_per_day(np.tile(week, 4)[:, None], 7)[0] == pytest.approx(0.0, abs=1e-9)
    # The plain daily slope is fooled by where the weekend falls; a partial last week is left out.
    assert np.polyfit(np.arange(14.0), np.tile(week, 2), 1)[0] > 0.5
    assert growth_per_day(np.tile(week, 2)[:19, None], 7)[0] == pytest.approx(0.0, abs=1e-9)
    assert np.isnan(growth_per_day(np.tile(week, 2)[:13, None], 7)[0])
    assert min_window_days(7) == 14 and min_window_days(1) == 3


def test_a_weekly_closure_is_not_overload(tmp_path: Path) -> None:
    sc = _weekend(tmp_path, 3 + 28, 150)  # rho = 150 / 288 on open days; 5/7 of the week open
    assert sc.period_days() == 7
    res = simulator.run(sc, event_log="none")
    row = res.stability.set_index("scope").loc["all"]
    assert row.status == "stable", row
    assert row.growth_ci_low <= 0 <= row.growth_ci_high


def test_a_weekly_closure_over_a_short_window_is_inconclusive(tmp_path: Path) -> None:
    res = simulator.run(_weekend(tmp_path, 3 + 10, 150), event_log="none")
    row = res.stability.set_index("scope").loc["all"]
    assert (row.status, row.reason_code) == ("inconclusive", "short_window")
    assert row.reason == "the measured window (10 days) is shorter than 2 whole periods of the calendar (14 days)"
    entry = res.summary_dict()["stability"]["all"]
    assert entry["status"] == "inconclusive" and entry["unstable"] is False


def test_an_overloaded_gate_with_weekly_closures_is_still_flagged(tmp_path: Path) -> None:
    # 400 trucks/day against 288/day on open days only: the backlog grows ~194 a day on average.
    res = simulator.run(_weekend(tmp_path, 3 + 21, 400), event_log="none")
    row = res.stability.set_index("scope").loc["all"]
    assert row.status == "unstable" and row.growth_ci_low > 100


def test_the_issue_case_coc_nam_over_seven_days(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # lang_son_2025 over 7 days (4 measured): Coc Nam's weekend closure sits at the end of the window.
    from simulator.cli.commands import main

    out = tmp_path / "run"
    args = [str(SCENARIOS / "lang_son_2025.yaml"), "--days", "7", "--replications", "2", "--no-report"]
    assert main([*args, "--out", str(out), "--no-cache"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "UNSTABLE" not in text
    assert "overload check inconclusive for the whole system, huu_nghi, tan_thanh, chi_ma, coc_nam" in text
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert doc["calendar_period_days"] == 7
    coc_nam = doc["stability"]["by_gate"]["coc_nam"]
    assert coc_nam["status"] == "inconclusive" and coc_nam["reason_code"] == "short_window"


def test_a_dated_closure_late_in_the_window_is_named(tmp_path: Path) -> None:
    # A four-day closure in the last week: the backlog it leaves is not overload.
    text = WEEKEND.format(days=3 + 21, tpd=150).replace(
        "    - {name: weekend, weekdays: [sat, sun]}", "    - {name: Tet, start: 2024-01-19, end: 2024-01-22}"
    )
    path = tmp_path / "tet.yaml"
    path.write_text(text, encoding="utf-8")
    sc = simulator.load_scenario(path)
    assert sc.period_days() == 1
    row = simulator.run(sc, event_log="none").stability.set_index("scope").loc["all"]
    assert (row.status, row.reason_code) == ("inconclusive", "late_event"), row
    assert row.reason == "closure 'Tet' (2024-01-19 to 2024-01-22) falls in the later half of the measured window"
