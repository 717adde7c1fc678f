"""Pieces shared by the command-line modules: argument types, executor and cache options, output."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.scenario.errors import Issue, ScenarioError

if TYPE_CHECKING:
    from rich.console import Console

    from simulator.experiments.cache import ReplicationCache
    from simulator.experiments.executors import Executor

__all__ = [
    "UsageError",
    "add_execution_options",
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
    """The rich console the commands print to (160 columns when not a terminal, so logs keep whole
    cells); made only by the commands that need it, so ``validate`` and ``schema`` never load rich."""
    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


class UsageError(Exception):
    """A bad command-line argument (exit 2)."""


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


def scenario_overrides(args: argparse.Namespace) -> list[str]:
    """``--set`` values plus the ``--days``, ``--replications`` and ``--seed`` shorthands."""
    sets = list(args.set)
    for flag, key in (("days", "run.days"), ("replications", "run.replications"), ("seed", "run.seed")):
        if getattr(args, flag, None) is not None:
            sets.append(f"{key}={getattr(args, flag)}")
    return sets


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


def out_folder(requested: Path | None, kind: str, name: str) -> Path:
    """``requested`` or ``results/<name>/<kind>-<UTC time>/``, created and checked writable."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = requested or Path("results") / name / (stamp if kind == "run" else f"{kind}-{stamp}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(
            [Issue("--out", None, str(folder), f"cannot create the result folder: {exc.strerror}")]
        ) from None
    return folder


@contextlib.contextmanager
def progress_bar(console: Console, quiet: bool, label: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """A transient rich progress bar; yields a ``progress(done, total)`` callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, of: int) -> None:
            bar.update(task, completed=done, total=of)

        yield update


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
