"""What a local worker process does first: leave interrupts to its parent, and die with it.

:func:`guard_worker` is the initializer of the worker processes of
:class:`~simulator.experiments.executors.ProcessExecutor`; it runs in each worker, never in
the parent, and importing this module changes nothing. A worker

- ignores SIGINT: a Ctrl-C in a terminal reaches the whole process group, and it is the
  parent that stops the pool (cancelling pending tasks, killing running workers), so workers
  never print a ``KeyboardInterrupt`` traceback of their own;
- takes the default action on SIGTERM (it ends), whatever handler it inherited by ``fork``;
- exits by itself when its parent dies, even by SIGKILL: on Linux the kernel sends it SIGKILL
  (``prctl(PR_SET_PDEATHSIG)``), and everywhere a daemon thread compares ``os.getppid()``
  with the parent's pid every :data:`POLL_S` seconds and calls ``os._exit`` when they differ.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

__all__ = ["POLL_S", "guard_worker", "watch_parent"]

POLL_S = 1.0  # seconds between two checks of the parent's pid
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_ORPHANED = 70  # exit status of a worker whose parent died (EX_SOFTWARE)


def guard_worker(parent_pid: int) -> None:
    """Initializer of a worker process started by the process ``parent_pid``.

    Parameters
    ----------
    parent_pid : int
        ``os.getpid()`` of the parent, taken in the parent before the pool starts.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    watch_parent(parent_pid)


def _die_with_parent() -> None:
    """Ask the Linux kernel to SIGKILL this process when its parent ends (nothing elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def watch_parent(parent_pid: int, poll_s: float = POLL_S) -> threading.Thread:
    """Start a daemon thread that ends this process (``os._exit``) once ``parent_pid`` is no longer its parent.

    Checked at once (the parent may have died before this call) and then every ``poll_s`` seconds.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_s)
        os._exit(_ORPHANED)

    thread = threading.Thread(target=watch, name="border-sim-parent-watch", daemon=True)
    thread.start()
    return thread
