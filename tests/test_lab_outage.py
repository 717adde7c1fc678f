"""Dated lab-hold rules (``calendar.disruptions`` with ``lab_hold``): an SPS testing outage with an end.

The case is worked by hand: one quarantine stage with far more officers than trucks (no truck
ever queues, so trucks do not interact), a constant 1-minute inspection and Poisson arrivals. A
truck whose inspection ends inside the outage is held for lab results under the outage's rule;
every other truck is untouched, to the bit, by the outage's existence.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import simulator
from simulator.analysis.kpis import reduce_output
from simulator.engine.model import simulate
from simulator.engine.output import RunOutput

LO, HI = 1440 + 8 * 60, 1440 + 18 * 60  # 2024-01-02 08:00 to 18:00, in model minutes
OUTAGE = {"name": "lab outage", "gate": "gate", "stages": ["quarantine"], "start": "2024-01-02T08:00"}


def _text(days: int = 2, own: dict[str, Any] | None = None, **calendar: Any) -> dict[str, Any]:
    stage: dict[str, Any] = {"servers": 10_000, "service": {"dist": "deterministic", "value_min": 1.0}}
    if own is not None:
        stage["lab_hold"] = own
    return {
        "name": "lab",
        "run": {"start_date": "2024-01-01", "days": days, "warmup_days": 0, "seed": 3},
        "cargo_classes": {"fruit": {"perishable": True}, "general": {}},
        "calendar": calendar,
        "gates": {
            "gate": {
                "stages": {"quarantine": stage},
                "flows": {
                    "arrivals": {
                        "direction": "export",
                        "trucks_per_day": 960,
                        "class_mix": {"fruit": 0.5, "general": 0.5},
                        "route": ["quarantine"],
                    }
                },
            }
        },
    }


def _run(text: dict[str, Any]) -> RunOutput:
    return simulate(simulator.load_scenario(text), 0)


def _stay(out: RunOutput) -> np.ndarray:
    return np.asarray(out.t_exit) - np.asarray(out.t_arrive)


def test_trucks_leaving_the_stage_inside_the_outage_are_held_by_its_rule() -> None:
    """Held with probability 1 for a constant 600 min: stay = 601 min exactly when the inspection ends
    in [08:00, 18:00), 1 min otherwise; a truck held at 17:59 still waits its 600 min after the end."""
    hold = {"probability": 1.0, "time": {"dist": "deterministic", "value_min": 600.0}}
    out = _run(_text(days=3, disruptions=[{**OUTAGE, "end": "2024-01-02T18:00", "lab_hold": hold}]))
    arrive, stay = np.asarray(out.t_arrive), _stay(out)
    done = ~np.isnan(stay)
    inside = (arrive + 1.0 >= LO) & (arrive + 1.0 < HI)
    assert inside.sum() > 300 and (~inside & done).sum() > 1000  # ~400 trucks inside, the rest outside
    assert np.allclose(stay[inside], 601.0) and np.allclose(stay[~inside & done], 1.0)
    assert out.events == (("lab outage", 0, float(LO), float(HI)),)  # judged by the recovery KPIs


def test_outside_the_outage_every_truck_keeps_its_own_draws_to_the_bit() -> None:
    """With the stage's own rule (20% held, exponential 4 h), adding an outage rule (fruit: 80% for
    1-3 days) changes nothing for trucks whose inspection ends outside it; inside, fruit trucks are
    held at the outage's rate (binomial 99.9% interval) and general ones at the stage's own 20%."""
    own = {"probability": 0.2, "time": {"dist": "exponential", "mean_min": 240}}
    outage_hold = {
        "probability": 0.2,
        "probability_by_class": {"fruit": 0.8},
        "time": {"dist": "triangular", "low_min": 1440, "mode_min": 2880, "high_min": 4320},
    }
    plain = _run(_text(days=3, own=own))
    hit = _run(_text(days=3, own=own, disruptions=[{**OUTAGE, "end": "2024-01-02T18:00", "lab_hold": outage_hold}]))
    assert np.array_equal(plain.t_arrive, hit.t_arrive)
    arrive = np.asarray(hit.t_arrive)
    inside = (arrive + 1.0 >= LO) & (arrive + 1.0 < HI)
    a, b = np.asarray(plain.t_exit)[~inside], np.asarray(hit.t_exit)[~inside]
    assert np.array_equal(np.isnan(a), np.isnan(b)) and np.array_equal(a[~np.isnan(a)], b[~np.isnan(b)])
    stay = _stay(hit)
    fruit = np.asarray(hit.truck_class) == hit.class_names.index("fruit")
    for mask, p in ((inside & fruit, 0.8), (inside & ~fruit, 0.2)):
        held = stay[mask] > 1.0 + 1e-9  # NaN (still held at the horizon) counts as held
        held = held | np.isnan(stay[mask])
        n, k = int(mask.sum()), int(held.sum())
        half = 3.29 * math.sqrt(p * (1 - p) / n)
        assert abs(k / n - p) <= half, (p, k, n)
    assert np.nanmin(stay[inside & fruit & (stay > 2.0)]) >= 1440.0  # outage holds last 1-3 days


def test_an_outage_at_a_stage_without_a_lab_rule_of_its_own_is_recovered_from() -> None:
    """No lab rule outside the outage; inside, every truck waits 600 min. The backlog built up by
    18:00 has drained 600 min later, so the gate is back within tolerance well before the end."""
    hold = {"probability": 1.0, "time": {"dist": "deterministic", "value_min": 600.0}}
    out = _run(_text(days=3, disruptions=[{**OUTAGE, "end": "2024-01-02T18:00", "lab_hold": hold}]))
    k = reduce_output(out).kpis
    row = k[k.scope == "all"].set_index("kpi").value
    assert row["unrecovered_events"] == 0
    assert 9.0 <= row["recovery_h_max"] <= 11.0  # the last held truck leaves at 18:00 + 10 h
    assert "gate.quarantine.lab" in out.stage_names


@pytest.mark.parametrize("own", [None, {"probability": 0.1, "time": {"dist": "exponential", "mean_min": 60}}])
def test_a_closure_of_the_stage_makes_no_lab_step(own: dict[str, Any] | None) -> None:
    """Only a ``lab_hold`` disruption adds a lab step to a stage without a lab rule of its own."""
    shut = {"name": "shut", "gate": "gate", "side": "home", "stages": ["quarantine"], "closed": True}
    out = _run(_text(own=own, disruptions=[{**shut, "start": "2024-01-02T08:00", "end": "2024-01-02T10:00"}]))
    assert ("gate.quarantine.lab" in out.stage_names) == (own is not None)
    assert out.events == (("shut", 0, float(LO), float(LO + 120)),)


def test_the_outage_is_shaded_and_named_on_the_backlog_chart() -> None:
    """A lab-hold disruption is a span at its stages whatever ``side`` says (the default is partner),
    and its legend says what it changes, in both languages."""
    from simulator.report.plots_backlog import _span_label
    from simulator.scenario.spans import calendar_spans

    hold = {"probability": 1.0, "time": {"dist": "deterministic", "value_min": 600.0}}
    scenario = _text(disruptions=[{**OUTAGE, "end": "2024-01-02T18:00", "lab_hold": hold}])
    (span,) = calendar_spans(scenario, "gate")
    assert (span.kind, span.lab_hold, span.start_h, span.end_h) == ("disruption", True, LO / 60, HI / 60)
    assert _span_label(span, "en") == "disruption: lab outage, lab holds changed"
    assert "xét nghiệm" in _span_label(span, "vi")
