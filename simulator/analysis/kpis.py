"""KPIs of one replication's whole record, through the same reduction the streaming runs use.

Scopes: ``all``; ``gate``, ``direction``, ``class``, ``channel`` and ``mode`` (truck groups);
``stage`` (one resource, keyed ``gate.stage``). Time in system is in hours, stage waits in
minutes, fees in the scenario's currency over the measured window. Trucks and visits that had
not finished by the end of the run are counted in ``in_system_end`` and in the levels, and left
out of the time statistics. The definitions are in :mod:`simulator.analysis.reducer`; names,
units and labels in :mod:`simulator.analysis.registry`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulator.analysis.reducer import Reducer, Reduction
from simulator.analysis.registry import STAGE_KPIS, TRUCK_KPIS
from simulator.engine.output import RunOutput

__all__ = ["STAGE_KPIS", "TRUCK_KPIS", "reduce_output", "replication_kpis", "road_rows", "timeseries"]


def reduce_output(out: RunOutput) -> Reduction:
    """Reduce a whole record by replaying it window by window (the same figures as streaming)."""
    reducer = Reducer(out.layout)
    for window in out.windows():
        reducer.window(window)
    return reducer.finish()


def replication_kpis(out: RunOutput) -> pd.DataFrame:
    """All KPIs of one replication as a tidy table.

    Returns
    -------
    pandas.DataFrame
        Columns ``replication, scope, key, kpi, value``.
    """
    return reduce_output(out).kpis


def timeseries(out: RunOutput) -> pd.DataFrame:
    """Hourly mean levels over the whole run, warm-up included.

    Returns
    -------
    pandas.DataFrame
        Columns ``replication, time_h, scope, key, metric, value``: ``queue`` and ``busy``
        per stage; ``in_system``, ``road_queue`` and ``road_km`` per gate; ``in_system``
        per direction.
    """
    return reduce_output(out).timeseries()


def road_rows(out: RunOutput) -> np.ndarray:
    """Mask of the visit rows that are a truck's wait on the road.

    A truck whose route starts with a yard and finds it full waits on the road: that is the
    queue part of its first visit row, when that row is a yard.
    """
    v = out.visits
    yard_stage = np.array([k == "yard" for k in out.stage_kind], dtype=bool)
    mask = np.zeros(len(v.stage), dtype=bool)
    if len(v.stage):
        _, first = np.unique(v.truck, return_index=True)
        mask[first[yard_stage[v.stage[first]]]] = True
    return mask
