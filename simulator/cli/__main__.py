"""``python -m simulator.cli ...``: the same command line as ``run_scenario.py`` (the web app starts its jobs so)."""

import sys

from simulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
