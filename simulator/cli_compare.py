"""Command line: ``compare BASE.yaml ALT.yaml [ALT2.yaml ...]``, a paired comparison on common random numbers."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from .cli_common import (
    UsageError,
    add_execution_options,
    cache_from_args,
    executor_from_args,
    fmt,
    out_folder,
    positive,
    progress_bar,
    scenario_overrides,
    seed_value,
)
from .comparison import Comparison, compare, prepare_scenarios

__all__ = ["COMPARE_COMMANDS", "add_compare_parser", "run_compare"]

COMPARE_COMMANDS = ("compare",)
USAGE = "compare BASE.yaml ALT.yaml [ALT2.yaml ...]"
KPIS = (
    ("throughput_per_day", "cleared per day", "{:,.1f}"),
    ("time_in_system_h_mean", "time in system, mean (h)", "{:,.2f}"),
    ("time_in_system_h_p95", "time in system, p95 (h)", "{:,.2f}"),
    ("queue_mean", "trucks queued, mean", "{:,.1f}"),
    ("queue_max", "trucks queued, max", "{:,.1f}"),
    ("in_system_end", "in system at end", "{:,.1f}"),
)


def add_compare_parser(sub: Any) -> None:
    """Add the ``compare`` subcommand to the main parser's subparsers."""
    p = sub.add_parser(
        "compare",
        help="compare a base scenario with alternatives on common random numbers",
        usage="%(prog)s BASE.yaml ALT.yaml [ALT2.yaml ...] [options]",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="the base scenario, then one or more alternatives")
    p.add_argument("--replications", type=positive, help="replications of every scenario (default: the base's)")
    p.add_argument("--days", type=positive, help="simulated days of every scenario (default: the base's)")
    p.add_argument("--seed", type=seed_value, help="common random seed (default: the base's)")
    p.add_argument("--out", type=Path, help="result folder (default results/compare/<UTC time>/)")
    p.add_argument(
        "--set", action="append", default=[], metavar="KEY.PATH=VALUE", help="override a value in every scenario"
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    add_execution_options(p)


def run_compare(args: argparse.Namespace, console: Console) -> int:
    """Run ``compare``; returns the exit status (bad input raises, as for the other commands)."""
    if len(args.scenarios) < 2:
        raise UsageError(f"compare: at least one alternative scenario is needed: {USAGE}")
    prepared = prepare_scenarios(args.scenarios, overrides=scenario_overrides(args))
    out = out_folder(args.out, "run", "compare")  # kind "run": results/compare/<UTC time>/
    cache = cache_from_args(args)
    started = time.perf_counter()
    total = len(prepared) * prepared[0][1].run.replications
    executor = executor_from_args(args)
    try:
        with progress_bar(console, args.quiet, f"compare: {len(prepared)} scenarios", total) as progress:
            result = compare(*(sc for _, sc in prepared), executor=executor, cache=cache, progress=progress)
    finally:
        executor.close()
    extra = {
        "command": ["run_scenario.py", *args.argv],
        "jobs": args.jobs,
        "dask": args.dask,
        "event_log": "first",
        "cached_replications": 0 if cache is None else cache.hits,
    }
    result.to_dir(out, extra, started=started)
    if not args.quiet:
        for alt in result.alternatives:
            console.print(_difference_table(result, alt))
        _print_bottlenecks(console, result)
        note = "" if cache is None else f" ({cache.hits} replications read from the cache, {cache.misses} run)"
        console.print(f"results in [bold]{out}[/bold]{note}")
    return 0


def _difference_table(result: Comparison, alt: str) -> Table:
    """Main KPIs of one alternative against the base, overall and per gate."""
    diff = result.differences
    rows = {(r.scope, r.key, r.kpi): r for r in diff[diff.alternative == alt].itertuples(index=False)}
    scenario = result.results[result.base].scenario
    scopes = [("all", "all", "all")]
    if len(scenario.gates) > 1:
        scopes += [("gate", g, scenario.gates[g].name or g) for g in scenario.gates]
    table = Table(
        title=f"{alt} vs {result.base}: paired differences over {result.replications} replications "
        f"(common random numbers, 95% CI)"
    )
    for col in ("scope", "KPI", result.base, alt, "difference [95% CI]", "change", "significant"):
        table.add_column(col, justify="left" if col in ("scope", "KPI") else "right")
    for scope, key, label in scopes:
        for kpi, name, pattern in KPIS:
            if (scope, key, kpi) in rows:
                table.add_row(label, name, *_cells(rows[scope, key, kpi], pattern))
        table.add_section()
    return table


def _cells(r: Any, pattern: str) -> list[str]:
    signed = pattern.replace("{:", "{:+", 1)
    ci = f"[{fmt(r.diff_ci_low, signed)}; {fmt(r.diff_ci_high, signed)}]"
    return [
        fmt(r.base_mean, pattern),
        fmt(r.alt_mean, pattern),
        f"{fmt(r.diff_mean, signed)} {ci}",
        fmt(r.rel_change, "{:+.1%}"),
        "[green]yes[/green]" if r.significant else "no",
    ]


def _print_bottlenecks(console: Console, result: Comparison) -> None:
    for label, (stage, utilisation) in result.busiest().items():
        console.print(f"bottleneck of {label}: {stage or '–'} ({fmt(utilisation, '{:.0%}')} utilisation)")
        if result.results[label].unstable:
            console.print(
                f"[bold red]UNSTABLE[/bold red]: the backlog of {label} grows without bound; "
                "its waiting times are not steady-state values."
            )
