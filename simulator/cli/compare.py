"""Command line: ``compare BASE.yaml ALT.yaml [ALT2.yaml ...]``, a paired comparison on common random numbers.

``compare BASE.yaml --lever LEVER.PARAM=v1,v2,...`` compares the values of one lever parameter instead
(an adoption sweep): each value is a scenario, the first value is the base.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

from simulator.analysis.registry import view
from simulator.cli.common import (
    UsageError,
    add_execution_options,
    add_format_option,
    add_output_options,
    add_precision_options,
    cache_from_args,
    executor_from_args,
    fmt,
    folder_written_whole,
    out_folder,
    plain,
    positive,
    progress_bar,
    scenario_overrides,
    seed_value,
)
from simulator.cli.limits import active_limits
from simulator.cli.outputs import add_report_option, charts_not_written, write_charts_and_report  # issue 6
from simulator.cli.precision import goal_from_args, print_precision
from simulator.cli.uncertainty import add_uncertainty_options, check_uncertainty_options

if TYPE_CHECKING:
    from rich.console import Console

    from simulator.experiments.comparison import Comparison
    from simulator.experiments.precision import Precision, PrecisionGoal
    from simulator.scenario.models import Scenario

__all__ = ["COMPARE_COMMANDS", "add_compare_parser", "run_compare"]

COMPARE_COMMANDS = ("compare",)
USAGE = "compare BASE.yaml ALT.yaml [ALT2.yaml ...] | compare BASE.yaml --lever LEVER.PARAM=v1,v2,..."
KPIS = tuple((k.key, k.short, k.pattern) for k in view("compare"))  # from the KPI registry


def add_compare_parser(sub: Any) -> None:
    """Add the ``compare`` subcommand to the main parser's subparsers."""
    p = sub.add_parser(
        "compare",
        help="compare a base scenario with alternatives on common random numbers",
        usage="%(prog)s BASE.yaml ALT.yaml [ALT2.yaml ...] [options]",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="the base scenario, then one or more alternatives")
    p.add_argument(
        "--lever",
        metavar="LEVER.PARAM=v1,v2,...",
        help="compare values of one lever parameter on the base alone, e.g. autonomous_transport.share=0,0.5,1",
    )
    p.add_argument("--replications", type=positive, help="replications of every scenario (default: the base's)")
    p.add_argument("--days", type=positive, help="simulated days of every scenario (default: the base's)")
    p.add_argument("--seed", type=seed_value, help="common random seed (default: the base's)")
    p.add_argument(
        "--set", action="append", default=[], metavar="KEY.PATH=VALUE", help="override a value in every scenario"
    )
    add_output_options(p, "results/compare/<UTC time>/")
    add_format_option(p)
    add_report_option(p)  # --no-report (issue 6)
    add_execution_options(p)
    add_precision_options(p, "every scenario's own mean; default time_in_system_h_mean")
    add_uncertainty_options(p, "time_in_system_h_mean_change<=0")


def run_compare(args: argparse.Namespace, console: Console) -> int:
    """Run ``compare``; returns the exit status (bad input raises, as for the other commands)."""
    from simulator.experiments.comparison import prepare_scenarios
    from simulator.experiments.lever_sweep import lever_variants, parse_lever_sweep

    if check_uncertainty_options(args):
        if len(args.scenarios) < 2:
            raise UsageError(f"compare: at least one alternative scenario is needed: {USAGE}")
        from simulator.cli.uncertainty import run_uncertainty

        return run_uncertainty(args, console, "compare", list(args.scenarios))
    if args.lever is not None:
        if len(args.scenarios) != 1:
            raise UsageError(f"compare --lever: give exactly one base scenario: {USAGE}")
        sweep = parse_lever_sweep(args.lever)
        variants = lever_variants(args.scenarios[0], sweep, scenario_overrides(args, args.scenarios[0]))
        prepared = prepare_scenarios(variants)
    elif len(args.scenarios) < 2:
        raise UsageError(f"compare: at least one alternative scenario is needed: {USAGE}")
    else:
        sweep = None
        prepared = prepare_scenarios(args.scenarios, overrides=scenario_overrides(args, args.scenarios[0]))
    goal = _goal(args, [sc for _, sc in prepared])
    out = out_folder(args.out, "run", "compare", args.overwrite)  # kind "run": results/compare/<UTC time>/
    cache = cache_from_args(args)
    started = time.perf_counter()
    total = len(prepared) * prepared[0][1].run.replications
    executor = executor_from_args(args)
    scenarios = [sc for _, sc in prepared]
    try:
        with progress_bar(console, args.quiet, f"compare: {len(prepared)} scenarios", total) as progress:
            result, precision = _comparison(scenarios, goal, executor, cache, progress)
    finally:
        executor.close()
    result.sweep = sweep
    extra = {
        "command": ["run_scenario.py", *args.argv],
        "jobs": args.jobs,
        "dask": args.dask,
        "event_log": "first",
        "cached_replications": 0 if cache is None else cache.hits,
        "test_limits": active_limits(),
    }
    if precision is not None:
        extra["precision"] = precision.as_dict()
    after = "" if args.no_report else charts_not_written(out)
    with folder_written_whole(out, args.overwrite, cache is not None, after) as staging:
        result.to_dir(staging, extra, started=started, fmt=args.format)
    if not args.quiet:
        if sweep is not None:
            _print_sweep(console, result)
        else:
            from simulator.cli.demand import print_demand_differences
            from simulator.cli.money import print_money_differences

            for alt in result.alternatives:
                _print_differences(console, result, alt)
                print_money_differences(console, result, alt)
                print_demand_differences(console, result, alt)  # only with a demand: block
        _print_bottlenecks(console, result)
        warmup = result.results[result.base].warmup
        if warmup is not None:
            console.print(plain(warmup.describe()))
    if precision is not None:
        print_precision(console, precision, args.quiet, "each scenario's mean")
    if not args.quiet:
        note = "" if cache is None else f" ({cache.hits} replications read from the cache, {cache.misses} run)"
        console.print(f"results in [bold]{plain(out)}[/bold]{plain(note)}")
    return write_charts_and_report(out, console, args, compare=True)  # charts/ and report.html (issue 6)


