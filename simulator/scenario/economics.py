"""Schema of the ``economics:`` block: unit values that turn truck-days and fees into money per year.

Every scenario has the block (missing keys, or a missing block, take the defaults below). The
values feed three KPIs (:mod:`simulator.analysis.money`): the waiting cost, the perishable loss
and the fees, each per year. They are an appraisal input, not a cost–benefit analysis: no
capital or operating cost of a proposal is modelled. Each default's tag (``[S]`` sourced, ``[I]``
inferred, [A] assumed) and source id refer to the register in ``docs/sources.md``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictFloat

from simulator.scenario.types import Frozen

__all__ = ["MAX_VND_PER_TRUCK_DAY", "Economics"]

#: Largest unit value accepted, in VND per truck-day (a bound against typing errors, 1,000 bn VND).
MAX_VND_PER_TRUCK_DAY = 1e12

VndPerTruckDay = Annotated[StrictFloat, Field(ge=0, le=MAX_VND_PER_TRUCK_DAY, allow_inf_nan=False)]


class Economics(Frozen):
    """Unit values of waiting, reefer fuel and perishable loss, in VND per truck-day; days per year."""

    waiting_cost_vnd_per_truck_day: VndPerTruckDay = Field(
        600_000.0,
        description=(
            "cost to drivers and owners of one truck-day at the border, any cargo: "
            "[I] 400,000 VND/day parking [S S-wait-cost-2021] + 200,000 VND/day driver stipend [S S-driver-pay-2022]"
        ),
    )
    reefer_fuel_vnd_per_truck_day: VndPerTruckDay = Field(
        300_000.0,
        description=(
            "extra fuel of a refrigerated truck kept cooling while it waits, per truck-day of a perishable "
            "cargo class, on top of the waiting cost: [S S-wait-cost-2021] 300,000 VND/day"
        ),
    )
    perishable_loss_vnd_per_truck_day: VndPerTruckDay = Field(
        18_000_000.0,
        description=(
            "value lost per truck-day that a perishable truck spends beyond reporting.perishable_threshold_h: "
            "[A] no public source gives it; replace when data appears"
        ),
    )
    days_per_year: StrictFloat = Field(
        365.0,
        ge=1,
        le=366,
        allow_inf_nan=False,
        description="days the measured window's mean day is scaled to for the per-year figures (a calendar year)",
    )
