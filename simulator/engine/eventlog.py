"""The event log: what happened in one replication, handed over a window at a time.

The truck processes append *events* to typed ``array.array`` buffers as they happen: a visit
row opens (the truck joins a queue), starts (it is served, or enters a yard) and ends (it
leaves the server or the yard); a truck arrives, is diverted, and exits. Row ids count the
opened rows, truck ids the arrivals. At every window boundary (every simulated week, :data:`WINDOW_MIN`) the model
hands the window's events to its observers as numpy arrays (:class:`WindowEvents`) and
empties the buffers, so the memory the log holds does not grow with the horizon: the
analysis reduces each window as it comes (:mod:`simulator.analysis.reducer`), a log writer
streams finished rows to a file, and :class:`Collector` keeps everything when a caller asks
for the whole record (:func:`simulator.engine.model.simulate`).

Windows are half-open, ``[start, end)``: an event at exactly ``end`` belongs to the next
window, so a window's events are all in the past when it is handed over, whatever the order
of simultaneous events in SimPy. Within a window, events are in the order they happened;
consumers that need an order independent of SimPy's sort them by time and id.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

__all__ = ["DEMAND_COLUMNS", "WINDOW_MIN", "Collector", "EventBuffer", "Observer", "VisitLog", "WindowEvents"]

WINDOW_MIN = 7 * 1440.0  # the model hands its events over a simulated week at a time


@dataclass(frozen=True)
class WindowEvents:
    """The events of one window ``[start, end)`` of model minutes, as numpy arrays.

    Attributes
    ----------
    start, end : float
        The window, in model minutes.
    open_row, open_truck, open_stage, open_t : numpy.ndarray
        Rows opened: row id, truck id, resource index, queue-entry time.
    start_row, start_t, end_row, end_t : numpy.ndarray
        Rows that started and ended service (a yard: entry and release).
    arrive_truck, arrive_flow, arrive_origin, arrive_class, arrive_t : numpy.ndarray
        Trucks that arrived: id, the flow that serves them, the flow they first came to when
        they were diverted on arrival (-1: not diverted), cargo class and arrival time.
    arrive_channel, arrive_mode, arrive_vehicle : numpy.ndarray
        Their customs channel and hand-over mode (-1: none) and vehicle type, drawn on arrival.
    arrive_fee_infrastructure, arrive_fee_transloading : numpy.ndarray
        Their fees (known on arrival: the gate, class, mode and vehicle decide them).
    exit_truck, exit_t : numpy.ndarray
        Trucks that left the system (a truck that reneged too, at the time it reneged).
    renege_truck, renege_row, renege_t : numpy.ndarray
        Trucks that reneged: id, the visit row they left the queue of, and when. That row also
        starts and ends at that time, so queue levels stay right.
    demand_t, demand_flow, demand_class, demand_what : numpy.ndarray
        Dispatch decisions of reacting demand: when, flow, class and what (0 balked, 1 deferred
        or held, 2 lost; :mod:`simulator.engine.demand`).
    suspend_t, suspend_gate, suspend_rule, suspend_on : numpy.ndarray
        Dispatch suspensions starting (``suspend_on`` 1) or ending (0): gate and rule index.
    """

    start: float
    end: float
    open_row: np.ndarray
    open_truck: np.ndarray
    open_stage: np.ndarray
    open_t: np.ndarray
    start_row: np.ndarray
    start_t: np.ndarray
    end_row: np.ndarray
    end_t: np.ndarray
    arrive_truck: np.ndarray
    arrive_flow: np.ndarray
    arrive_origin: np.ndarray
    arrive_class: np.ndarray
    arrive_t: np.ndarray
    arrive_channel: np.ndarray
    arrive_mode: np.ndarray
    arrive_vehicle: np.ndarray
    arrive_fee_infrastructure: np.ndarray
    arrive_fee_transloading: np.ndarray
    exit_truck: np.ndarray
    exit_t: np.ndarray
    renege_truck: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    renege_row: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    renege_t: np.ndarray = field(default_factory=lambda: np.empty(0))
    demand_t: np.ndarray = field(default_factory=lambda: np.empty(0))
    demand_flow: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))
    demand_class: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))
    demand_what: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    suspend_t: np.ndarray = field(default_factory=lambda: np.empty(0))
    suspend_gate: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))
    suspend_rule: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))
    suspend_on: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))


class Observer(Protocol):
    """Receives a replication's events window by window (a reducer, a log writer, a collector)."""

    def window(self, events: WindowEvents) -> None:
        """Take the events of one window; windows come in time order and cover the run."""
        ...


# (name, typecode) of every buffer, grouped by the event they belong to; the first "_t" column is its time
_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "open": (("open_truck", "i"), ("open_stage", "h"), ("open_t", "d")),
    "start": (("start_row", "q"), ("start_t", "d")),
    "end": (("end_row", "q"), ("end_t", "d")),
    "arrive": (("arrive_ref", "q"), ("arrive_t", "d")),  # the truck's block and position in it
    "divert": (
        ("divert_truck", "i"),
        ("divert_t", "d"),
        ("divert_flow", "h"),
        ("divert_channel", "b"),
        ("divert_mode", "b"),
    ),
    "exit": (("exit_truck", "i"), ("exit_t", "d")),
    # reacting demand (simulator.engine.demand): empty unless a gate has a demand: block
    "renege": (("renege_truck", "i"), ("renege_row", "q"), ("renege_t", "d")),
    "demand": (("demand_t", "d"), ("demand_flow", "h"), ("demand_class", "h"), ("demand_what", "b")),
    "suspend": (("suspend_t", "d"), ("suspend_gate", "h"), ("suspend_rule", "h"), ("suspend_on", "b")),
}
#: The columns of reacting demand in :class:`WindowEvents` (all empty without a demand: block).
DEMAND_COLUMNS = tuple(name for g in ("renege", "demand", "suspend") for name, _ in _GROUPS[g])
_NUMPY = {"i": np.int32, "h": np.int16, "d": np.float64, "q": np.int64, "b": np.int8}