def _comparison(
    scenarios: list[Scenario], goal: PrecisionGoal | None, executor: Any, cache: Any, progress: Any
) -> tuple[Comparison, Precision | None]:
    """The comparison: a fixed count of replications, or in batches to ``goal`` (``--precision``)."""
    if goal is None:
        from simulator.experiments.comparison import compare

        return compare(*scenarios, executor=executor, cache=cache, progress=progress), None
    from simulator.experiments.precision import compare_to_precision

    return compare_to_precision(scenarios, goal, executor, cache, progress)


def _goal(args: argparse.Namespace, scenarios: list[Scenario]) -> PrecisionGoal | None:
    """The ``--precision`` goal, checked against every scenario before any work."""
    goal = goal_from_args(args)
    if goal is not None:
        from simulator.experiments.precision import check_goal

        for sc in scenarios:
            check_goal(sc, goal)
        goal.first_batch(scenarios[0].run.replications)
    return goal


def _print_differences(console: Console, result: Comparison, alt: str) -> None:
    """Main KPIs of one alternative against the base, overall and per gate."""
    from simulator.cli.tables import Column, print_table

    diff = result.differences
    rows = {(r.scope, r.key, r.kpi): r for r in diff[diff.alternative == alt].itertuples(index=False)}
    scenario = result.results[result.base].scenario
    scopes = [("all", "all", "all")]
    if len(scenario.gates) > 1:
        scopes += [("gate", g, scenario.gates[g].name or g) for g in scenario.gates]
    labels: list[str] = []
    cells: list[list[str]] = []
    breaks = []
    for scope, key, name in scopes:
        for kpi, short, pattern in KPIS:
            if (scope, key, kpi) in rows:
                labels.append(f"{name}: {short}")
                cells.append(_cells(rows[scope, key, kpi], pattern))
        breaks.append(len(labels) - 1)
    heads = (result.base, alt, "difference [95% CI]", "change", "significant")
    columns = [Column(h, [c[i] for c in cells]) for i, h in enumerate(heads)]
    columns[-1].styles = ["green" if c[-1] == "yes" else "" for c in cells]
    title = (
        f"{alt} vs {result.base}: paired differences over {result.replications} replications "
        "(common random numbers, 95% CI)"
    )
    print_table(console, title, Column("scope: KPI", labels, justify="left"), columns, breaks)


def _cells(r: Any, pattern: str) -> list[str]:
    signed = pattern.replace("{:", "{:+", 1)
    ci = f"[{fmt(r.diff_ci_low, signed)}; {fmt(r.diff_ci_high, signed)}]"
    return [
        fmt(r.base_mean, pattern),
        fmt(r.alt_mean, pattern),
        f"{fmt(r.diff_mean, signed)} {ci}",
        fmt(r.rel_change, "{:+.1%}"),
        "yes" if r.significant else "no",
    ]


def _print_bottlenecks(console: Console, result: Comparison) -> None:
    for label, (stage, utilisation) in result.busiest().items():
        console.print(f"bottleneck of {plain(label)}: {plain(stage or '–')} ({fmt(utilisation, '{:.0%}')} utilisation)")
        if result.results[label].unstable:
            console.print(
                f"[bold red]UNSTABLE[/bold red]: the backlog of {plain(label)} grows without bound; "
                "its waiting times are not steady-state values."
            )


def _print_sweep(console: Console, result: Comparison) -> None:
    """Main KPIs (whole system) against the swept value: mean ± half-width, and the paired difference to the first."""
    from simulator.cli.tables import Column, print_table

    assert result.sweep is not None
    sweep = result.sweep
    title = (
        f"{sweep.column}: whole system, {result.replications} replications on common random numbers; "
        f"below each mean, the difference to {sweep.column}={sweep.values[0]} with its 95% CI (* the CI excludes 0)"
    )
    d = result.differences
    diffs = {(r.alternative, r.kpi): r for r in d[(d.scope == "all") & (d.key == "all")].itertuples(index=False)}
    rows = []
    for label, res in result.results.items():
        s = res.summary
        means = {r.kpi: r for r in s[(s.scope == "all") & (s.key == "all")].itertuples(index=False)}
        rows.append([_sweep_cell(means.get(kpi), diffs.get((label, kpi)), pattern) for kpi, _, pattern in KPIS])
    columns = [Column(name, [r[i] for r in rows]) for i, (_, name, _) in enumerate(KPIS)]
    values = Column(sweep.param, [str(v) for v in sweep.values])
    print_table(console, title, values, columns, breaks=range(len(rows)))


def _sweep_cell(mean: Any, diff: Any, pattern: str) -> str:
    if mean is None:
        return "–"
    cell = f"{fmt(mean.mean, pattern)} ±{fmt(mean.half_width, pattern)}"
    if diff is not None:
        signed = pattern.replace("{:", "{:+", 1)
        star = "*" if diff.significant else ""
        cell += (
            f"\n{fmt(diff.diff_mean, signed)} [{fmt(diff.diff_ci_low, signed)}; {fmt(diff.diff_ci_high, signed)}]{star}"
        )
    return cell
