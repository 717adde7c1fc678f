"""Study commands: ``sweep``, ``capacity``, ``sensitivity`` and ``cache-info``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.cli.common import (
    UsageError,
    add_execution_options,
    add_output_options,
    add_precision_options,
    cache_from_args,
    executor_from_args,
    fmt,
    folder_written_whole,
    fraction,
    out_folder,
    plain,
    positive,
    progress_bar,
    scenario_overrides,
    seed_value,
)
from simulator.cli.limits import min_tolerance
from simulator.cli.precision import goal_from_args, print_precision
from simulator.cli.uncertainty import add_uncertainty_options, check_uncertainty_options
from simulator.scenario.errors import Issue, ScenarioError

if TYPE_CHECKING:
    from rich.console import Console

    from simulator.experiments.cache import ReplicationCache

__all__ = ["STUDY_COMMANDS", "add_study_parsers", "run_study"]

STUDY_COMMANDS = ("sweep", "capacity", "sensitivity", "cache-info")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replications", type=positive, help="replications per design point")
    p.add_argument("--days", type=positive, help="simulated days")
    p.add_argument("--seed", type=seed_value, help="random seed")
    p.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE", help="override a scenario value")
    add_output_options(p, "results/<scenario>/<study>-<UTC time>/")
    add_execution_options(p)


def add_study_parsers(sub: Any) -> None:
    """Add the study subcommands to the main parser's subparsers."""
    p = sub.add_parser("sweep", help="run a scenario over a design of parameter values")
    p.add_argument("scenario")
    p.add_argument("--param", action="append", default=[], required=True, metavar="KEY.PATH=v1,v2|low:high")
    p.add_argument("--design", choices=("grid", "lhs"), default="grid")
    p.add_argument("--samples", type=positive, default=0, help="design points of an LHS design")
    _common(p)
    p = sub.add_parser("capacity", help="largest demand that meets a service level")
    p.add_argument("scenarios", nargs="+", help="one or more scenarios, reported side by side")
    p.add_argument("--target", required=True, help="[SCOPE:KEY:]KPI OP VALUE, e.g. 'time_in_system_h_p95<=6'")
    p.add_argument(
        "--scale",
        help="whose demand is scaled: each (every gate on its own, the target applied to its trucks; the default "
        "for a target without a scope), all (every gate together: the province), GATE or GATE.FLOW (the default "
        "for a gate or stage target is its gate; for a direction or class target, all)",
    )
    p.add_argument("--tolerance", type=fraction, default=0.02, help="relative width of the final bracket")
    _common(p)
    add_precision_options(p, "only 'capacity': each searched gate's capacity")
    add_uncertainty_options(p, "gate:huu_nghi:capacity_ratio>=2")
    p = sub.add_parser("sensitivity", help="one-at-a-time tornado over named parameters")
    p.add_argument("scenario")
    p.add_argument("--param", action="append", default=[], required=True, metavar="KEY.PATH")
    p.add_argument("--change", type=fraction, default=0.2, help="relative change, e.g. 0.2 for +-20%%")
    p.add_argument("--kpi", default="time_in_system_h_mean", help="[SCOPE:KEY:]KPI, e.g. gate:huu_nghi:queue_max")
    _common(p)
    p = sub.add_parser("cache-info", help="show the replication cache's size, or clear it")
    p.add_argument("--cache-dir", type=Path, help="cache folder (default $BORDER_SIM_CACHE or .sim-cache)")
    p.add_argument("--clear", action="store_true", help="delete every cached replication")


def run_study(args: argparse.Namespace, console: Console) -> int:
    """Dispatch a study subcommand; returns the exit status."""
    if args.command == "cache-info":
        return _cache_info(args, console)
    cache = cache_from_args(args)
    executor = executor_from_args(args)
    try:
        handler = {"sweep": _sweep, "capacity": _capacity, "sensitivity": _sensitivity}[args.command]
        return handler(args, console, executor, cache)
    finally:
        executor.close()


def _sweep(args: argparse.Namespace, console: Console, executor: Any, cache: ReplicationCache | None) -> int:
    from simulator.experiments.files import atomic_write_text
    from simulator.experiments.studies import design_points, parse_param, sweep
    from simulator.levers.load import load_scenario

    base = load_scenario(args.scenario, scenario_overrides(args, args.scenario))
    points = design_points([parse_param(p) for p in args.param], args.design, args.samples, base.run.seed)
    out = out_folder(args.out, "sweep", base.name, args.overwrite)
    total = len(points) * base.run.replications
    with progress_bar(console, args.quiet, f"{base.name}: {len(points)} points", total) as progress:
        result = sweep(base, points, executor=executor, cache=cache, progress=progress)
    with folder_written_whole(out, args.overwrite, cache is not None) as staging:
        atomic_write_text(staging / "sweep.csv", result.table.to_csv(index=False))
        atomic_write_text(staging / "sweep_summary.csv", result.summary.to_csv(index=False))
    if not args.quiet:
        s = result.summary
        main = s[(s.scope == "all") & (s.kpi.isin(["throughput_per_day", "time_in_system_h_mean"]))]
        _print_frame(
            console,
            f"{base.name}: sweep ({len(points)} points)",
            main,
            [*points[0], "kpi", "mean", "ci_low", "ci_high"],
        )
        console.print(f"results in [bold]{plain(out)}[/bold]" + _cache_note(cache))
    return 0


