"""Errors of the experiment layer that the command line reports in one line (exit status 2)."""

from __future__ import annotations

__all__ = ["ExecutorError"]


class ExecutorError(Exception):
    """The executor could not be started or failed (an unreachable Dask scheduler, a dead worker)."""
