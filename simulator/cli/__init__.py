"""Layer 7, the command line: argument parsing and printing only, over the public API.

``python run_scenario.py --help`` (or ``border-sim --help``) lists the commands.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    from simulator.cli.commands import main as _main

    return _main(argv)