def _capacity(args: argparse.Namespace, console: Console, executor: Any, cache: ReplicationCache | None) -> int:
    """Each scenario's capacity, gate by gate with ``--scale each``; exit 1 when some capacity was not found."""
    from rich.markup import escape

    from simulator.experiments.capacity import parse_target
    from simulator.experiments.capacity_each import check_capacity_request, default_scale
    from simulator.experiments.capacity_table import capacity_table
    from simulator.experiments.files import atomic_write_text, to_json
    from simulator.levers.load import load_scenario
    from simulator.scenario.claim import model_fingerprint

    target = parse_target(args.target)
    goal = goal_from_args(args, capacity=True)
    if not 0 < args.tolerance < 1:
        raise UsageError(f"--tolerance: must be between 0 and 1 (exclusive), got {args.tolerance:g}")
    scenarios = [load_scenario(path, scenario_overrides(args, path)) for path in args.scenarios]
    tolerance = min_tolerance(args.tolerance)
    scale = args.scale or default_scale(target)
    check_capacity_request(scenarios, target, scale)  # before any search runs
    if check_uncertainty_options(args):
        from simulator.cli.uncertainty import run_uncertainty

        options = {"target": target, "scale": scale, "tolerance": tolerance, "executor": executor, "cache": cache}
        return run_uncertainty(args, console, "capacity", list(args.scenarios), **options)
    if goal is not None:
        goal.first_batch(max(sc.run.replications for sc in scenarios))
    out = out_folder(args.out, "capacity", scenarios[0].name, args.overwrite)
    with progress_bar(console, args.quiet, "capacity search", 1) as progress:
        search = (scenarios, target, scale, tolerance)
        results, precision = _capacity_search(search, goal, executor, cache, progress)
    table = capacity_table(scenarios, results, scale)
    flat = [r for row in results for r in row]
    saved = [
        {**r.as_dict(), "scenario_fingerprint": model_fingerprint(sc.model_dump(mode="json"))}
        for sc, row in zip(scenarios, results)
        for r in row
    ]
    with folder_written_whole(out, args.overwrite, cache is not None) as staging:
        atomic_write_text(staging / "capacity.json", to_json(saved))
        atomic_write_text(staging / "capacity.csv", table.to_csv(index=False))
        if precision is not None:
            atomic_write_text(staging / "precision.json", to_json({"precision": precision.as_dict()}))
    if not args.quiet:
        _print_capacity(console, table, f"Capacity at {target} (scaled: {scale})")
        if flat and flat[0].warmup is not None:
            console.print(plain(flat[0].warmup.describe() + ", at today's demand"))
    if precision is not None:
        print_precision(console, precision, args.quiet, "each capacity")
    if not args.quiet:
        console.print(f"results in [bold]{escape(str(out))}[/bold]" + _cache_note(cache))
    for r in flat:
        for warning in r.warnings:
            print(f"warning: {r.scenario}: {warning}", file=sys.stderr)
        if not r.found:
            print(f"capacity not found: {r.message}", file=sys.stderr)
    return 0 if all(r.found for r in flat) else 1


def _capacity_search(search: tuple[Any, ...], goal: Any, executor: Any, cache: Any, progress: Any) -> tuple[Any, Any]:
    """``find_capacities`` of ``search`` (scenarios, target, scale, tolerance), or reruns to ``goal``."""
    scenarios, target, scale, tolerance = search
    if goal is None:
        from simulator.experiments.capacity_each import find_capacities

        return find_capacities(scenarios, target, scale, tolerance, executor, cache, progress), None
    from simulator.experiments.precision import capacities_to_precision

    return capacities_to_precision(scenarios, target, scale, tolerance, goal, executor, cache, progress)


