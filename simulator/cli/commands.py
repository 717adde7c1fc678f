"""Command line: ``run`` (the default), ``validate`` and ``schema``. The only module that prints.

Exit status: 0 success, 2 bad input (with file, line and key, no traceback), 130 interrupted (Ctrl-C),
143 terminated (SIGTERM); 1 when the
results were written but their charts or report (written by default, ``--no-report`` skips them) failed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.analysis.registry import view
from simulator.cli.app import APP_COMMANDS, add_app_parser, run_app
from simulator.cli.common import (
    Interrupted,
    Parser,
    UsageError,
    add_execution_options,
    add_format_option,
    add_output_options,
    add_precision_options,
    cache_from_args,
    check_dask_option,
    executor_from_args,
    folder_written_whole,
    one_line_warnings,
    out_folder,
    plain,
    positive,
    progress_bar,
    quiet_stdout,
    report,
    resume_note,
    scenario_overrides,
    seed_value,
    terminal,
)
from simulator.cli.common import fmt as _fmt
from simulator.cli.compare import COMPARE_COMMANDS, add_compare_parser, run_compare
from simulator.cli.limits import active_limits
from simulator.cli.outputs import add_report_option, charts_not_written, write_charts_and_report
from simulator.cli.precision import goal_from_args, print_precision
from simulator.cli.report import REPORT_COMMANDS, add_report_parser, run_report
from simulator.cli.signals import interrupt_status, stop_signals
from simulator.cli.studies import STUDY_COMMANDS, add_study_parsers, run_study
from simulator.cli.uncertainty import add_uncertainty_options, check_uncertainty_options
from simulator.experiments.errors import CacheError, ExecutorError
from simulator.levers.load import load_scenario
from simulator.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from rich.console import Console

    from simulator.experiments.precision import Precision, PrecisionGoal
    from simulator.experiments.results import Results
    from simulator.scenario.models import Scenario

EVENT_LOG_CHOICES = ("all", "first", "none")  # as simulator.experiments.replication.EVENT_LOG_CHOICES

__all__ = ["main"]

COMMANDS = ("run", "validate", "schema", *STUDY_COMMANDS, *COMPARE_COMMANDS, *REPORT_COMMANDS, *APP_COMMANDS)
MAIN_KPIS = view("run")  # from the KPI registry
_STOPPED = {130: "interrupted", 143: "terminated"}  # the first word of the one line an interrupted command prints


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (``run`` is implied when the first argument is a file)."""
    parser = Parser(prog="run_scenario.py", description="Simulate truck queues and clearance at land border gates.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    p_run = sub.add_parser("run", help="run a scenario (default when the first argument is a file)")
    p_run.add_argument("scenario", help="scenario YAML file")
    p_run.add_argument("--days", type=positive, help="simulated days (warm-up included)")
    p_run.add_argument("--replications", type=positive, help="number of replications")
    p_run.add_argument("--seed", type=seed_value, help="random seed")
    p_run.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE", help="override a scenario value")
    p_run.add_argument(
        "--event-log",
        choices=EVENT_LOG_CHOICES,
        default="first",
        help="replications whose event log is written to trucks.parquet (default: first, i.e. replication 0)",
    )
    add_output_options(p_run, "results/<scenario>/<UTC time>/")
    add_format_option(p_run)
    add_report_option(p_run)
    add_execution_options(p_run)
    add_precision_options(p_run, "default time_in_system_h_mean, e.g. gate:huu_nghi:queue_max")
    add_uncertainty_options(p_run, "gate:huu_nghi:time_in_system_h_p95<=12")
    p_val = sub.add_parser("validate", help="check scenario files without running them")
    p_val.add_argument(
        "files", nargs="*", help="scenario YAML files (with --sources: any files; default the shipped ones)"
    )
    p_val.add_argument(
        "--sources",
        action="store_true",
        help="check the [S]/[I] source tags of FILES against docs/sources.md instead of validating scenarios",
    )
    p_val.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE", help="override a value")
    sub.add_parser("schema", help="print the scenario JSON Schema")
    add_study_parsers(sub)
    add_compare_parser(sub)
    add_report_parser(sub)
    add_app_parser(sub)
    return parser


def _cmd_sources(files: list[str]) -> int:
    from simulator.scenario.sources import check_sources

    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        raise UsageError(f"validate --sources: no such file: {missing[0]}")
    result = check_sources([Path(f) for f in files] if files else None)
    report(result.problems)
    for issue in result.unused if not files else []:
        print(f"warning: {issue}", file=sys.stderr)
    if result.problems:
        return 2
    cited = len({i for c in result.citations for i in c.ids})
    print(
        f"ok sources: {len(result.citations)} tags, {cited} ids cited, {len(result.entries)} entries in docs/sources.md"
    )
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    if args.sources:
        return _cmd_sources(args.files)
    if not args.files:
        raise UsageError("validate: give at least one scenario file (or --sources)")
    failed = 0
    for file in args.files:
        try:
            sc = load_scenario(file, args.set)
        except ScenarioError as exc:
            failed += 1
            report(exc.issues)
            continue
        stages = sum(len(g.stages) for g in sc.gates.values())
        print(f"ok {file}: {len(sc.gates)} gates, {stages} stages, {len(sc.cargo_classes)} cargo classes")
    return 2 if failed else 0


def _cmd_run(args: argparse.Namespace, console: Console) -> int:
    if check_uncertainty_options(args):
        from simulator.cli.uncertainty import run_uncertainty

        return run_uncertainty(args, console, "run", [args.scenario])
    scenario = load_scenario(args.scenario, scenario_overrides(args, args.scenario))  # before the heavy imports
    goal = goal_from_args(args)
    if goal is not None:
        from simulator.experiments.precision import check_goal

        check_goal(scenario, goal)
        goal.first_batch(scenario.run.replications)

    out_dir = out_folder(args.out, "run", scenario.name, args.overwrite)
    cache = cache_from_args(args)
    n = scenario.run.replications
    started = time.perf_counter()
    executor = executor_from_args(args)
    after = "" if args.no_report else charts_not_written(out_dir)
    precision = None
    with folder_written_whole(out_dir, args.overwrite, cache is not None, after) as staging:
        logs = None if args.dask and args.dask != "local" else staging / ".logs"  # remote workers: in memory
        try:
            with progress_bar(console, args.quiet, f"{scenario.name}: replications", n) as progress:
                results, precision = _replications(scenario, args, goal, progress, executor, cache, logs)
        finally:
            executor.close()
        extra = {
            "command": ["run_scenario.py", *args.argv],
            "jobs": args.jobs,
            "dask": args.dask,
            "event_log": args.event_log,
            "cached_replications": 0 if cache is None else cache.hits,
            "test_limits": active_limits(),
        }
        if precision is not None:
            extra["precision"] = precision.as_dict()
        results.to_dir(staging, extra, started=started, fmt=args.format)
        if logs is not None:
            shutil.rmtree(logs, ignore_errors=True)
    wall = time.perf_counter() - started
    n = results.scenario.run.replications
    if not args.quiet:
        _print_summary(console, results, results.scenario)  # warmup_days: auto resolved
    if precision is not None:
        print_precision(console, precision, args.quiet)
    if not args.quiet:
        cached = "" if cache is None or not cache.hits else f" ({cache.hits} read from the cache)"
        console.print(
            f"{n} replications{cached} run and written in {wall:.1f} s; results in [bold]{plain(out_dir)}[/bold]"
        )
    return write_charts_and_report(out_dir, console, args)


def _replications(
    scenario: Scenario,
    args: argparse.Namespace,
    goal: PrecisionGoal | None,
    progress: Any,
    executor: Any,
    cache: Any,
    logs: Any,
) -> tuple[Results, Precision | None]:
    """The run's replications: a fixed count, or in batches to ``goal`` (``--precision``)."""
    if goal is not None:
        from simulator.experiments.precision import run_to_precision

        options = {"event_log": args.event_log, "progress": progress, "log_dir": logs}
        return run_to_precision(scenario, goal, executor=executor, cache=cache, **options)
    from simulator.experiments.replication import run

    options = {"event_log": args.event_log, "progress": progress, "log_dir": logs}
    return run(scenario, executor=executor, cache=cache, **options), None


def _summary_cells(values: dict[tuple[str, str, str], Any], scope: str, key: str, sep: str) -> list[str]:
    cells = []
    for k in MAIN_KPIS:
        r = values.get((scope, key, k.key))
        ci = "" if r is None or r.ci_low != r.ci_low else f"{sep}±{_fmt(r.half_width, k.pattern)}"
        cells.append("–" if r is None else _fmt(r.mean, k.pattern) + ci)
    return cells


def _print_stability(console: Console, results: Results) -> None:
    """One line per overloaded (or not decidable) gate or the whole system; names are data, not markup."""
    from rich.markup import escape

    flags = results.stability
    flags = flags[(flags.status != "stable") & flags.scope.isin(["all", "gate"])]
    for r in flags[flags.status == "unstable"].itertuples(index=False):
        where = "the whole system" if r.scope == "all" else f"gate {escape(str(r.key))}"
        console.print(
            f"[bold red]UNSTABLE[/bold red]: the backlog of {where} grows {r.growth_mean:,.1f} trucks/day "
            f"(95% CI {_fmt(r.growth_ci_low, '{:,.1f}')} to {_fmt(r.growth_ci_high, '{:,.1f}')}); "
            "its waiting times are not steady-state values."
        )
    undecided: dict[str, list[str]] = {}
    for r in flags[flags.status == "inconclusive"].itertuples(index=False):
        undecided.setdefault(str(r.reason), []).append("the whole system" if r.scope == "all" else str(r.key))
    for reason, scopes in undecided.items():
        names = ", ".join(escape(w) for w in scopes)
        console.print(f"overload check inconclusive for {names}: {escape(reason)}")


def _print_summary(console: Console, results: Results, scenario: Scenario) -> None:
    from simulator.analysis.stats import busiest_stages
    from simulator.cli.tables import Column, fitted_tables, print_table

    summary = results.summary
    measured = scenario.run.days - scenario.run.warmup
    scopes = [("all", "all", "all")] + [("gate", g, scenario.gates[g].name or g) for g in scenario.gates]
    values = {(r.scope, r.key, r.kpi): r for r in summary.itertuples(index=False)}
    label = Column("KPI", [k.short_label(measured) for k in MAIN_KPIS], justify="left")
    title = f"{scenario.name}: mean and 95% CI over {results.replications.replication.nunique()} replications"
    for sep in (" ", "\n"):  # the half-width beside the mean, or below it if the table is too wide
        columns = [Column(header, _summary_cells(values, scope, key, sep)) for scope, key, header in scopes]
        if sep == "\n" or len(fitted_tables(title, label, columns, console.width)) == 1:
            break
    print_table(console, title, label, columns)
    if results.warmup is not None:
        console.print(plain(results.warmup.describe()))
    from simulator.cli.money import print_money_summary

    print_money_summary(console, results, scenario)
    from simulator.cli.demand import print_demand_summary

    print_demand_summary(console, results, scenario)  # only with a demand: block
    _print_stability(console, results)
    util = busiest_stages(summary)
    rows = []
    for key, utilisation in zip(util.key.head(5), util.utilisation.head(5)):
        waits = summary[(summary.scope == "stage") & (summary.key == key)].set_index("kpi")["mean"]
        rows.append((key, _fmt(float(utilisation), "{:.0%}"), waits["wait_min_mean"], waits["wait_min_p95"]))
    columns = [
        Column("utilisation", [r[1] for r in rows]),
        Column("mean wait (min)", [_fmt(r[2], "{:,.1f}") for r in rows]),
        Column("p95 wait (min)", [_fmt(r[3], "{:,.1f}") for r in rows]),
    ]
    title = "Busiest stages (share of open server-time busy, then mean wait)"
    print_table(console, title, Column("stage", [r[0] for r in rows], justify="left"), columns)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``run_scenario.py`` and ``border-sim``; returns the exit status.

    A standard output closed early (``schema | head -1``) ends the command quietly with status 1.
    """
    try:
        with one_line_warnings(), stop_signals():
            status = _main(argv)
            sys.stdout.flush()
        return status
    except BrokenPipeError:
        quiet_stdout()
        return 1


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] not in COMMANDS and not args_list[0].startswith("-"):
        args_list.insert(0, "run")
    args: argparse.Namespace | None = None
    try:
        args = build_parser().parse_args(args_list)
        args.argv = args_list
        if args.command == "schema":
            from simulator.scenario.schema import json_schema

            print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
            return 0
        if args.command == "validate":
            return _cmd_validate(args)
        if args.command in APP_COMMANDS:
            return run_app(args)
        check_dask_option(args)
        console = terminal()
        if args.command in STUDY_COMMANDS:
            return run_study(args, console)
        if args.command in COMPARE_COMMANDS:
            return run_compare(args, console)
        if args.command in REPORT_COMMANDS:
            return run_report(args, console)
        return _cmd_run(args, console)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ScenarioError as exc:
        report(exc.issues, args)
        return 2
    except (ExecutorError, CacheError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"{_STOPPED[exc.status]}: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM before any result file was started
        cached = not getattr(args, "no_cache", False)
        status = interrupt_status(exc)
        message = f"no result files were written for this command; {resume_note(cached)}"
        print(f"{_STOPPED[status]}: {message}", file=sys.stderr)
        return status
