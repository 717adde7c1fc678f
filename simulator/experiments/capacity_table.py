"""The capacity table: gate by gate and for the province, every scenario beside the baseline.

One row per scenario and unit (a gate, the province, or the flow searched), with today's
demand, the capacity and its 95% CI, the ratio to today's demand and its CI, the binding stage
(the busiest stage of the scaled gate at the capacity), and for every scenario after the
first (the baseline) the ratio of its capacity to the baseline's with a 95% CI.

**The province's capacity.** With ``--scale each`` it is the sum of the gates' capacities
only when the gates are independent (no gate diverts trucks to another): replication *r*'s
province capacity is the sum of its gates' capacities, and the CI is the t-interval of those
sums. When gates are coupled, or a gate's capacity was not found, the province row says so and
holds no number; ``--scale all`` (every gate scaled together) then answers it.

**The ratio proposal/baseline** pairs replication *r* of the proposal with replication *r* of
the baseline (common random numbers). It is the ratio of the mean capacities,
:math:`R = \\bar x / \\bar y`, with the delta-method standard error
:math:`s(x - R y) / (\\sqrt{n}\\,\\bar y)` and a Student-t interval on n - 1 degrees of freedom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.stats import t_interval
from simulator.experiments.capacity import CapacityResult
from simulator.experiments.capacity_each import SCALE_EACH, coupled_gates
from simulator.scenario.models import Scenario

__all__ = ["CAPACITY_COLUMNS", "PROVINCE", "capacity_rows", "capacity_table", "paired_ratio"]

PROVINCE = "province"
NAN = float("nan")
CAPACITY_COLUMNS = (
    "scenario",
    "unit",
    "method",
    "demand_per_day",
    "capacity_per_day",
    "capacity_ci_low",
    "capacity_ci_high",
    "ratio_to_demand",
    "ratio_to_demand_ci_low",
    "ratio_to_demand_ci_high",
    "binding_stage",
    "binding_utilisation",
    "found",
    "met_at_base",
    "baseline",
    "vs_baseline",
    "vs_baseline_ci_low",
    "vs_baseline_ci_high",
    "note",
)


def paired_ratio(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """``mean(x) / mean(y)`` of paired replications with its delta-method Student-t interval.

    >>> r, lo, hi = paired_ratio(np.array([2.0, 4.2, 6.1]), np.array([1.0, 2.0, 3.0]))
    >>> round(r, 3), lo < r < hi
    (2.05, True)
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) != len(y) or len(x) == 0 or not np.all(np.isfinite(x)) or not np.all(np.isfinite(y)):
        return NAN, NAN, NAN
    ratio = float(x.mean() / y.mean())
    if len(x) < 2:
        return ratio, NAN, NAN
    from scipy import stats as sps

    se = float(np.std(x - ratio * y, ddof=1) / (math.sqrt(len(x)) * y.mean()))
    half = float(sps.t.ppf(0.5 + level / 2, len(x) - 1)) * se
    return ratio, ratio - half, ratio + half


def _method(scale: str) -> str:
    if scale == SCALE_EACH:
        return "gate"
    return "all gates scaled together" if scale == "all" else ("flow" if "." in scale else "gate")


def _unit_row(scenario: str, r: CapacityResult, method: str) -> dict[str, Any]:
    ratio = (r.multiplier, *r.multiplier_ci)
    return {
        "scenario": scenario,
        "unit": PROVINCE if r.scale == "all" else r.scale,
        "method": method,
        "demand_per_day": r.base_demand_per_day,
        "capacity_per_day": r.capacity_per_day,
        "capacity_ci_low": r.capacity_ci[0],
        "capacity_ci_high": r.capacity_ci[1],
        "ratio_to_demand": ratio[0],
        "ratio_to_demand_ci_low": ratio[1],
        "ratio_to_demand_ci_high": ratio[2],
        "binding_stage": r.bottleneck,
        "binding_utilisation": r.bottleneck_utilisation,
        "found": r.found,
        "met_at_base": r.met_at_base,
        "note": "" if r.found else r.message,
        "_reps": r.base_demand_per_day * np.asarray(r.per_replication, dtype=float),
    }


def _province_row(sc: Scenario, results: Sequence[CapacityResult]) -> dict[str, Any]:
    demand = float(sum(r.base_demand_per_day for r in results))
    row: dict[str, Any] = {"scenario": sc.name, "unit": PROVINCE, "demand_per_day": demand, "binding_stage": ""}
    row["met_at_base"] = all(r.met_at_base for r in results)
    row.update({k: NAN for k in CAPACITY_COLUMNS[4:10]}, binding_utilisation=NAN, _reps=np.zeros(0))
    coupled, missing = coupled_gates(sc), [r.scale for r in results if not r.found]
    counts = {len(r.per_replication) for r in results}
    if coupled:
        pairs = ", ".join(f"{a} → {b}" for a, b in coupled)
        why = f"not the sum of the gates: they are coupled by diversion ({pairs}); use --scale all"
        return {**row, "method": "not summed", "found": False, "note": why}
    if missing or len(counts) != 1:
        why = f"no capacity found at {', '.join(missing)}" if missing else "unequal replications"
        why = f"not summed: {why}"
        return {**row, "method": "not summed", "found": False, "note": why}
    reps = np.sum([r.base_demand_per_day * np.asarray(r.per_replication) for r in results], axis=0)
    mean, lo, hi = t_interval(reps)
    row.update(capacity_per_day=mean, capacity_ci_low=lo, capacity_ci_high=hi, _reps=reps)
    row.update(ratio_to_demand=mean / demand, ratio_to_demand_ci_low=lo / demand, ratio_to_demand_ci_high=hi / demand)
    return {**row, "method": "sum of independent gates", "found": True, "note": ""}


def capacity_rows(sc: Scenario, results: Sequence[CapacityResult], scale: str) -> list[dict[str, Any]]:
    """One scenario's rows (units, then the province), each with ``_reps``: its per-replication capacities."""
    rows = [_unit_row(sc.name, r, _method(scale)) for r in results]
    if scale == SCALE_EACH and len(results) > 1:
        rows.append(_province_row(sc, results))
    return rows


def capacity_table(
    scenarios: Sequence[Scenario], results: Sequence[Sequence[CapacityResult]], scale: str
) -> pd.DataFrame:
    """The capacity table (columns :data:`CAPACITY_COLUMNS`); the first scenario is the baseline."""
    per_scenario = [capacity_rows(sc, res, scale) for sc, res in zip(scenarios, results)]
    base = {row["unit"]: row for row in per_scenario[0]}
    rows = []
    for block in per_scenario:
        for row in block:
            ref = base.get(row["unit"])
            ratio = (NAN, NAN, NAN)
            if ref is not None and block is not per_scenario[0]:
                ratio = paired_ratio(row["_reps"], ref["_reps"])
            row.update(baseline=per_scenario[0][0]["scenario"], vs_baseline=ratio[0])
            row.update(vs_baseline_ci_low=ratio[1], vs_baseline_ci_high=ratio[2])
            rows.append({k: row[k] for k in CAPACITY_COLUMNS})
    return pd.DataFrame(rows, columns=list(CAPACITY_COLUMNS))
