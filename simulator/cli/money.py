"""Terminal tables of the value in money (the registry's view ``money``), for ``run`` and ``compare``.

Values are shown in millions or billions of VND per year (the unit in the title), so that the
columns stay narrow; the exact VND figures are in ``summary.json``, ``replications.csv`` and
``comparison.csv``.
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

__all__ = ["MONEY_KPIS", "print_money_differences", "print_money_summary"]

MONEY_KPIS = view("money")  # from the KPI registry
CAVEAT = "An appraisal input, not a cost-benefit analysis: no capital or operating costs are modelled."


def _scopes(scenario: Scenario) -> list[tuple[str, str, str]]:
    scopes = [("all", "all", "all")]
    if len(scenario.gates) > 1:
        scopes += [("gate", g, scenario.gates[g].name or g) for g in scenario.gates]
    return scopes


def _scale(numbers: list[float]) -> tuple[float, str, str]:
    """Divisor, unit text and a number pattern for every figure of one table."""
    from simulator.analysis.money import money_scale  # numpy and the engine's layout: only once a table is printed

    divisor, word = money_scale(numbers)
    finite = [abs(x) / divisor for x in numbers if x == x and abs(x) != float("inf")]
    pattern = "{:,.1f}" if not finite or max(finite) < 100 else "{:,.0f}"
    return divisor, f"{word} VND/year", pattern


def print_money_summary(console: Console, results: Results, scenario: Scenario) -> None:
    """One row per money KPI, one column per scope (whole system, each gate): mean ± 95% half-width."""
    from simulator.cli.tables import Column, print_table

    summary = results.summary
    values = {(r.scope, r.key, r.kpi): r for r in summary.itertuples(index=False)}
    scopes = _scopes(scenario)
    found = [values[s, k, m.key] for s, k, _ in scopes for m in MONEY_KPIS if (s, k, m.key) in values]
    if not found:
        return
    divisor, unit, pattern = _scale([x for r in found for x in (r.mean, r.half_width)])

    def cell(r: Any) -> str:
        if r is None:
            return "–"
        ci = "" if r.half_width != r.half_width else f" ±{fmt(r.half_width / divisor, pattern)}"
        return fmt(r.mean / divisor, pattern) + ci

    columns = [Column(head, [cell(values.get((s, k, m.key))) for m in MONEY_KPIS]) for s, k, head in scopes]
    label = Column("KPI", [m.short for m in MONEY_KPIS], justify="left")
    title = f"{scenario.name}: value in money ({unit}), mean and 95% CI"
    print_table(console, title, label, columns)
    console.print(CAVEAT, markup=False, highlight=False)


def print_money_differences(console: Console, result: Comparison, alt: str) -> None:
    """The money KPIs of one alternative against the base, overall and per gate, with the paired difference."""
    from simulator.cli.tables import Column, print_table

    diff = result.differences
    rows = {(r.scope, r.key, r.kpi): r for r in diff[diff.alternative == alt].itertuples(index=False)}
    scenario = result.results[result.base].scenario
    labels: list[str] = []
    found: list[Any] = []
    breaks = []
    for scope, key, name in _scopes(scenario):
        for m in MONEY_KPIS:
            if (scope, key, m.key) in rows:
                labels.append(f"{name}: {m.short}")
                found.append(rows[scope, key, m.key])
        breaks.append(len(labels) - 1)
    if not found:
        return
    numbers = [x for r in found for x in (r.base_mean, r.alt_mean, r.diff_ci_low, r.diff_ci_high)]
    divisor, unit, pattern = _scale(numbers)
    signed = pattern.replace("{:", "{:+", 1)

    def interval(r: Any) -> str:
        low, high = fmt(r.diff_ci_low / divisor, signed), fmt(r.diff_ci_high / divisor, signed)
        return f"{fmt(r.diff_mean / divisor, signed)} [{low}; {high}]" + ("*" if r.significant else "")

    columns = [
        Column(result.base, [fmt(r.base_mean / divisor, pattern) for r in found]),
        Column(alt, [fmt(r.alt_mean / divisor, pattern) for r in found]),
        Column("difference [95% CI]", [interval(r) for r in found]),
    ]
    columns[-1].styles = ["green" if r.significant else "" for r in found]
    title = f"{alt} vs {result.base}: value in money ({unit}), paired differences (* the 95% CI excludes 0)"
    print_table(console, title, Column("scope: KPI", labels, justify="left"), columns, breaks)
    console.print(CAVEAT, markup=False, highlight=False)
