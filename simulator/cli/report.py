"""The ``report`` command: one self-contained HTML decision report from saved result folders.

Exit status: 0 written; 2 bad input (unknown language, missing or incomplete folder,
incompatible scenarios, unwritable output), with an ``error:`` line and no traceback; 1 when
``--pdf`` was asked for but no PDF could be made (the HTML is written all the same). The
reporting modules are imported only when the command runs, so other commands start as fast
as before, and none of them imports SimPy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.cli.common import plain

if TYPE_CHECKING:
    from rich.console import Console


__all__ = ["REPORT_COMMANDS", "add_report_parser", "default_out", "run_report"]

REPORT_COMMANDS = ("report",)


def add_report_parser(sub: Any) -> None:
    """Add the ``report`` subcommand to the main parser's subparsers."""
    p = sub.add_parser(
        "report",
        help="write an HTML decision report (en or vi) from saved result folders",
        description="Write a decision report from saved run, compare, capacity and uncertainty folders; page 1 "
        "gives the capacity gate by gate (from a capacity folder), the proposal's claim against it, the key "
        "differences and the money; an uncertainty folder (--uncertainty N) adds the section How sure are we.",
    )
    p.add_argument(
        "folders",
        nargs="+",
        type=Path,
        metavar="RESULT_DIR",
        help="run, compare, capacity or uncertainty result folders (a capacity folder fills page 1's capacity "
        "table; an uncertainty folder adds How sure are we)",
    )
    p.add_argument("--lang", default="en", help="report language: en (default) or vi")
    p.add_argument("--out", type=Path, help="HTML file (default RESULT_DIR/report.html, or report.vi.html for vi)")
    p.add_argument("--pdf", action="store_true", help="also print a PDF next to the HTML (needs headless Chromium)")
    p.add_argument(
        "--allow-mixed",
        action="store_true",
        help="report a capacity folder searched on other scenarios than the runs (a warning says so on page 1)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def default_out(folders: list[Path], lang: str) -> Path:
    """``report.html`` (``report.<lang>.html`` for other languages) in the first folder."""
    return folders[0] / ("report.html" if lang == "en" else f"report.{lang}.html")


def run_report(args: argparse.Namespace, console: Console) -> int:
    """Write the report; returns the exit status (ScenarioError is left to the main command)."""
    from simulator.report.build import PdfUnavailable, write_report
    from simulator.report.i18n import check_lang

    try:
        lang = check_lang(args.lang)
    except ValueError as exc:
        print(f"error: --lang: {exc}", file=sys.stderr)
        return 2
    out = args.out or default_out(args.folders, lang)
    try:
        written = write_report(args.folders, out, lang=lang, pdf=args.pdf, allow_mixed=args.allow_mixed)
    except PdfUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write the report {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        console.print("report written: " + ", ".join(f"[bold]{plain(p)}[/bold]" for p in written))
    return 0
