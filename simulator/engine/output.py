"""What one replication produced: the truck table, the resources and the visit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from simulator.engine.clock import OpenSchedule
from simulator.engine.eventlog import VisitLog

__all__ = ["RunOutput"]


@dataclass(frozen=True)
class RunOutput:
    """The frozen records of one replication.

    Truck columns are indexed by truck id (arrival order). Times are in minutes; a NaN
    exit means the truck was still in the system at the end. "Stages" are all the
    resources trucks visit, named ``gate.stage`` (officers, partner acceptance),
    ``gate.yard``, ``gate.stage.lab`` (lab holds), ``gate.stage.mode`` (hand-over
    modes) and ``gate.scanners``; ``stage_kind`` says which.
    """

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
    stage_names: tuple[str, ...]
    stage_gate: np.ndarray
    stage_servers: np.ndarray
    stage_schedules: tuple[OpenSchedule | None, ...]
    stage_kind: tuple[str, ...]
    stage_milestone: tuple[str, ...]
    truck_flow: np.ndarray
    truck_origin_flow: np.ndarray
    truck_class: np.ndarray
    truck_channel: np.ndarray
    truck_mode: np.ndarray
    truck_fee_infrastructure: np.ndarray
    truck_fee_transloading: np.ndarray
    t_arrive: np.ndarray
    t_exit: np.ndarray
    visits: VisitLog

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
