"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

An executor maps a top-level, pure function over tasks and yields ``(index, result)`` as
tasks finish. Callers put results back in task order, so every executor gives identical
results; only the wall time differs.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from simulator.experiments.errors import ExecutorError

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
    """Run tasks in ``jobs`` local worker processes (``concurrent.futures``)."""

    shares_disk = True

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be >= 1, got {jobs}")
        self.jobs = jobs
        self._pool: cf.ProcessPoolExecutor | None = None

    def imap(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(max_workers=self.jobs)
        futures = {self._pool.submit(fn, task): i for i, task in enumerate(tasks)}
        try:
            for future in cf.as_completed(futures):
                yield futures[future], future.result()
        except cf.process.BrokenProcessPool:
            self.close()
            raise ExecutorError(
                "a worker process died (killed or out of memory); finished replications are kept in the cache, "
                "so running the command again resumes where it stopped"
            ) from None
        except BaseException:
            for future in futures:
                future.cancel()
            self.close(terminate=True)
            raise

    def close(self, terminate: bool = False) -> None:
        """Shut the pool down; ``terminate`` also stops replications still running (on Ctrl-C)."""
        if self._pool is not None:
            workers = list(getattr(self._pool, "_processes", {}).values()) if terminate else []
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in workers:
                process.terminate()
            self._pool = None


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
    """

    def __init__(self, address: str, workers: int = 2, timeout_s: float = 20.0) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise ExecutorError(
                "Dask is not installed: pip install 'border-gate-sim[distributed]' (or dask[distributed])"
            ) from None
        self._cluster = None
        self.client: Any = None
        self.shares_disk = address == "local"
        try:
            if address == "local":
                self._cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
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
        except BaseException:
            self.client.cancel(futures)
            raise

    def close(self) -> None:
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


def make_executor(jobs: int = 1, dask: str | None = None) -> Executor:
    """The executor for ``--jobs`` and ``--dask``: Dask when an address is given, else processes or serial."""
    if dask:
        check_dask_address(dask)
        return DaskExecutor(dask, workers=max(jobs, 1) if dask == "local" else 1)
    return SerialExecutor() if jobs == 1 else ProcessExecutor(jobs)