class EventBuffer:
    """Append-only buffers of the current window, filled by the truck processes.

    The buffers are plain ``array.array`` objects whose bound ``append`` methods the hot path
    keeps as locals; :meth:`take` copies a window out and deletes it from the buffers in
    place, so those bound methods stay valid for the whole run. Events are appended in
    time order (the simulation clock never goes back), so a window is a prefix of every buffer.
    """

    def __init__(self) -> None:
        self.arrays: dict[str, array] = {name: array(code) for group in _GROUPS.values() for name, code in group}
        self.rows = 0  # rows opened in earlier windows
        self.trucks = 0  # trucks arrived in earlier windows
        self.trucks_before = 0  # trucks arrived before the window last taken

    def appender(self, name: str) -> Callable[[Any], None]:
        """The bound ``append`` of buffer ``name``, for the hot path."""
        return self.arrays[name].append

    def take(self, end: float) -> dict[str, np.ndarray]:
        """Copy out and remove every event with time < ``end``; later ones stay for the next window.

        Returns the columns of :class:`WindowEvents` (without ``start`` and ``end``), with the
        row ids of the opened rows and the truck ids of the arrivals counted from the run's start.
        """
        cols: dict[str, np.ndarray] = {}
        for group, names in _GROUPS.items():
            times = self.arrays[f"{group}_t"]
            cut = _count_before(times, end)
            for name, code in names:
                buffer = self.arrays[name]
                cols[name] = np.array(buffer[:cut], dtype=_NUMPY[code])
                del buffer[:cut]
        cols["open_row"] = self.rows + np.arange(len(cols["open_t"]), dtype=np.int64)
        cols["arrive_truck"] = self.trucks + np.arange(len(cols["arrive_t"]), dtype=np.int32)
        self.trucks_before = self.trucks
        self.rows += len(cols["open_t"])
        self.trucks += len(cols["arrive_t"])
        return cols


def _count_before(times: array, end: float) -> int:
    """How many leading values of the (nondecreasing) ``times`` are below ``end``."""
    n = len(times)
    while n and times[n - 1] >= end:
        n -= 1
    return n


@dataclass(frozen=True)
class VisitLog:
    """Frozen visit log: one row per truck and stage visit, times in minutes (NaN: not yet).

    A row with an end and no start is a truck that reneged from that queue at its end time.
    """

    truck: np.ndarray
    stage: np.ndarray
    t_queue: np.ndarray
    t_start: np.ndarray
    t_end: np.ndarray

    def select(self, mask: np.ndarray) -> VisitLog:
        """Rows where ``mask`` is true."""
        return VisitLog(self.truck[mask], self.stage[mask], self.t_queue[mask], self.t_start[mask], self.t_end[mask])

    @property
    def nbytes(self) -> int:
        """Memory held by the columns."""
        return sum(a.nbytes for a in (self.truck, self.stage, self.t_queue, self.t_start, self.t_end))


@dataclass
class Collector:
    """An observer that keeps every event, to assemble the whole record of a run at its end."""

    parts: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def window(self, events: WindowEvents) -> None:
        """Keep the window's events."""
        for name in WindowEvents.__dataclass_fields__:
            if name not in ("start", "end"):
                self.parts.setdefault(name, []).append(getattr(events, name))

    def column(self, name: str) -> np.ndarray:
        """Every window's values of one event column, in order."""
        parts = self.parts.get(name, [])
        return np.concatenate(parts) if parts else np.empty(0)

    def visits(self) -> VisitLog:
        """The visit log: one row per opened row, in row order."""
        rows = self.column("open_row").astype(np.int64)
        n = len(rows)
        t_start = np.full(n, np.nan)
        t_end = np.full(n, np.nan)
        t_start[self.column("start_row").astype(np.int64)] = self.column("start_t")
        t_end[self.column("end_row").astype(np.int64)] = self.column("end_t")
        t_start[self.column("renege_row").astype(np.int64)] = np.nan  # left the queue unserved
        return VisitLog(
            truck=self.column("open_truck").astype(np.int32),
            stage=self.column("open_stage").astype(np.int16),
            t_queue=self.column("open_t").astype(np.float64),
            t_start=t_start,
            t_end=t_end,
        )

    def trucks(self) -> dict[str, np.ndarray]:
        """Per-truck columns in truck order (exit NaN when the truck was still in the system)."""
        n = len(self.column("arrive_t"))
        t_exit = np.full(n, np.nan)
        t_exit[self.column("exit_truck").astype(np.int64)] = self.column("exit_t")
        return {
            "truck_flow": self.column("arrive_flow").astype(np.int16),
            "truck_origin_flow": self.column("arrive_origin").astype(np.int16),
            "truck_class": self.column("arrive_class").astype(np.int16),
            "truck_channel": self.column("arrive_channel").astype(np.int8),
            "truck_mode": self.column("arrive_mode").astype(np.int8),
            "truck_fee_infrastructure": self.column("arrive_fee_infrastructure").astype(np.float64),
            "truck_fee_transloading": self.column("arrive_fee_transloading").astype(np.float64),
            "t_arrive": self.column("arrive_t").astype(np.float64),
            "t_exit": t_exit,
        }
