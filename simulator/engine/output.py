"""What one replication is made of (:class:`RunLayout`) and its whole record (:class:`RunOutput`).

The layout is static: gates, flows, classes, the resources trucks visit ("stages", named
``gate.stage`` for officers and partner acceptance, ``gate.yard``, ``gate.stage.lab`` for
lab holds, ``gate.stage.mode`` for hand-over modes and ``gate.scanners``) with their servers,
schedules and kinds, and the run's window. The record adds one row per truck and one per
visit. A :class:`RunOutput` can be replayed as the same windows of events the model hands
to its observers (:meth:`RunOutput.windows`), so anything computed from a stream of windows
can be computed from a saved record too, with the same result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.engine.calendar_rules import disruption_events
from simulator.engine.clock import OpenSchedule
from simulator.engine.eventlog import DEMAND_COLUMNS, WINDOW_MIN, Collector, VisitLog, WindowEvents
from simulator.scenario.types import parse_clock

if TYPE_CHECKING:
    from simulator.engine.plant import Plant
    from simulator.scenario.economics import Economics
    from simulator.scenario.models import Scenario

__all__ = ["RunLayout", "RunOutput", "layout_of"]


@dataclass(frozen=True)
class RunLayout:
    """The static description of one replication's run: what there is, not what happened."""

    scenario: str
    replication: int
    start_date: dt.date
    horizon_min: float
    warmup_min: float
    gate_names: tuple[str, ...]
    gate_road_m: np.ndarray
    flow_names: tuple[str, ...]
    flow_gate: np.ndarray
    flow_direction: tuple[str, ...]
    class_names: tuple[str, ...]
    class_perishable: np.ndarray
    backlog_clock_min: float
    perishable_threshold_h: float
    economics: Economics
    period_days: int
    stage_names: tuple[str, ...]
    stage_gate: np.ndarray
    stage_servers: np.ndarray
    stage_schedules: tuple[OpenSchedule | None, ...]
    stage_kind: tuple[str, ...]
    stage_milestone: tuple[str, ...]
    #: one-off closures and disruptions ``(name, gate index or -1: all, start_min, end_min)``
    #: (:func:`simulator.engine.calendar_rules.disruption_events`), for the recovery KPIs
    events: tuple[tuple[str, int, float, float], ...]


