"""Opening hours of every resource in model minutes: stage and mode hours, closed weekdays, closures.

Pure (no SimPy): the resources of the model (:mod:`simulator.engine.plant`) take their schedules
from here, and the charts read the same schedules to tell closed hours from idle ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from simulator.engine.calendar_rules import closure_spans
from simulator.engine.clock import OpenSchedule
from simulator.scenario.models import Scenario

__all__ = ["resource_schedule", "stage_schedules"]


def resource_schedule(
    sc: Scenario,
    gate: str,
    stage: str | None,
    side: str,
    offset_h: float,
    hours: Sequence[str] | None,
    weekdays: Sequence[str],
) -> OpenSchedule | None:
    """The open intervals of one resource, or None when it is always open.

    Parameters
    ----------
    sc : Scenario
        The scenario (run dates and calendar).
    gate, stage : str
        Where the resource is (``stage`` None for a gate-wide resource such as the scanners).
    side : {"home", "partner"}
        The side whose closures apply.
    offset_h : float
        The resource's local clock (hours east of UTC).
    hours : sequence of str or None
        Daily local windows such as ``"07:00-19:00"``; None for all day.
    weekdays : sequence of str
        Local weekdays on which it is closed.
    """
    cuts = closure_spans(sc, gate, stage, side, offset_h)
    if hours is None and not weekdays and not cuts:
        return None
    base = OpenSchedule.build(
        hours if hours is not None else ["00:00-24:00"],
        start_date=sc.run.start_date,
        days=sc.run.days,
        offset_h=offset_h,
        model_offset_h=sc.run.utc_offset_h,
        closed_weekdays=weekdays,
    )
    return base.subtract(cuts) if cuts else base


def stage_schedules(sc: Scenario) -> dict[str, OpenSchedule | None]:
    """The schedule of every staffed resource, keyed as in the KPIs (``gate.stage``, ``gate.stage.mode``,
    ``gate.stage.mode.cranes``, ``gate.scanners``); yards and lab holds are always open and left out."""
    out: dict[str, OpenSchedule | None] = {}
    for gname, gate in sc.gates.items():
        for sname, stage in gate.stages.items():
            offset = gate.stage_offset(sname, sc.run)
            args = (sc, gname, sname, stage.side, offset)
            if stage.modes is None:
                out[f"{gname}.{sname}"] = resource_schedule(*args, stage.hours, stage.closed_weekdays)
                continue
            for mname, mode in stage.modes.items():
                hours = mode.hours if mode.hours is not None else stage.hours
                sched = resource_schedule(*args, hours, stage.closed_weekdays)
                out[f"{gname}.{sname}.{mname}"] = sched
                if mode.cranes is not None:
                    out[f"{gname}.{sname}.{mname}.cranes"] = sched
        if gate.scanners is not None:
            offset = gate.offset(sc.run)
            out[f"{gname}.scanners"] = resource_schedule(sc, gname, None, "home", offset, gate.scanners.hours, [])
    return out
