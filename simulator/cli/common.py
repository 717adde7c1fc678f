"""Pieces shared by the command-line modules: argument types, executor and cache options, output."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.scenario.errors import Issue, ScenarioError

if TYPE_CHECKING:
    from rich.console import Console

    from simulator.experiments.cache import ReplicationCache
    from simulator.experiments.executors import Executor
    from simulator.experiments.progress import Reporter

__all__ = [
    "Interrupted",
    "UsageError",
    "folder_written_whole",
    "resume_note",
    "add_execution_options",
    "add_format_option",
    "add_output_options",
    "add_precision_options",
    "cache_from_args",
    "check_dask_option",
    "executor_from_args",
    "fmt",
    "fraction",
    "terminal",
    "one_line_warnings",
    "out_folder",
    "plain",
    "positive",
    "progress_bar",
    "quiet_stdout",
    "report",
    "scenario_overrides",
    "seed_value",
]


def terminal() -> Console:
    """The rich console the commands print to: the terminal's width, or ``$COLUMNS``, or 80 columns
    when the output is not a terminal (tables split to fit, :mod:`simulator.cli.tables`); made only by
    the commands that need it, so ``validate`` and ``schema`` never load rich."""
    from rich.console import Console

    return Console(highlight=False)


class UsageError(Exception):
    """A bad command-line argument (exit 2)."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM while a command ran, with what it left on disk (the message says which).

    ``status`` is the exit status: 130 for Ctrl-C, 143 for SIGTERM.
    """

    def __init__(self, message: str, status: int = 130) -> None:
        super().__init__(message)
        self.status = status


def resume_note(cached: bool) -> str:
    """What running the command again will redo."""
    if cached:
        return "finished replications are in the cache, so running it again resumes where it stopped"
    return "nothing was cached (--no-cache), so running it again starts over"


@contextlib.contextmanager
def folder_written_whole(out: Path, overwrite: bool, cached: bool, after: str = "") -> Iterator[Path]:
    """Yield a staging folder that becomes ``out`` whole at the end; on Ctrl-C or SIGTERM raise :class:`Interrupted`.

    Interrupted while the body writes, the staging folder is removed and ``out`` is left as it
    was. A signal that arrives while the finished folder is moved into place is held until it
    is there, and the message then says the results are complete; ``after`` names what the
    command did not get to do next (e.g. the charts).
    """
    from simulator.cli.signals import held, interrupt_status, released
    from simulator.experiments.writing import staged_folder

    try:
        with held() as hold, staged_folder(out, overwrite) as staging, released():
            yield staging
    except KeyboardInterrupt as exc:
        message = f"no result folder was written ({out} is as it was); {resume_note(cached)}"
        raise Interrupted(message, interrupt_status(exc)) from None
    if hold.signal is not None:
        raise Interrupted(f"the results are complete in {out}{after}", hold.status)


class Parser(argparse.ArgumentParser):
    """An argument parser that raises :class:`UsageError` instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _whole(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
    return value


def positive(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _whole(text, 1)


def seed_value(text: str) -> int:
    """argparse type: an integer >= 0."""
    return _whole(text, 0)


def fraction(text: str) -> float:
    """argparse type: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1 (exclusive), got {text}")
    return value


def scenario_overrides(args: argparse.Namespace, path: str | None = None) -> list[str]:
    """``--set`` values plus the ``--days``, ``--replications`` and ``--seed`` shorthands.

    Given the scenario's ``path``, the testing caps of :mod:`simulator.cli.limits` are applied too.
    """
    sets = list(args.set)
    for flag, key in _SHORTHANDS:
        if getattr(args, flag, None) is not None:
            sets.append(f"{key}={getattr(args, flag)}")
    if path is None:
        return sets
    from simulator.cli.limits import capped_overrides

    return capped_overrides(path, sets)


def add_execution_options(parser: argparse.ArgumentParser) -> None:
    """``--jobs``, ``--dask``, ``--dask-dashboard``, ``--no-cache`` and ``--cache-dir``."""
    parser.add_argument(
        "--jobs",
        type=positive,
        help="worker processes, local or of --dask local (default 1; with --dask local, all cores)",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on Dask: 'local' starts a LocalCluster of --jobs workers, or tcp://HOST:PORT of a scheduler",
    )
    parser.add_argument(
        "--dask-dashboard",
        action="store_true",
        help="with --dask local, serve the Dask dashboard (on :8787, or a free port; needs bokeh); off by default",
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the replication cache")
    parser.add_argument(
        "--cache-dir", type=Path, help="replication cache folder (default $BORDER_SIM_CACHE, else .sim-cache)"
    )


def add_precision_options(parser: argparse.ArgumentParser, kpi_help: str) -> None:
    """``--precision REL``, ``--precision-kpi [SCOPE:KEY:]KPI`` and ``--max-replications N``
    (read by :func:`simulator.cli.precision.goal_from_args`)."""
    parser.add_argument(
        "--precision",
        type=fraction,
        metavar="REL",
        help="add replications in batches until the 95%% CI half-width of the key KPI is within REL of its mean",
    )
    parser.add_argument("--precision-kpi", metavar="[SCOPE:KEY:]KPI", help=f"the key KPI of --precision ({kpi_help})")
    parser.add_argument(
        "--max-replications", type=positive, metavar="N", help="at most N replications with --precision (default 50)"
    )


def executor_from_args(args: argparse.Namespace) -> Executor:
    """The executor the options ask for (raises on an unreachable Dask scheduler); sets ``args.jobs``.

    With ``--dask-dashboard`` the local cluster's dashboard address is printed (unless ``--quiet``).
    """
    if args.jobs is None:
        args.jobs = (os.cpu_count() or 1) if args.dask == "local" else 1
    if args.dask_dashboard and args.dask != "local":
        raise UsageError("--dask-dashboard: only with --dask local (a scheduler you started serves its own dashboard)")
    from simulator.experiments.errors import ExecutorError
    from simulator.experiments.executors import make_executor

    try:
        executor = make_executor(args.jobs, args.dask, dashboard=args.dask_dashboard)
    except ExecutorError as exc:
        if not args.dask:
            raise
        raise ScenarioError([Issue("--dask", None, args.dask, str(exc))]) from None
    link = getattr(executor, "dashboard_link", None)
    if link and not getattr(args, "quiet", False):
        print(f"Dask dashboard: {link}")
    return executor


def check_dask_option(args: argparse.Namespace) -> None:
    """Refuse a malformed ``--dask`` address before any work (the scheduler is reached later)."""
    if getattr(args, "dask", None):
        from simulator.experiments.errors import ExecutorError
        from simulator.experiments.executors import check_dask_address

        try:
            check_dask_address(args.dask)
        except ExecutorError as exc:
            raise ScenarioError([Issue("--dask", None, args.dask, str(exc))]) from None


def cache_from_args(args: argparse.Namespace) -> ReplicationCache | None:
    """The replication cache, checked writable, or None with ``--no-cache``."""
    if args.no_cache:
        return None
    from simulator.experiments.cache import CacheError, ReplicationCache, default_cache_dir

    cache = ReplicationCache(args.cache_dir or default_cache_dir())
    try:
        cache.check_writable()
    except CacheError as exc:
        raise ScenarioError([Issue("--cache-dir", None, str(cache.path), f"{exc} (or use --no-cache)")]) from None
    return cache


def add_output_options(parser: argparse.ArgumentParser, default: str) -> None:
    """``--out``, ``--overwrite`` and ``--quiet`` of a command that writes a result folder."""
    parser.add_argument("--out", type=Path, help=f"result folder (default {default})")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing, non-empty --out folder whole")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")


def add_format_option(parser: argparse.ArgumentParser) -> None:
    """``--format``: how the time series and the event log are written."""
    parser.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="timeseries.parquet and trucks.parquet (default), or timeseries.csv and trucks.csv.gz",
    )


def out_folder(requested: Path | None, kind: str, name: str, overwrite: bool = False) -> Path:
    """The result folder: ``requested`` or ``results/<name>/<kind>-<UTC time>/``, checked before any work.

    It is not created here: the results are written into a staging folder beside it and moved
    into place whole. A non-empty folder is refused unless ``overwrite``; its parent must be
    writable.
    """
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = requested or Path("results") / name / (stamp if kind == "run" else f"{kind}-{stamp}")

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Issue("--out", None, str(folder), message)])

    if folder.exists() and not folder.is_dir():
        raise refuse("is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not overwrite:
        raise refuse("is not empty: give --overwrite to replace it whole, or choose another --out")
    parent = folder.parent
    blocker = next((p for p in (parent, *parent.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise refuse(f"cannot create the result folder: {blocker} is a file")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        probe = Path(tempfile.mkdtemp(prefix=".write-probe-", dir=parent))
        probe.rmdir()
    except OSError as exc:
        raise refuse(f"cannot create the result folder in {parent}: {exc.strerror or exc}") from None
    return folder


@contextlib.contextmanager
def progress_bar(console: Console, quiet: bool, label: str, total: int) -> Iterator[Reporter]:
    """A transient progress bar: replications completed/total, share done, elapsed time and ETA.

    Yields a :class:`~simulator.experiments.progress.Reporter`, so the bar also moves while
    replications run (every second, from their simulated time), not only when one finishes.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from simulator.experiments.progress import Reporter

    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task(label, total=total)

        progress_file = os.environ.get(PROGRESS_FILE_ENV)

        def update(done: float, of: int) -> None:
            bar.update(task, completed=done, total=of)
            if progress_file:
                _write_progress(progress_file, label, done, of)

        yield Reporter(update, every_s=1.0)


#: Environment variable naming a JSON file that the progress bars also write (the web app's jobs read it).
PROGRESS_FILE_ENV = "BORDER_SIM_PROGRESS_FILE"


def _write_progress(path: str, label: str, done: float, total: int) -> None:
    """Rewrite ``path`` atomically with ``{"label", "done", "total"}``; a failure never stops the run."""
    temporary = f"{path}.tmp"
    with contextlib.suppress(OSError):
        Path(temporary).write_text(json.dumps({"label": label, "done": done, "total": total}), encoding="utf-8")
        os.replace(temporary, path)


def plain(value: Any) -> str:
    """``value`` as text for a rich markup string: names and paths are data, never markup."""
    from rich.markup import escape

    return escape(str(value))


def fmt(value: float, pattern: str) -> str:
    """Format a number, or a dash for NaN."""
    return "–" if value != value else pattern.format(value)


@contextlib.contextmanager
def one_line_warnings() -> Iterator[None]:
    """Show warnings (a damaged cache entry being recomputed) as one ``warning:`` line on stderr."""

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
        print(f"warning: {message}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = show
        yield


_SHORTHANDS = (("days", "run.days"), ("replications", "run.replications"), ("seed", "run.seed"))


def report(issues: Sequence[Issue], args: argparse.Namespace | None = None) -> None:
    """Print input problems to standard error, one line each.

    A problem with a value given by ``--days``, ``--replications`` or ``--seed`` names that
    option (they are applied as ``--set run.days=N`` and so on, see :func:`scenario_overrides`).
    """
    labels = {}
    for flag, key in _SHORTHANDS:
        value = getattr(args, flag, None)
        if value is not None and f"{key}={value}" not in getattr(args, "set", ()):
            labels[f"--set {key}={value}"] = f"--{flag.replace('_', '-')} {value}"
    for issue in issues:
        if issue.file in labels:
            issue = dataclasses.replace(issue, file=labels[issue.file])
        print(f"error: {issue}", file=sys.stderr)


def quiet_stdout() -> None:
    """Point standard output at the null device, so that a closed pipe (``| head``) raises no more."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
