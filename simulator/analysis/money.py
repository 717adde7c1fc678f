"""Value in money: the waiting cost, the perishable loss and the fees of a replication, per year.

An appraisal input, not a cost–benefit analysis: no capital or operating cost of a proposal is
modelled. The unit values come from the scenario's ``economics:`` block
(:class:`simulator.scenario.economics.Economics`).

Definitions (the measured window is ``[t0, t1)``: after the warm-up, to the horizon; a truck is
*in the system* from its arrival to its exit, or to the horizon when it has not left):

* **truck-days in the system** are the part of each truck's stay that falls inside the measured
  window, summed over all trucks, in days: ``Σ max(0, min(exit, t1) − max(arrive, t0)) / 1440``.
  This is the area under the level of trucks in the system over the window, so it equals
  ``in_system_mean × measured days`` (the same counting rule as ``in_system_mean``): trucks that
  arrived in the warm-up count from ``t0``, trucks still waiting at the end count to ``t1``, so a
  backlog that never clears is costed rather than left out. (The time-in-system percentiles count
  only trucks that arrived in the window and left by its end; a cost that left out the trucks
  still waiting would favour the most congested scenario.)
* **truck-days beyond the threshold** of a perishable truck are the part, inside the window, of
  its stay after ``arrive + reporting.perishable_threshold_h``:
  ``max(0, min(exit, t1) − max(arrive + threshold, t0)) / 1440``.
* ``waiting_cost_vnd_per_year`` = (truck-days in the system × ``waiting_cost_vnd_per_truck_day``
  + truck-days in the system of perishable trucks × ``reefer_fuel_vnd_per_truck_day``) ÷ measured
  days × ``days_per_year``;
* ``perishable_loss_vnd_per_year`` = truck-days beyond the threshold × ``perishable_loss_vnd_per_truck_day``
  ÷ measured days × ``days_per_year``;
* ``fees_vnd_per_year`` = ``fees_vnd_total`` (the fees of the trucks that left in the window)
  ÷ measured days × ``days_per_year``.

A truck group's figure (gate, direction, class, channel, mode) sums its own trucks, so the gates'
figures add up to the whole system's.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from simulator.analysis.groups import spread
from simulator.analysis.registry import VIEWS
from simulator.engine.output import RunLayout

__all__ = ["MONEY_KPIS", "MoneyTally", "money_scale"]

DAY = 1440.0
#: The money KPIs, in registry order (the registry's ``money`` view).
MONEY_KPIS = VIEWS["money"]


class MoneyTally:
    """Truck-days in the measured window per truck group: all trucks, perishable ones, and beyond the threshold.

    Parameters
    ----------
    layout : RunLayout
        The run's window, classes, threshold and economics.
    n_groups : int
        Number of truck groups (:class:`simulator.analysis.groups.Groups`).
    """

    def __init__(self, layout: RunLayout, n_groups: int) -> None:
        self.lay = layout
        self.t0, self.t1 = layout.warmup_min, layout.horizon_min
        self.limit = layout.perishable_threshold_h * 60.0
        self.days = {k: np.zeros(n_groups) for k in ("in_system", "perishable", "late")}

    def add(self, codes: np.ndarray, cls: np.ndarray, arrive: np.ndarray, leave: np.ndarray) -> None:
        """Add trucks that left at ``leave`` (for those still in the system at the end: the horizon)."""
        if not len(arrive):
            return
        inside = self._overlap_days(arrive, leave)
        perishable = self.lay.class_perishable[cls]
        late = np.where(perishable, self._overlap_days(arrive + self.limit, leave), 0.0)
        for name, values in (("in_system", inside), ("perishable", np.where(perishable, inside, 0.0)), ("late", late)):
            g, v = spread(codes, values)
            self.days[name] += np.bincount(g, weights=v, minlength=len(self.days[name]))

    def _overlap_days(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        return np.maximum(np.minimum(end, self.t1) - np.maximum(start, self.t0), 0.0) / DAY

    def values(self, fees_total: np.ndarray) -> dict[str, np.ndarray]:
        """The money KPIs of every group, given the fees of each group over the window."""
        eco = self.lay.economics
        per_year = eco.days_per_year / ((self.t1 - self.t0) / DAY)
        d = self.days
        waiting = (
            d["in_system"] * eco.waiting_cost_vnd_per_truck_day + d["perishable"] * eco.reefer_fuel_vnd_per_truck_day
        )
        return {
            "waiting_cost_vnd_per_year": waiting * per_year,
            "perishable_loss_vnd_per_year": d["late"] * eco.perishable_loss_vnd_per_truck_day * per_year,
            "fees_vnd_per_year": fees_total * per_year,
        }


def money_scale(values: Iterable[float]) -> tuple[float, str]:
    """The divisor and its name (``million`` or ``billion``) that show ``values`` in VND readably.

    Billions once the largest finite magnitude reaches 10 bn VND, else millions.

    >>> money_scale([2.5e9, -3e8])
    (1000000.0, 'million')
    >>> money_scale([1.2e11, float("nan")])
    (1000000000.0, 'billion')
    """
    finite = [abs(float(v)) for v in values if v == v and abs(float(v)) != float("inf")]
    return (1e9, "billion") if finite and max(finite) >= 1e10 else (1e6, "million")