def _in_time_order(mask: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Indices of the ``mask`` rows in the order their times ``t`` happened (ties: by index)."""
    rows = np.flatnonzero(mask)
    return rows[np.argsort(t[rows], kind="stable")]


def layout_of(sc: Scenario, plant: Plant, flow_keys: Sequence[tuple[str, str]], replication: int) -> RunLayout:
    """The layout of a replication of ``sc`` with the resources of ``plant``."""
    gate_names = tuple(sc.gates)
    return RunLayout(
        scenario=sc.name,
        replication=replication,
        start_date=sc.run.start_date,
        horizon_min=sc.run.days * 1440.0,
        warmup_min=sc.run.warmup * 1440.0,  # raises while still 'auto'
        gate_names=gate_names,
        gate_road_m=np.array([g.road_m_per_truck for g in sc.gates.values()]),
        flow_names=tuple(f"{g}.{f}" for g, f in flow_keys),
        flow_gate=np.array([gate_names.index(g) for g, _ in flow_keys], dtype=np.int16),
        flow_direction=tuple(sc.gates[g].flows[f].direction for g, f in flow_keys),
        class_names=tuple(sc.cargo_classes),
        class_perishable=np.array([c.perishable for c in sc.cargo_classes.values()], dtype=bool),
        backlog_clock_min=float(parse_clock(sc.reporting.backlog_clock)),
        perishable_threshold_h=sc.reporting.perishable_threshold_h,
        economics=sc.economics,
        period_days=sc.period_days(),
        events=disruption_events(sc),
        **plant.describe(gate_names),
    )


@dataclass(frozen=True)
class RunOutput(RunLayout):
    """The frozen record of one replication: its layout, one row per truck and the visit log.

    Truck columns are indexed by truck id (arrival order). Times are in minutes; a NaN
    exit means the truck was still in the system at the end. ``truck_flow`` is the flow that
    served the truck, ``truck_origin_flow`` the one it first came to when it was diverted
    (-1 otherwise); channel and mode are -1 when the truck had none. ``demand`` holds the event
    columns of reacting demand (:data:`~simulator.engine.eventlog.DEMAND_COLUMNS`: reneging,
    dispatch decisions, suspensions), all empty without a ``demand:`` block.
    """

    truck_flow: np.ndarray
    truck_origin_flow: np.ndarray
    truck_class: np.ndarray
    truck_channel: np.ndarray
    truck_mode: np.ndarray
    truck_vehicle: np.ndarray
    truck_fee_infrastructure: np.ndarray
    truck_fee_transloading: np.ndarray
    t_arrive: np.ndarray
    t_exit: np.ndarray
    visits: VisitLog
    demand: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def collect(cls, layout: RunLayout, collector: Collector) -> RunOutput:
        """The record of a run whose every window ``collector`` kept."""
        static = {f.name: getattr(layout, f.name) for f in fields(RunLayout)}
        trucks: dict[str, Any] = collector.trucks()
        trucks["truck_vehicle"] = collector.column("arrive_vehicle").astype(np.int16)
        demand = {name: collector.column(name) for name in DEMAND_COLUMNS}
        return cls(**static, **trucks, visits=collector.visits(), demand=demand)

    @property
    def layout(self) -> RunLayout:
        """The static part of the record."""
        return RunLayout(**{f.name: getattr(self, f.name) for f in fields(RunLayout)})

    @property
    def truck_gate(self) -> np.ndarray:
        """Gate index of every truck (the gate that served it)."""
        return self.flow_gate[self.truck_flow] if len(self.truck_flow) else np.empty(0, np.int16)

    @property
    def truck_direction(self) -> np.ndarray:
        """Direction of every truck."""
        if not len(self.truck_flow):
            return np.empty(0, str)
        return np.array(self.flow_direction)[self.truck_flow]

    def windows(self) -> Iterator[WindowEvents]:
        """The record as the windows of events the model handed over while it ran."""
        v = self.visits
        rows = np.arange(len(v.t_queue), dtype=np.int64)
        trucks = np.arange(len(self.t_arrive), dtype=np.int32)
        t_start = v.t_start
        renege_row = self.demand.get("renege_row", np.empty(0)).astype(np.int64)
        if len(renege_row):  # a truck that reneged started and ended its row as it left the queue
            t_start = t_start.copy()
            t_start[renege_row] = self.demand["renege_t"]
        start = 0.0
        while True:
            end = start + WINDOW_MIN if start + WINDOW_MIN < self.horizon_min else np.inf
            yield self._window(start, end, rows, trucks, t_start)
            if end == np.inf:
                return
            start = end

    def _window(
        self, start: float, end: float, rows: np.ndarray, trucks: np.ndarray, t_start: np.ndarray
    ) -> WindowEvents:
        v = self.visits

        def inside(t: np.ndarray) -> np.ndarray:
            return (t >= start) & (t < end)

        opened, arrived = inside(v.t_queue), inside(self.t_arrive)
        started, ended, left = (
            _in_time_order(m, t)
            for m, t in ((inside(t_start), t_start), (inside(v.t_end), v.t_end), (inside(self.t_exit), self.t_exit))
        )
        demand: dict[str, np.ndarray] = {}
        for group in ("renege", "demand", "suspend"):
            names = [n for n in DEMAND_COLUMNS if n.startswith(group + "_")]
            if self.demand.get(f"{group}_t") is None:
                continue
            keep = inside(self.demand[f"{group}_t"])
            demand.update({n: self.demand[n][keep] for n in names})
        return WindowEvents(
            start=start,
            end=end,
            open_row=rows[opened],
            open_truck=v.truck[opened],
            open_stage=v.stage[opened],
            open_t=v.t_queue[opened],
            start_row=rows[started],
            start_t=t_start[started],
            end_row=rows[ended],
            end_t=v.t_end[ended],
            arrive_truck=trucks[arrived],
            arrive_flow=self.truck_flow[arrived],
            arrive_origin=self.truck_origin_flow[arrived],
            arrive_class=self.truck_class[arrived],
            arrive_t=self.t_arrive[arrived],
            arrive_channel=self.truck_channel[arrived],
            arrive_mode=self.truck_mode[arrived],
            arrive_vehicle=self.truck_vehicle[arrived],
            arrive_fee_infrastructure=self.truck_fee_infrastructure[arrived],
            arrive_fee_transloading=self.truck_fee_transloading[arrived],
            exit_truck=trucks[left],
            exit_t=self.t_exit[left],
            **demand,
        )
