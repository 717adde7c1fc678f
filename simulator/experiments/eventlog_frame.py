"""A replication's event log as a table: one row per truck and stage visit, typed columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.engine.output import RunOutput
from simulator.scenario.types import CHANNELS, MODES

__all__ = ["LOG_COLUMNS", "event_log_frame"]

LOG_COLUMNS = [
    "replication",
    "truck",
    "gate",
    "flow",
    "direction",
    "cargo_class",
    "t_arrive_min",
    "t_exit_min",
    "channel",
    "handover_mode",
    "diverted_from",
    "stage",
    "t_queue_min",
    "t_start_min",
    "t_end_min",
]


def event_log_frame(out: RunOutput | None) -> pd.DataFrame:
    """One replication's event log as a table: one row per truck and stage visit."""
    if out is None:
        return pd.DataFrame({c: [] for c in LOG_COLUMNS})
    v = out.visits
    flow = out.truck_flow[v.truck]
    gate_of_flow = np.array(out.gate_names)[out.flow_gate]
    return pd.DataFrame(
        {
            "replication": out.replication,
            "truck": v.truck,
            "gate": gate_of_flow[flow],
            "flow": np.array([f.split(".", 1)[1] for f in out.flow_names])[flow],
            "direction": np.array(out.flow_direction)[flow],
            "cargo_class": np.array(out.class_names)[out.truck_class[v.truck]],
            "t_arrive_min": out.t_arrive[v.truck],
            "t_exit_min": out.t_exit[v.truck],
            "channel": np.array(["", *CHANNELS])[out.truck_channel[v.truck] + 1],
            "handover_mode": np.array(["", *MODES])[out.truck_mode[v.truck] + 1],
            "diverted_from": np.array(["", *out.flow_names])[out.truck_origin_flow[v.truck] + 1],
            "stage": np.array([s.split(".", 1)[1] for s in out.stage_names])[v.stage],
            "t_queue_min": v.t_queue,
            "t_start_min": v.t_start,
            "t_end_min": v.t_end,
        },
        columns=LOG_COLUMNS,
    )
