"""The SimPy model: one process per truck walking its route through yards and stages.

A :class:`Model` is built fresh for every replication from a frozen :class:`Scenario`;
all runtime state lives here, none on the scenario. The truck's journey reads top to
bottom in :meth:`Model._truck`: it may be diverted on arrival, then for each step of its
route it either takes a yard slot (keeping it until the next yard or the exit) or waits
for a server, for opening hours and under caps, and is served. Random draws are made
when the run is set up (:mod:`simulator.engine.draws`).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from simulator.engine.arrivals import arrival_times, class_rates, draw_classes
from simulator.engine.calendar_rules import season_factors
from simulator.engine.draws import FlowDraws, Step, draw_flow
from simulator.engine.eventlog import EventLog
from simulator.engine.fees import draw_vehicles, truck_fees
from simulator.engine.output import RunOutput
from simulator.engine.plant import Plant, build_plant
from simulator.engine.streams import RandomStreams
from simulator.scenario.models import Scenario
from simulator.scenario.types import parse_clock

__all__ = ["Model", "RunOutput", "simulate"]


@dataclass
class _Diversion:
    yard: Any
    share: float
    when_full: bool
    above: int | None
    travel: float
    target: int
    u: list[float]
    draws: FlowDraws

    def triggered(self) -> bool:
        yard = self.yard
        full = self.when_full and yard.busy >= yard.servers
        return full or (self.above is not None and len(yard.queue) > self.above)


class Model:
    """One replication of a scenario, ready to run.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    replication : int
        Replication index; with ``seed`` it selects the random streams.
    seed : int, optional
        Overrides ``scenario.run.seed``.
    demand_multiplier : float
        Scales every flow's arrival rate.
    """

    def __init__(
        self, scenario: Scenario, replication: int, seed: int | None = None, demand_multiplier: float = 1.0
    ) -> None:
        self.scenario = scenario
        self.replication = replication
        self.streams = RandomStreams(scenario.run.seed if seed is None else seed, replication)
        self.multiplier = demand_multiplier
        self.env = simpy.Environment()
        self.log = EventLog()
        self.horizon = scenario.run.days * 1440.0
        self.class_names = tuple(scenario.cargo_classes)
        self.plant: Plant = build_plant(scenario)
        self.flow_keys = [(g, f) for g, gate in scenario.gates.items() for f in gate.flows]
        arrivals: list[np.ndarray] = []
        classes: list[np.ndarray] = []
        self.draws: list[FlowDraws] = []
        self.vehicles: list[np.ndarray] = []
        for gname, fname in self.flow_keys:
            t, cls, draws = self._prepare_flow(gname, fname)
            arrivals.append(t)
            classes.append(cls)
            self.draws.append(draws)
        self.diversions = [self._diversion(g, f, classes[i]) for i, (g, f) in enumerate(self.flow_keys)]
        self._merge_arrivals(arrivals, classes)

    def _prepare_flow(self, gname: str, fname: str) -> tuple[np.ndarray, np.ndarray, FlowDraws]:
        """Draw the flow's arrivals, classes and per-stage attributes from named streams."""
        sc = self.scenario
        gate = sc.gates[gname]
        flow = gate.flows[fname]
        key = f"{gname}:{fname}"
        shift = gate.offset(sc.run) - sc.run.utc_offset_h
        rates = class_rates(flow, sc.run, self.class_names, season_factors(sc, gname, flow.direction, shift), shift)
        t = arrival_times(rates.sum(axis=1), self.streams.get(f"arrivals:{key}"), self.multiplier)
        cls = draw_classes(t, rates, self.streams.get(f"class:{key}").random(len(t)))
        self.vehicles.append(
            draw_vehicles(sc.fees, self.class_names, cls, self.streams.get(f"vehicle:{key}").random(len(t)))
        )
        draws = draw_flow(gate, gname, flow, key, self.class_names, cls, self.streams, self.plant.lookup(gname))
        return t, cls, draws

    def _diversion(self, gname: str, fname: str, cls: np.ndarray) -> _Diversion | None:
        sc = self.scenario
        spec = sc.gates[gname].diversion
        if spec is None:
            return None
        flow = sc.gates[gname].flows[fname]
        if flow.route[0] not in sc.gates[gname].yards:
            return None  # only trucks that queue for a yard on the road can be turned away
        target_flow = next(f for f, fl in sc.gates[spec.to].flows.items() if fl.direction == flow.direction)
        target = self.flow_keys.index((spec.to, target_flow))
        key = f"divert:{gname}:{fname}"
        draws = draw_flow(
            sc.gates[spec.to],
            spec.to,
            sc.gates[spec.to].flows[target_flow],
            key,
            self.class_names,
            cls,
            self.streams,
            self.plant.lookup(spec.to),
        )
        yard = self.plant.lookup(gname)(flow.route[0])
        u = self.streams.get(key).random(len(cls)).tolist()
        return _Diversion(
            yard, spec.share, spec.when_yard_full, spec.road_queue_above, spec.travel_min, target, u, draws
        )

    def _merge_arrivals(self, arrivals: list[np.ndarray], classes: list[np.ndarray]) -> None:
        counts = [len(a) for a in arrivals]
        flow_of = np.repeat(np.arange(len(arrivals), dtype=np.int16), counts)
        index_in_flow = np.concatenate([np.arange(c) for c in counts]) if counts else np.empty(0, int)
        times = np.concatenate(arrivals) if arrivals else np.empty(0)
        order = np.argsort(times, kind="stable")
        self.t_arrive = times[order]
        self.truck_flow = flow_of[order]
        self.truck_index = index_in_flow[order]
        self.truck_class = (np.concatenate(classes) if classes else np.empty(0, np.int16))[order]
        self.truck_vehicle = (np.concatenate(self.vehicles) if self.vehicles else np.empty(0, np.int16))[order]
        self.t_exit = [math.nan] * len(order)
        self.arrived = self.t_arrive.tolist()
        self.diverted = [-1] * len(order)

    def _source(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        times = self.t_arrive.tolist()
        flows = self.truck_flow.tolist()
        idx = self.truck_index.tolist()
        classes = self.truck_class.tolist()
        arrived = self.arrived
        for tid, t in enumerate(times):
            delay = t - env.now
            if delay > 0:
                yield env.timeout(delay)
            arrived[tid] = env.now  # the clock's value, so a truck's first t_queue equals its arrival exactly
            fi, ci = flows[tid], classes[tid]
            env.process(self._truck(tid, idx[tid], fi, self.draws[fi].routes[ci], ci))

    def _truck(self, tid: int, k: int, fi: int, route: Sequence[Step], ci: int) -> Generator[simpy.Event, Any, None]:
        env = self.env
        log = self.log
        div = self.diversions[fi]
        if div is not None and div.u[k] < div.share and div.triggered():
            self.diverted[tid] = div.target
            route = div.draws.routes[ci]
            if div.travel > 0:
                yield env.timeout(div.travel)
        held: tuple[Any, int] | None = None
        for stage, service, visits, is_yard in route:
            if visits is not None and not visits[k]:
                continue
            row = log.open_row(tid, stage.index, env.now)
            if stage.busy < stage.servers:
                stage.busy += 1
            else:
                turn = env.event()
                stage.queue.append(turn)
                yield turn
            if is_yard:
                log.t_start[row] = env.now
                if held is not None:
                    self._release(*held)
                held = (stage, row)
                continue
            if stage.gated:
                while True:
                    start = stage.next_start(env.now)
                    if start == env.now:
                        break
                    yield env.timeout(start - env.now) if start < math.inf else env.event()
                if stage.caps is not None:
                    stage.caps.consume(env.now)
            log.t_start[row] = env.now
            yield env.timeout(service[k])  # type: ignore[index]
            log.t_end[row] = env.now
            if stage.queue:
                stage.queue.popleft().succeed()
            else:
                stage.busy -= 1
        if held is not None:
            self._release(*held)
        self.t_exit[tid] = env.now

    def _release(self, yard: Any, row: int) -> None:
        self.log.t_end[row] = self.env.now
        if yard.queue:
            yard.queue.popleft().succeed()
        else:
            yard.busy -= 1

    def run(self) -> RunOutput:
        """Run to the horizon and return the frozen records."""
        self.env.process(self._source())
        self.env.run(until=self.horizon)
        return self._output()

    def _truck_attributes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        served = np.where(np.array(self.diverted, dtype=np.int16) >= 0, self.diverted, self.truck_flow).astype(np.int16)
        channel = np.full(len(served), -1, dtype=np.int8)
        mode = np.full(len(served), -1, dtype=np.int8)
        diverted = np.array(self.diverted, dtype=np.int16) >= 0
        for fi, draws in enumerate(self.draws):
            sel = (self.truck_flow == fi) & ~diverted
            channel[sel] = draws.channel[self.truck_index[sel]]
            mode[sel] = draws.mode[self.truck_index[sel]]
            div = self.diversions[fi]
            if div is not None:
                sel = (self.truck_flow == fi) & diverted
                channel[sel] = div.draws.channel[self.truck_index[sel]]
                mode[sel] = div.draws.mode[self.truck_index[sel]]
        origin = np.where(diverted, self.truck_flow, -1).astype(np.int16)
        return served, channel, mode, origin

    def _output(self) -> RunOutput:
        sc = self.scenario
        gate_names = tuple(sc.gates)
        served, channel, mode, origin = self._truck_attributes()
        flow_gate = np.array([gate_names.index(g) for g, _ in self.flow_keys], dtype=np.int16)
        flow_direction = tuple(sc.gates[g].flows[f].direction for g, f in self.flow_keys)
        direction = np.array(flow_direction)[served] if len(served) else np.empty(0, str)
        infra, trans = truck_fees(sc, flow_gate[served], direction, self.truck_class, mode, self.truck_vehicle)
        return RunOutput(
            scenario=sc.name,
            replication=self.replication,
            start_date=sc.run.start_date,
            horizon_min=self.horizon,
            warmup_min=sc.run.warmup_days * 1440.0,
            gate_names=gate_names,
            gate_road_m=np.array([g.road_m_per_truck for g in sc.gates.values()]),
            flow_names=tuple(f"{g}.{f}" for g, f in self.flow_keys),
            flow_gate=flow_gate,
            flow_direction=flow_direction,
            class_names=self.class_names,
            class_perishable=np.array([c.perishable for c in sc.cargo_classes.values()], dtype=bool),
            backlog_clock_min=float(parse_clock(sc.reporting.backlog_clock)),
            perishable_threshold_h=sc.reporting.perishable_threshold_h,
            **self.plant.describe(gate_names),
            truck_flow=served,
            truck_origin_flow=origin,
            truck_class=self.truck_class,
            truck_channel=channel,
            truck_mode=mode,
            truck_fee_infrastructure=infra,
            truck_fee_transloading=trans,
            t_arrive=np.array(self.arrived, dtype=np.float64),
            t_exit=np.array(self.t_exit, dtype=np.float64),
            visits=self.log.freeze(),
        )


def simulate(
    scenario: Scenario, replication: int = 0, seed: int | None = None, demand_multiplier: float = 1.0
) -> RunOutput:
    """Build and run one replication of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    replication : int
        Replication index.
    seed : int, optional
        Overrides ``scenario.run.seed``.
    demand_multiplier : float
        Scales every flow's arrival rate (common random numbers are kept).
    """
    return Model(scenario, replication, seed, demand_multiplier).run()
