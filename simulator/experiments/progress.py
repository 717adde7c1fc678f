"""Progress of a batch of replications, counted within replications too.

A plain ``progress(done, total)`` callable hears of each finished replication. Wrapped in a
:class:`Reporter`, it is also called every ``every_s`` seconds while replications run, with
``done`` counting the simulated share of each running one (a replication half-way through
its horizon adds 0.5): a ten-year replication then shows its progress and an ETA long before
it ends. Each running replication reports its simulated time after every simulated week by
rewriting a tiny heartbeat file (:func:`beat`); a thread of the calling process reads them
(:class:`Heartbeats`). This needs the workers to share the caller's disk: in-process, local
worker processes and a ``--dask local`` cluster do; on a remote Dask cluster only finished
replications count.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import tempfile
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Heartbeats", "Reporter", "beat", "beater"]

_FORMAT = "<d"  # the simulated share done, as one little-endian double


@dataclass(frozen=True)
class Reporter:
    """A progress callback that also wants fractional updates within replications.

    Attributes
    ----------
    callback : callable
        ``callback(done, total)``; ``done`` is a float (finished replications plus the
        simulated share of running ones), ``total`` the number of replications.
    every_s : float
        Seconds between updates while replications run.
    """

    callback: Callable[[float, int], None]
    every_s: float = 1.0

    def __call__(self, done: float, total: int) -> None:
        self.callback(done, total)


def beat(path: str, simulated_min: float, horizon_min: float) -> None:
    """Record (atomically) that a replication has simulated ``simulated_min`` of ``horizon_min``."""
    share = min(max(simulated_min / horizon_min, 0.0), 1.0) if horizon_min > 0 else 1.0
    temporary = f"{path}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(struct.pack(_FORMAT, share))
    os.replace(temporary, path)


def beater(path: str | None) -> Callable[[float, float], None] | None:
    """The ``progress(simulated, horizon)`` callback of :meth:`simulator.engine.model.Model.run` for ``path``."""
    if path is None:
        return None

    def record(simulated_min: float, horizon_min: float) -> None:
        with contextlib.suppress(OSError):  # progress is a courtesy: a full disk never stops a run
            beat(path, simulated_min, horizon_min)

    return record


class Heartbeats:
    """The heartbeat files of a batch, and the thread that turns them into progress updates."""

    def __init__(self, reporter: Reporter, total: int) -> None:
        self.reporter, self.total = reporter, total
        self.folder = Path(tempfile.mkdtemp(prefix="border-sim-progress-"))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last = -1.0

    def path(self, index: int) -> str:
        """The heartbeat file of task ``index``."""
        return str(self.folder / f"{index}.beat")

    def share(self, index: int) -> float:
        """The simulated share of task ``index`` (0 before its first heartbeat)."""
        try:
            data = Path(self.path(index)).read_bytes()
            return float(struct.unpack(_FORMAT, data)[0]) if len(data) == struct.calcsize(_FORMAT) else 0.0
        except OSError:
            return 0.0

    def start(self, finished: Collection[int], running: Collection[int]) -> None:
        """Report every ``every_s`` seconds until :meth:`stop`; ``finished`` is read as it grows."""

        def loop() -> None:
            while not self._stop.wait(self.reporter.every_s):
                self.report(len(finished) + sum(self.share(i) for i in running if i not in finished))

        self._thread = threading.Thread(target=loop, name="border-sim-progress", daemon=True)
        self._thread.start()

    def report(self, done: float) -> None:
        """Pass ``done`` on if it is ahead of the last report (the display never goes back)."""
        with self._lock:
            if done > self._last:
                self._last = done
                self.reporter(done, self.total)

    def stop(self) -> None:
        """Stop the thread and remove the heartbeat files."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        shutil.rmtree(self.folder, ignore_errors=True)
