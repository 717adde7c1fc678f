#!/usr/bin/env python3
"""Run, validate or describe border-gate scenarios: ``python run_scenario.py --help``."""

import sys

from simulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
