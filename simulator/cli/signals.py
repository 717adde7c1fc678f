"""Ctrl-C and SIGTERM while a command runs: stop at once, say what was left on disk, exit 130 or 143.

:func:`stop_signals` is entered by :func:`simulator.cli.main` only (never at import time, never by
the library): while it is active, SIGINT raises ``KeyboardInterrupt`` and SIGTERM raises
:class:`Terminated` (a ``KeyboardInterrupt`` too, so every ``except KeyboardInterrupt`` that turns an
interrupt into a message handles both); the previous handlers are restored at the end. A second
signal while the command is already stopping ends the process at once (``os._exit``) with the
same status.

While a result folder is moved into place (:func:`held`), a signal is held until the folder is
whole, so the command can say truthfully that the complete folder was written.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType

__all__ = ["Terminated", "held", "interrupt_status", "released", "stop_signals"]

_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal number, as shells report it


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived while a command ran (exit 143)."""


def interrupt_status(exc: BaseException) -> int:
    """The exit status of an interrupt: 143 for SIGTERM, 130 for Ctrl-C."""
    return 143 if isinstance(exc, Terminated) else 130


@dataclass
class _State:
    active: bool = False  # handlers installed by stop_signals
    holding: bool = False  # inside held() and not inside released()
    pending: int | None = None  # a signal that arrived while holding
    stopping: int | None = None  # the signal the command is stopping for

    def reset(self, active: bool = False) -> None:
        """Forget every signal seen; ``active`` says whether the handlers are installed."""
        self.active, self.holding, self.pending, self.stopping = active, False, None, None


_state = _State()


def _raise(signum: int) -> None:
    _state.stopping = signum
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _handler(signum: int, frame: FrameType | None) -> None:
    if _state.stopping is not None or _state.pending is not None:
        os._exit(_STATUS.get(signal.Signals(signum), 128 + signum))  # asked twice: stop now
    if _state.holding:
        _state.pending = signum
        return
    _raise(signum)


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into exceptions for the length of a command (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or _state.active:
        yield
        return
    previous = {s: signal.signal(s, _handler) for s in _STATUS}
    _state.reset(active=True)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _state.reset()


@dataclass
class Hold:
    """What :func:`held` saw: the signal that arrived while it held them, if any."""

    signal: int | None = None

    @property
    def status(self) -> int:
        """The exit status the held signal asks for."""
        return _STATUS.get(signal.Signals(self.signal), 130) if self.signal is not None else 0


@contextlib.contextmanager
def held() -> Iterator[Hold]:
    """Hold SIGINT and SIGTERM until the block ends; the yielded :class:`Hold` says which arrived.

    The block is not interrupted: the caller decides what to do once it is over.
    """
    hold = Hold()
    outer = _state.holding
    _state.holding = True
    try:
        yield hold
    finally:
        _state.holding = outer
        if not outer and _state.pending is not None:
            hold.signal, _state.pending = _state.pending, None
            _state.stopping = hold.signal


@contextlib.contextmanager
def released() -> Iterator[None]:
    """Inside :func:`held`, let signals interrupt again (one held so far is raised at once)."""
    outer = _state.holding
    _state.holding = False
    try:
        if _state.pending is not None:
            signum, _state.pending = _state.pending, None
            _raise(signum)
        yield
    finally:
        _state.holding = outer
