"""The ``app`` command: start the planners' web app (``streamlit run`` on ``simulator/app/main.py``).

The app is the layer beside this one; this module only starts it as a subprocess, so the
command line never imports Streamlit, and a missing Streamlit is one line and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from simulator.cli.common import UsageError, positive

__all__ = ["APP_COMMANDS", "ENTRY", "add_app_parser", "app_command", "run_app"]

APP_COMMANDS = ("app",)
#: The app's entry file, found beside this package (not imported: the app is the layer beside the CLI).
ENTRY = Path(__file__).resolve().parents[1] / "app" / "main.py"
INSTALL = "install the app extra: pip install -e '.[app]'"


def add_app_parser(sub: Any) -> None:
    """Add the ``app`` subcommand to the main parser's subparsers."""
    p = sub.add_parser("app", help="start the web app for planners (Streamlit, in a browser)")
    p.add_argument("--port", type=positive, default=8501, help="port to serve on (default 8501)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--results", type=Path, default=Path("results"), help="result folder the app reads and writes")
    p.add_argument("--password-file", type=Path, help="file holding a password asked before any page")


def app_command(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The ``streamlit run`` command line and the environment that starts the app for ``args``."""
    if args.password_file is not None and not args.password_file.is_file():
        raise UsageError(f"--password-file {args.password_file}: file not found")
    command = [sys.executable, "-m", "streamlit", "run", str(ENTRY), "--server.port", str(args.port)]
    command += ["--server.address", args.host, "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    env = dict(os.environ, BORDER_SIM_APP_RESULTS=str(args.results.resolve()))
    if args.password_file is not None:
        env["BORDER_SIM_APP_PASSWORD_FILE"] = str(args.password_file.resolve())
    return command, env


def run_app(args: argparse.Namespace) -> int:
    """Run the app in the foreground until it stops (Ctrl-C); returns its exit status."""
    if importlib.util.find_spec("streamlit") is None or importlib.util.find_spec("plotly") is None:
        raise UsageError(INSTALL)
    command, env = app_command(args)
    args.results.mkdir(parents=True, exist_ok=True)
    print(f"border-sim app on http://{args.host}:{args.port} (results in {args.results}); Ctrl-C stops it")
    sys.stdout.flush()
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0
