"""Fees per truck: the infrastructure fee with its regime coefficient, and the transloading fee.

Pure functions of the scenario's fee table and each truck's attributes; the totals by gate
and period are KPIs (see :mod:`simulator.analysis.kpis`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.scenario.models import Fees, Scenario
from simulator.scenario.types import MODES

__all__ = ["draw_vehicles", "truck_fees"]


def draw_vehicles(fees: Fees | None, classes: Sequence[str], cls: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Vehicle type of each truck, as an index into ``fees.vehicle_types(class)``."""
    out = np.zeros(len(cls), dtype=np.int16)
    if fees is None:
        return out
    for ci, cname in enumerate(classes):
        _, shares = fees.vehicle_types(cname)
        mask = cls == ci
        if len(shares) > 1 and mask.any():
            cum = np.cumsum(shares)
            cum[-1] = 1.0
            out[mask] = np.minimum(np.searchsorted(cum, u[mask], side="right"), len(shares) - 1)
    return out


def truck_fees(
    sc: Scenario,
    gate: np.ndarray,
    direction: np.ndarray,
    cls: np.ndarray,
    mode: np.ndarray,
    vehicle: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Infrastructure and transloading fee of every truck (zeros without a fee table).

    Parameters
    ----------
    sc : Scenario
        The scenario and its ``fees``.
    gate, direction, cls, mode, vehicle : numpy.ndarray
        Per truck: gate index, direction name, class index, hand-over mode index (-1 none)
        and vehicle type index.
    """
    n = len(cls)
    infra, trans = np.zeros(n), np.zeros(n)
    fees = sc.fees
    if fees is None or n == 0:
        return infra, trans
    classes, gates = list(sc.cargo_classes), list(sc.gates)
    for ci, cname in enumerate(classes):
        types, _ = fees.vehicle_types(cname)
        rates = np.array([fees.infrastructure.get(cname, {}).get(t, 0.0) for t in types] or [0.0])
        mask = cls == ci
        infra[mask] = rates[np.minimum(vehicle[mask], len(rates) - 1)]
        trans[mask & (mode == MODES.index("transloading"))] = fees.transloading.get(cname, 0.0)
    coefficient = np.full(n, np.nan)
    for regime in fees.regimes:
        match = np.isnan(coefficient)
        if regime.directions:
            match &= np.isin(direction, regime.directions)
        if regime.modes:
            match &= np.isin(mode, [MODES.index(m) for m in regime.modes])
        if regime.classes:
            match &= np.isin(cls, [classes.index(c) for c in regime.classes])
        if regime.gates:
            match &= np.isin(gate, [gates.index(g) for g in regime.gates])
        coefficient[match] = regime.coefficient
    return infra * np.where(np.isnan(coefficient), 1.0, coefficient), trans
