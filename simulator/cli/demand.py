"""Terminal tables of reacting demand (the registry's view ``demand``), for ``run`` and ``compare``.

Printed only when some gate of a scenario has a ``demand:`` block: trucks balked, deferred, lost and
reneged over the measured days, for the whole system, each gate and each cargo class. The figures
of every scope are also in ``summary.json``, ``replications.csv`` and ``comparison.csv``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.analysis.registry import view
from simulator.cli.common import fmt

if TYPE_CHECKING:
    from rich.console import Console

    from simulator.experiments.comparison import Comparison
    from simulator.experiments.results import Results
    from simulator.scenario.models import Scenario

__all__ = ["DEMAND_KPIS", "print_demand_differences", "print_demand_summary"]

DEMAND_KPIS = view("demand")  # from the KPI registry
_SHORT = {"balked_trucks": "balked", "deferred_trucks": "deferred", "lost_trucks": "lost", "reneged_trucks": "reneged"}


def reacts(scenario: Scenario) -> bool:
    """Whether some gate of ``scenario`` has a ``demand:`` block."""
    return any(g.demand is not None for g in scenario.gates.values())


def _scopes(scenario: Scenario) -> list[tuple[str, str, str]]:
    scopes = [("all", "all", "all")]
    if len(scenario.gates) > 1:
        scopes += [("gate", g, f"gate {scenario.gates[g].name or g}") for g in scenario.gates]
    return scopes + [("class", c, f"class {c}") for c in scenario.cargo_classes]


def print_demand_summary(console: Console, results: Results, scenario: Scenario) -> None:
    """One row per scope (system, gates, classes), one column per count: mean ± 95% half-width."""
    from simulator.cli.tables import Column, print_table

    if not reacts(scenario):
        return
    values = {(r.scope, r.key, r.kpi): r for r in results.summary.itertuples(index=False)}
    scopes = [s for s in _scopes(scenario) if (s[0], s[1], DEMAND_KPIS[0].key) in values]

    def cell(r: Any) -> str:
        if r is None:
            return "–"
        ci = "" if r.half_width != r.half_width else f" ±{fmt(r.half_width, '{:,.0f}')}"
        return fmt(r.mean, "{:,.0f}") + ci

    columns = [Column(_SHORT[m.key], [cell(values.get((s, k, m.key))) for s, k, _ in scopes]) for m in DEMAND_KPIS]
    measured = scenario.run.days - scenario.run.warmup
    title = f"{scenario.name}: reacting demand, trucks over {measured:,} measured days, mean and 95% CI"
    print_table(console, title, Column("scope", [h for _, _, h in scopes], justify="left"), columns)


def print_demand_differences(console: Console, result: Comparison, alt: str) -> None:
    """The counts of reacting demand of one alternative against the base, with the paired difference."""
    from simulator.cli.tables import Column, print_table

    base = result.results[result.base].scenario
    if not (reacts(base) or reacts(result.results[alt].scenario)):
        return
    diff = result.differences
    rows = {(r.scope, r.key, r.kpi): r for r in diff[diff.alternative == alt].itertuples(index=False)}
    labels: list[str] = []
    found: list[Any] = []
    for scope, key, name in _scopes(base):
        for m in DEMAND_KPIS:
            if (scope, key, m.key) in rows:
                labels.append(f"{name}: {_SHORT[m.key]}")
                found.append(rows[scope, key, m.key])
    if not found:
        return

    def interval(r: Any) -> str:
        low, high = fmt(r.diff_ci_low, "{:+,.0f}"), fmt(r.diff_ci_high, "{:+,.0f}")
        return f"{fmt(r.diff_mean, '{:+,.0f}')} [{low}; {high}]" + ("*" if r.significant else "")

    columns = [
        Column(result.base, [fmt(r.base_mean, "{:,.0f}") for r in found]),
        Column(alt, [fmt(r.alt_mean, "{:,.0f}") for r in found]),
        Column("difference [95% CI]", [interval(r) for r in found]),
    ]
    title = f"{alt} vs {result.base}: reacting demand (trucks), paired differences (* the 95% CI excludes 0)"
    print_table(console, title, Column("scope: count", labels, justify="left"), columns)
