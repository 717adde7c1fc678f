"""The charts and the report that ``run`` and ``compare`` write into their result folder by default.

After the result files are written, ``charts/`` gets the standard charts (PNG at 200 dpi and
SVG: :func:`simulator.report.plots.standard_charts` for a run, :func:`simulator.report.plots.comparison_charts`
for a comparison) and ``report.html`` the English decision report of the folder, both built
from the saved files like the ``report`` command (the report embeds the PNGs of ``charts/``
rather than drawing them again). ``--no-report`` skips both. They are not
listed in ``manifest.json``: they are derived from the files it lists. Plotting and reporting
modules are imported only here, when they are needed.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.cli.common import Interrupted, plain
from simulator.cli.signals import interrupt_status
from simulator.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from rich.console import Console


__all__ = ["add_report_option", "charts_not_written", "write_charts_and_report"]


def add_report_option(parser: Any) -> None:
    """Add ``--no-report`` to a ``run`` or ``compare`` parser."""
    parser.add_argument(
        "--no-report",
        action="store_true",
        help="do not write the standard charts (charts/) and report.html into the result folder",
    )


def charts_not_written(folder: Path) -> str:
    """The end of the message of a command interrupted after its result files, before its charts."""
    return f", but the charts and report were not written (run_scenario.py report {folder} writes the report)"


def write_charts_and_report(folder: Path, console: Console, args: argparse.Namespace, compare: bool = False) -> int:
    """Write ``folder/charts/`` and ``folder/report.html`` unless ``--no-report``; returns the exit status.

    The results are already saved, so a failure here is reported (``error:`` on stderr) with
    exit status 1 instead of a traceback, and nothing else is undone.
    """
    if getattr(args, "no_report", False):
        return 0
    from simulator.experiments.folders import RunFolder
    from simulator.report.build import write_report
    from simulator.report.charts import saved_charts
    from simulator.report.plots import comparison_charts, standard_charts

    charts = folder / "charts"
    try:
        status = contextlib.nullcontext() if args.quiet else console.status("writing the charts and the report")
        with status:
            if compare:
                saved = saved_charts(comparison_charts(folder, charts))
            else:
                saved = saved_charts(standard_charts(RunFolder.load(folder), charts), run=folder)
            (report,) = write_report([folder], folder / "report.html", saved_charts=saved)
    except KeyboardInterrupt as exc:
        message = f"the results are complete in {folder}{charts_not_written(folder)}"
        raise Interrupted(message, interrupt_status(exc)) from None
    except (OSError, ScenarioError, ValueError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"error: the results are in {folder}, but the charts and report failed: {detail}", file=sys.stderr)
        return 1
    if not args.quiet:
        console.print(f"charts in [bold]{plain(charts)}[/bold]; report [bold]{plain(report)}[/bold]")
    return 0
