"""The resources of a scenario, built for one replication: yards, officers, labs, modes, scanners.

Each gate's resources get hours from their stage, closures from the calendar (read on
their own clock and side) and caps from the stage and cap disruptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.engine.calendar_rules import cap_table, lab_outages
from simulator.engine.hours import resource_schedule
from simulator.engine.resource import UNLIMITED, CapCounter, Resource
from simulator.scenario.models import Gate, Scenario, Stage

__all__ = ["Plant", "build_plant"]


@dataclass
class Plant:
    """Every resource of the scenario, in a stable order, with what the outputs need."""

    resources: dict[tuple[str, str], Resource] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    milestones: list[str] = field(default_factory=list)

    def add(self, gate: str, local: str, resource_args: tuple[int, Any, Any], kind: str, milestone: str) -> None:
        """Register a resource of ``gate`` under its local name."""
        servers, schedule, caps = resource_args
        self.resources[(gate, local)] = Resource(len(self.resources), servers, schedule, caps)
        self.kinds.append(kind)
        self.milestones.append(milestone)

    def lookup(self, gate: str) -> Callable[[str], Resource]:
        """Resource of ``gate`` by local name."""
        return lambda local: self.resources[(gate, local)]

    def describe(self, gate_names: tuple[str, ...]) -> dict[str, Any]:
        """The stage columns of :class:`~simulator.engine.output.RunOutput`."""
        keys = list(self.resources)
        return {
            "stage_names": tuple(f"{g}.{s}" for g, s in keys),
            "stage_gate": np.array([gate_names.index(g) for g, _ in keys], dtype=np.int16),
            "stage_servers": np.array([self.resources[k].servers for k in keys], dtype=np.int64),
            "stage_schedules": tuple(self.resources[k].schedule for k in keys),
            "stage_kind": tuple(self.kinds),
            "stage_milestone": tuple(self.milestones),
        }


def _add_stage(plant: Plant, sc: Scenario, gname: str, gate: Gate, sname: str, stage: Stage) -> None:
    offset = gate.stage_offset(sname, sc.run)
    table = cap_table(sc, gname, sname, stage.side, offset)
    caps = CapCounter(table) if table is not None else None
    milestone = stage.release_milestone or ""
    if stage.modes is not None:
        for mname, mode in stage.modes.items():
            hours = mode.hours if mode.hours is not None else stage.hours
            sched = resource_schedule(sc, gname, sname, stage.side, offset, hours, stage.closed_weekdays)
            if mode.cranes is not None:
                plant.add(gname, f"{sname}.{mname}.cranes", (mode.cranes, sched, None), "mode", milestone)
            plant.add(gname, f"{sname}.{mname}", (mode.servers, sched, caps), "mode", milestone)
        return
    sched = resource_schedule(sc, gname, sname, stage.side, offset, stage.hours, stage.closed_weekdays)
    assert stage.servers is not None
    plant.add(gname, sname, (stage.servers, sched, caps), "service", milestone)
    if stage.lab_hold is not None or lab_outages(sc, gname, sname):
        plant.add(gname, f"{sname}.lab", (UNLIMITED, None, None), "lab", milestone)


def build_plant(sc: Scenario) -> Plant:
    """Build every resource of ``sc`` for one replication."""
    plant = Plant()
    for gname, gate in sc.gates.items():
        for yname, yard in gate.yards.items():
            plant.add(gname, yname, (yard.slots, None, None), "yard", "")
        for sname, stage in gate.stages.items():
            _add_stage(plant, sc, gname, gate, sname, stage)
        if gate.scanners is not None:
            sched = resource_schedule(sc, gname, None, "home", gate.offset(sc.run), gate.scanners.hours, [])
            plant.add(gname, "scanners", (gate.scanners.count, sched, None), "scanner", "customs_release")
    return plant
