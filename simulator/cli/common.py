"""Pieces shared by the command-line modules: argument types, executor and cache options, output."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
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
    "cache_from_args",
    "executor_from_args",
    "fmt",
    "terminal",
    "one_line_warnings",
    "out_folder",
    "positive",
    "progress_bar",
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
    """Ctrl-C while a command ran, with what it left on disk (the message says which)."""


def resume_note(cached: bool) -> str:
    """What running the command again will redo."""
    if cached:
        return "finished replications are in the cache, so running it again resumes where it stopped"
    return "nothing was cached (--no-cache), so running it again starts over"


@contextlib.contextmanager
def folder_written_whole(out: Path, overwrite: bool, cached: bool) -> Iterator[Path]:
    """Yield a staging folder that becomes ``out`` whole at the end; on Ctrl-C raise :class:`Interrupted`.

    Interrupted, the staging folder is removed and ``out`` is left as it was, and the message
    says so.
    """
    from simulator.experiments.writing import staged_folder

    try:
        with staged_folder(out, overwrite) as staging:
            yield staging
    except KeyboardInterrupt:
        raise Interrupted(f"no result folder was written ({out} is as it was); {resume_note(cached)}") from None


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


def scenario_overrides(args: argparse.Namespace, path: str | None = None) -> list[str]:
    """``--set`` values plus the ``--days``, ``--replications`` and ``--seed`` shorthands.

    Given the scenario's ``path``, the testing caps of :mod:`simulator.cli.limits` are applied too.
    """
    sets = list(args.set)
    for flag, key in (("days", "run.days"), ("replications", "run.replications"), ("seed", "run.seed")):
        if getattr(args, flag, None) is not None:
            sets.append(f"{key}={getattr(args, flag)}")
    if path is None:
        return sets
    from simulator.cli.limits import capped_overrides

    return capped_overrides(path, sets)


def add_execution_options(parser: argparse.ArgumentParser) -> None:
    """``--jobs``, ``--dask``, ``--no-cache`` and ``--cache-dir``."""
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
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the replication cache")
    parser.add_argument(
        "--cache-dir", type=Path, help="replication cache folder (default $BORDER_SIM_CACHE, else .sim-cache)"
    )


def executor_from_args(args: argparse.Namespace) -> Executor:
    """The executor the options ask for (raises on an unreachable Dask scheduler); sets ``args.jobs``."""
    if args.jobs is None:
        args.jobs = (os.cpu_count() or 1) if args.dask == "local" else 1
    from simulator.experiments.executors import make_executor

    return make_executor(args.jobs, args.dask)


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

        def update(done: float, of: int) -> None:
            bar.update(task, completed=done, total=of)

        yield Reporter(update, every_s=1.0)


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


def report(issues: Sequence[Issue]) -> None:
    """Print input problems to standard error."""
    for issue in issues:
        print(f"error: {issue}", file=sys.stderr)