def _sensitivity(args: argparse.Namespace, console: Console, executor: Any, cache: ReplicationCache | None) -> int:
    from simulator.experiments.capacity import parse_target
    from simulator.experiments.files import atomic_write_text
    from simulator.experiments.studies import sensitivity
    from simulator.levers.load import load_scenario

    base = load_scenario(args.scenario, scenario_overrides(args, args.scenario))
    try:
        target = parse_target(f"{args.kpi}<=0")
    except ScenarioError as exc:
        raise ScenarioError([Issue("--kpi", None, args.kpi, i.message) for i in exc.issues]) from None
    out = out_folder(args.out, "sensitivity", base.name, args.overwrite)
    total = (1 + 2 * len(args.param)) * base.run.replications
    with progress_bar(console, args.quiet, f"{base.name}: sensitivity", total) as progress:
        table = sensitivity(
            base,
            args.param,
            args.change,
            target.kpi,
            target.scope,
            target.key,
            executor=executor,
            cache=cache,
            progress=progress,
        )
    with folder_written_whole(out, args.overwrite, cache is not None) as staging:
        atomic_write_text(staging / "sensitivity.csv", table.to_csv(index=False))
    if not args.quiet:
        cols = ["parameter", "low_value", "high_value", "low_mean", "high_mean", "swing"]
        _print_frame(
            console,
            f"{base.name}: {args.kpi} at -/+{args.change:.0%} (base {table.base_mean.iloc[0]:,.3g})",
            table,
            cols,
        )
        console.print(f"results in [bold]{plain(out)}[/bold]" + _cache_note(cache))
    return 0


def _cache_info(args: argparse.Namespace, console: Console) -> int:
    from simulator.experiments.cache import CacheError, ReplicationCache, default_cache_dir

    cache = ReplicationCache(args.cache_dir or default_cache_dir())
    if cache.path.exists() and not cache.path.is_dir():
        raise ScenarioError([Issue("--cache-dir", None, str(cache.path), "is a file, not a cache folder")])
    info = cache.info()
    if args.clear:
        try:
            cleared = cache.clear()
        except CacheError as exc:
            raise ScenarioError([Issue("--cache-dir", None, str(cache.path), str(exc))]) from None
        console.print(f"cleared {cleared} cached replications from {plain(info.path)}")
    else:
        console.print(f"{plain(info.path)}: {info.entries} cached replications, {info.bytes / 1e6:,.1f} MB")
    return 0


def _cache_note(cache: ReplicationCache | None) -> str:
    return "" if cache is None else f" ({cache.hits} replications read from the cache, {cache.misses} run)"


def _print_frame(console: Console, title: str, frame: Any, columns: list[str]) -> None:
    from simulator.cli.tables import Column, print_table

    def text(v: Any) -> str:
        return fmt(v, "{:,.4g}") if isinstance(v, float) else str(v)

    body = [Column(c, [text(v) for v in frame[c]], "left" if c == "kpi" else "right") for c in columns]
    print_table(console, title, dataclasses.replace(body[0], justify="left"), body[1:])


def _print_capacity(console: Console, table: Any, title: str) -> None:
    """The capacity table: one row per scenario and gate (and the province), ratios with their 95% CI."""
    from simulator.cli.tables import Column, print_table

    def ci(value: Any, lo: Any, hi: Any, pattern: str) -> str:
        return "–" if value != value else f"{fmt(value, pattern)} [{fmt(lo, pattern)}–{fmt(hi, pattern)}]"

    t = table
    capacity = zip(t.capacity_per_day, t.capacity_ci_low, t.capacity_ci_high)
    columns = [
        Column("gate", [str(u) for u in t.unit], justify="left"),
        Column("today/day", [fmt(v, "{:,.0f}") for v in t.demand_per_day]),
        Column("capacity/day [95% CI]", [ci(*c, "{:,.0f}") for c in capacity]),
        Column("x today", [fmt(v, "{:.2f}") for v in t.ratio_to_demand]),
        Column("binding stage", [str(b).split(".", 1)[-1] if b == b and b else "–" for b in t.binding_stage], "left"),
    ]
    if t.scenario.nunique() > 1:
        ratio = zip(t.vs_baseline, t.vs_baseline_ci_low, t.vs_baseline_ci_high)
        columns.append(Column("x baseline [95% CI]", [ci(*r, "{:.2f}") for r in ratio]))
    print_table(console, title, Column("scenario", [str(s) for s in t.scenario], justify="left"), columns)
    for method in dict.fromkeys(t.method[(t.unit == "province") & t.found.astype(bool)]):
        console.print(f"province: {method}")
    for scenario, unit, note, met in zip(t.scenario, t.unit, t.note, t.met_at_base):
        if unit == "province" and isinstance(note, str) and note:
            console.print(f"{scenario}: province: {note}")
        elif unit != "province" and not met:
            console.print(f"{scenario}: {unit} does not meet the target at today's demand (capacity below it)")
