"""Errors of the experiment layer that the command line reports in one line (exit status 2)."""

from __future__ import annotations

__all__ = ["CacheError", "ExecutorError"]


class ExecutorError(Exception):
    """The executor could not be started or failed (an unreachable Dask scheduler, a dead worker)."""


class CacheError(Exception):
    """The replication cache folder cannot be used (not writable, disk full)."""
