"""The web app for planners: a Streamlit face on the scenario files, the command line and the result folders.

It holds no model logic. Scenarios are read and validated by :mod:`simulator.levers.load`
(the CLI's loader and limits); runs, comparisons and capacity searches are the CLI's own
commands, started as background processes (:mod:`simulator.app.jobs`), so they land in the
same result folders with the same manifest; pages read those folders like the report does.
An import-linter contract keeps SimPy and the engine out of this package.
Start it with ``python run_scenario.py app`` (``docs/app.md``).
"""
