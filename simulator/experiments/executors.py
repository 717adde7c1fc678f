"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

An executor maps a top-level, pure function over tasks and yields ``(index, result)`` as
tasks finish. Callers put results back in task order, so every executor gives identical
results; only the wall time differs.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import importlib.util
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from simulator.experiments.errors import ExecutorError
from simulator.experiments.workers import guard_worker

_LOOPBACK_HTTP = {True: "127.0.0.1:8787", False: "127.0.0.1:0"}  # the local scheduler's HTTP server

__all__ = ["DaskExecutor", "Executor", "ExecutorError", "ProcessExecutor", "SerialExecutor", "make_executor"]


class Executor(Protocol):
    """Anything that can run ``fn`` over tasks and report each result as it finishes."""

    def imap(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """Yield ``(task index, fn(task))`` in completion order."""
        ...

    def close(self) -> None:
        """Release workers and connections."""
        ...


class SerialExecutor:
    """Run every task in this process, in order."""

    shares_disk = True  # workers see this machine's files (heartbeats, streamed event logs)

    def imap(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        for i, task in enumerate(tasks):
            yield i, fn(task)

    def close(self) -> None:
        return None


class ProcessExecutor:
    """Run tasks in ``jobs`` local worker processes (``concurrent.futures``).

    The workers ignore SIGINT and exit by themselves if this process dies
    (:func:`simulator.experiments.workers.guard_worker`). If the caller stops reading results
    (Ctrl-C, an error, a signal turned into an exception), pending tasks are cancelled and running
    workers are killed, without waiting for them.
    """

    shares_disk = True

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be >= 1, got {jobs}")
        self.jobs = jobs
        self._pool: cf.ProcessPoolExecutor | None = None
        self._busy = False  # tasks were submitted and not all of their results were read

    def imap(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.jobs, initializer=guard_worker, initargs=(os.getpid(),)
            )
        self._busy = True
        futures = {self._pool.submit(fn, task): i for i, task in enumerate(tasks)}
        try:
            for future in cf.as_completed(futures):
                yield futures[future], future.result()
        except cf.process.BrokenProcessPool:
            self.close(terminate=True)
            raise ExecutorError(
                "a worker process died (killed or out of memory); finished replications are kept in the cache, "
                "so running the command again resumes where it stopped"
            ) from None
        except BaseException:  # Ctrl-C, SIGTERM, an error, or the caller closing the generator
            self.close(terminate=True)
            raise
        self._busy = False

    def close(self, terminate: bool = False) -> None:
        """Shut the pool down; with ``terminate``, or while tasks still run, kill the workers at once."""
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        workers = list((getattr(pool, "_processes", None) or {}).values()) if terminate or self._busy else []
        self._busy = False
        pool.shutdown(wait=not workers, cancel_futures=True)
        for process in workers:
            with contextlib.suppress(OSError, ValueError):
                process.kill()  # SIGKILL: a worker holds nothing of ours that needs cleaning up


class DaskExecutor:
    """Run tasks on a Dask distributed cluster.

    Parameters
    ----------
    address : str
        ``"local"`` starts a ``LocalCluster`` of ``workers`` single-threaded worker
        processes; anything else is a scheduler address such as ``tcp://10.0.0.5:8786``.
    workers : int
        Workers of the local cluster (ignored for a remote scheduler).
    timeout_s : float
        How long to wait for the scheduler before giving up.
    dashboard : bool
        Serve the local cluster's dashboard at ``http://127.0.0.1:8787/status`` (another port if
        8787 is taken; needs bokeh). Off by default: the cluster then listens on free loopback
        ports only.

    Attributes
    ----------
    dashboard_link : str or None
        The dashboard's address, when it was asked for.
    """

    def __init__(self, address: str, workers: int = 2, timeout_s: float = 20.0, dashboard: bool = False) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise ExecutorError(
                "Dask is not installed: pip install 'border-gate-sim[distributed]' (or dask[distributed])"
            ) from None
        if dashboard and importlib.util.find_spec("bokeh") is None:
            raise ExecutorError("the Dask dashboard needs bokeh: pip install 'bokeh>=3.1' (or leave out the dashboard)")
        self._cluster = None
        self.client: Any = None
        self.dashboard_link: str | None = None
        self.shares_disk = address == "local"
        try:
            if address == "local":
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    silence_logs=logging.ERROR,  # for the cluster's lifetime: no warnings when it is stopped
                    # The scheduler always serves HTTP (health, metrics; the dashboard if asked for): on
                    # loopback, at 8787 only for the dashboard, else on a free port, so no fixed port is taken.
                    scheduler_kwargs={"dashboard": dashboard, "dashboard_address": _LOOPBACK_HTTP[dashboard]},
                )
                self.dashboard_link = self._cluster.dashboard_link if dashboard else None
                self.client = Client(self._cluster, timeout=f"{timeout_s}s")
            else:
                self.client = _connect(Client, address, timeout_s)
            self.client.wait_for_workers(1, timeout=timeout_s)
        except Exception as exc:  # refused, timed out, no workers, or a local cluster that cannot start
            self.close()
            raise ExecutorError(f"cannot reach the Dask scheduler at {address} within {timeout_s:g} s: {exc}") from None

    def imap(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        from dask.distributed import as_completed

        futures = self.client.map(fn, list(tasks), pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in as_completed(futures):
                yield index[future.key], future.result()
        except Exception as exc:
            self.client.cancel(futures)
            if type(exc).__module__.startswith(("distributed", "asyncio", "concurrent")) or isinstance(exc, OSError):
                raise ExecutorError(
                    f"the Dask cluster failed ({type(exc).__name__}: {exc}); finished replications are kept in "
                    "the cache, so running the command again resumes where it stopped"
                ) from None
            raise
        except BaseException:  # Ctrl-C or SIGTERM: a local cluster's workers are killed, remote tasks cancelled
            if self._cluster is not None:
                self._kill_local_workers()
            else:
                self.client.cancel(futures)
            raise

    def _kill_local_workers(self) -> None:
        """SIGKILL the worker processes of the local cluster (their nannies would wait 4 s for them)."""
        for nanny in list(getattr(self._cluster, "workers", {}).values()):
            pid = getattr(nanny, "pid", None)
            if pid:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        """Disconnect from the scheduler; stop the local cluster, if this executor started one."""
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _connect(client_type: Any, address: str, timeout_s: float) -> Any:
    """Connect in a helper thread, so a server that accepts but never answers cannot hang the command."""
    box: dict[str, Any] = {}

    def attempt() -> None:
        try:
            box["client"] = client_type(address, timeout=f"{timeout_s}s")
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout_s + 5.0)
    if "client" in box:
        return box["client"]
    if "error" in box:
        raise box["error"]
    raise TimeoutError(f"no Dask handshake from {address} (is it a Dask scheduler port, usually 8786?)")


DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")


def check_dask_address(address: str) -> None:
    """Raise :class:`ExecutorError` unless ``address`` is ``local`` or ``[SCHEME://]HOST:PORT``.

    Checked before anything runs, so a typo is reported at once rather than after a timeout.
    """
    if address == "local":
        return
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    host, colon, port = rest.rpartition(":")
    if scheme not in DASK_SCHEMES:
        raise ExecutorError(f"unknown scheme '{scheme}://'; use 'local' or one of {', '.join(DASK_SCHEMES)}")
    if scheme != "inproc" and (not colon or not host or not port.isdigit() or not 0 < int(port) < 65536):
        raise ExecutorError("expected 'local' or SCHEME://HOST:PORT, e.g. tcp://10.0.0.5:8786")


def make_executor(jobs: int = 1, dask: str | None = None, dashboard: bool = False) -> Executor:
    """The executor for ``--jobs`` and ``--dask``: Dask when an address is given, else processes or serial.

    ``dashboard`` serves the dashboard of a ``--dask local`` cluster (``--dask-dashboard``).
    """
    if dask:
        check_dask_address(dask)
        return DaskExecutor(dask, workers=max(jobs, 1) if dask == "local" else 1, dashboard=dashboard)
    return SerialExecutor() if jobs == 1 else ProcessExecutor(jobs)
