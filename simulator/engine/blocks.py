"""The trucks of one flow, drawn a block at a time, and the rule that turns them away on arrival.

:class:`FlowSource` holds one flow's arrival stream and drawers; each :meth:`FlowSource.next_block`
is a :class:`TruckBlock` of arrival times, classes, vehicles and every per-truck draw, made from
named streams so they do not depend on the block size. :func:`build_diversion` reads the gate's
``diversion`` rule into a :class:`Diversion`. :class:`simulator.engine.model.Model` walks the trucks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.engine.arrivals import ArrivalStream, class_rates, draw_classes
from simulator.engine.calendar_rules import lab_outages, season_factors
from simulator.engine.draws import FlowDrawer, FlowDraws, LabRules
from simulator.engine.fees import draw_vehicles

if TYPE_CHECKING:
    from simulator.engine.model import Model

__all__ = ["Diversion", "FlowSource", "TruckBlock", "build_diversion", "lab_rules"]


@dataclass
class Diversion:
    """Where and when the trucks of one flow are turned away to another gate on arrival."""

    yard: Any
    share: float
    when_full: bool
    above: int | None
    travel: float
    target: int
    drawer: FlowDrawer
    u_gen: np.random.Generator

    def triggered(self) -> bool:
        yard = self.yard
        full = self.when_full and yard.busy >= yard.servers
        return full or (self.above is not None and len(yard.queue) > self.above)


class TruckBlock:
    """The next trucks of one flow: arrival times, classes, vehicles and every draw."""

    __slots__ = (
        "channel",
        "cls",
        "cls_np",
        "div",
        "div_u",
        "draws",
        "flow",
        "patience",
        "serial",
        "times",
        "times_np",
        "vehicle_np",
    )

    def __init__(
        self, serial: int, flow: int, times: np.ndarray, cls: np.ndarray, vehicle: np.ndarray, draws: FlowDraws
    ) -> None:
        self.serial = serial
        self.flow = flow
        self.times_np = times
        self.times = times.tolist()
        self.cls_np = cls
        self.cls = cls.tolist()
        self.vehicle_np = vehicle
        self.draws = draws
        self.channel = draws.channel
        self.div: FlowDraws | None = None
        self.div_u: list[float] = []
        self.patience: list[float] | None = None  # minutes from arrival (reacting demand)


class FlowSource:
    """One flow's arrival stream and drawers, drawn a block at a time."""

    def __init__(self, model: Model, gname: str, fname: str) -> None:
        sc = model.scenario
        gate = sc.gates[gname]
        flow = gate.flows[fname]
        self.key = key = f"{gname}:{fname}"
        shift = gate.offset(sc.run) - sc.run.utc_offset_h
        self.rates = class_rates(
            flow, sc.run, model.class_names, season_factors(sc, gname, flow.direction, shift), shift
        )
        streams = model.streams
        self.arrivals = ArrivalStream(self.rates.sum(axis=1), streams.get(f"arrivals:{key}"), model.multiplier)
        self.class_gen = streams.get(f"class:{key}")
        self.vehicle_gen = streams.get(f"vehicle:{key}")
        lookup = model.plant.lookup(gname)
        self.drawer = FlowDrawer(gate, gname, flow, key, model.class_names, streams, lookup, model.lab[gname])
        self.fees = sc.fees
        self.classes = model.class_names
        self.diversion: Diversion | None = None
        self.demand = model.demand

    def next_block(self, serial: int, flow: int) -> TruckBlock | None:
        """The next block of trucks, or None when the flow has no more arrivals."""
        times = self.arrivals.next_block()
        if not len(times):
            return None
        n = len(times)
        cls = draw_classes(times, self.rates, self.class_gen.random(n))
        vehicle = draw_vehicles(self.fees, self.classes, cls, self.vehicle_gen.random(n))
        block = TruckBlock(serial, flow, times, cls, vehicle, self.drawer.block(cls))
        div = self.diversion
        if div is not None:
            block.div = div.drawer.block(cls)
            block.div_u = div.u_gen.random(n).tolist()
        if self.demand is not None:
            block.patience = self.demand.patience_block(flow, cls)
        return block


def build_diversion(model: Model, gname: str, fname: str) -> Diversion | None:
    """The turning-away rule of flow ``fname`` at gate ``gname``, or None when it has none."""
    sc = model.scenario
    spec = sc.gates[gname].diversion
    if spec is None:
        return None
    flow = sc.gates[gname].flows[fname]
    if flow.route[0] not in sc.gates[gname].yards:
        return None  # only trucks that queue for a yard on the road can be turned away
    target_flow = next(f for f, fl in sc.gates[spec.to].flows.items() if fl.direction == flow.direction)
    target = model.flow_keys.index((spec.to, target_flow))
    key = f"divert:{gname}:{fname}"
    target_gate = sc.gates[spec.to]
    drawer = FlowDrawer(
        target_gate,
        spec.to,
        target_gate.flows[target_flow],
        key,
        model.class_names,
        model.streams,
        model.plant.lookup(spec.to),
        model.lab[spec.to],
    )
    yard = model.plant.lookup(gname)(flow.route[0])
    return Diversion(
        yard,
        spec.share,
        spec.when_yard_full,
        spec.road_queue_above,
        spec.travel_min,
        target,
        drawer,
        model.streams.get(key),
    )


def lab_rules(model: Model, gname: str) -> LabRules | None:
    """Gate ``gname``'s dated lab-hold rules by stage, read on the model's clock; None when it has none."""
    sc = model.scenario
    outages = {s: found for s in sc.gates[gname].stages if (found := lab_outages(sc, gname, s))}
    if not outages:
        return None
    env = model.env
    return LabRules(outages, lambda: env.now)
