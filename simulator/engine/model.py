"""The SimPy model: one process per truck walking its route through yards and stages.

A :class:`Model` is built fresh for every replication from a frozen :class:`Scenario`;
all runtime state lives here, none on the scenario. The truck's journey reads top to
bottom in :meth:`Model._truck`: it may be diverted on arrival, then for each step of its
route it either takes a yard slot (keeping it until the next yard or the exit) or waits
for a server, for opening hours and under caps, and is served. Arrivals and every per-truck
random draw are made a block of trucks at a time as the run goes (:mod:`.arrivals`,
:mod:`.draws`), from named streams, so they do not depend on the block size.

What happens is appended to an :class:`~simulator.engine.eventlog.EventBuffer` and handed to
the observers one simulated week at a time; :func:`simulate` collects it into a
:class:`~simulator.engine.output.RunOutput`.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from simulator.engine.arrivals import ArrivalStream, class_rates, draw_classes
from simulator.engine.calendar_rules import season_factors
from simulator.engine.draws import FlowDrawer, FlowDraws, Step
from simulator.engine.eventlog import WINDOW_MIN, Collector, EventBuffer, Observer, WindowEvents
from simulator.engine.fees import draw_vehicles, truck_fees
from simulator.engine.output import RunLayout, RunOutput, layout_of
from simulator.engine.plant import Plant, build_plant
from simulator.engine.streams import RandomStreams
from simulator.scenario.models import Scenario

__all__ = ["WINDOW_MIN", "Model", "RunOutput", "simulate"]

Progress = Callable[[float, float], None]


@dataclass
class _Diversion:
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


class _Block:
    """The next trucks of one flow: arrival times, classes, vehicles and every draw."""

    __slots__ = ("channel", "cls", "div", "div_channel", "div_mode", "div_u", "draws", "mode", "times", "vehicle")

    def __init__(self, times: np.ndarray, cls: np.ndarray, vehicle: np.ndarray, draws: FlowDraws) -> None:
        self.times = times.tolist()
        self.cls = cls.tolist()
        self.vehicle = vehicle.tolist()
        self.draws = draws
        self.channel = draws.channel.tolist()
        self.mode = draws.mode.tolist()
        self.div: FlowDraws | None = None
        self.div_u: list[float] = []
        self.div_channel: list[int] = []
        self.div_mode: list[int] = []


class _Flow:
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
        self.drawer = FlowDrawer(gate, gname, flow, key, model.class_names, streams, model.plant.lookup(gname))
        self.fees = sc.fees
        self.classes = model.class_names
        self.diversion: _Diversion | None = None

    def next_block(self) -> _Block | None:
        """The next block of trucks, or None when the flow has no more arrivals."""
        times = self.arrivals.next_block()
        if not len(times):
            return None
        n = len(times)
        cls = draw_classes(times, self.rates, self.class_gen.random(n))
        vehicle = draw_vehicles(self.fees, self.classes, cls, self.vehicle_gen.random(n))
        block = _Block(times, cls, vehicle, self.drawer.block(cls))
        div = self.diversion
        if div is not None:
            block.div = div.drawer.block(cls)
            block.div_u = div.u_gen.random(n).tolist()
            block.div_channel = block.div.channel.tolist()
            block.div_mode = block.div.mode.tolist()
        return block


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
        self.buffer = EventBuffer()
        self.horizon = scenario.run.days * 1440.0
        self.class_names = tuple(scenario.cargo_classes)
        self.plant: Plant = build_plant(scenario)
        self.flow_keys = [(g, f) for g, gate in scenario.gates.items() for f in gate.flows]
        self.layout: RunLayout = layout_of(scenario, self.plant, self.flow_keys, replication)
        self.flows = [_Flow(self, g, f) for g, f in self.flow_keys]
        for fi, (g, f) in enumerate(self.flow_keys):
            self.flows[fi].diversion = self._diversion(g, f)
        self.diversions = [flow.diversion for flow in self.flows]
        names = ("open_truck", "open_stage", "open_t", "start_row", "start_t", "end_row", "end_t")
        self._log = tuple(self.buffer.appender(n) for n in names)
        self._arrive = tuple(
            self.buffer.appender(n)
            for n in (
                "arrive_flow",
                "arrive_origin",
                "arrive_class",
                "arrive_t",
                "arrive_channel",
                "arrive_mode",
                "arrive_vehicle",
            )
        )
        self._exit = (self.buffer.appender("exit_truck"), self.buffer.appender("exit_t"))
        self._next_row = itertools.count().__next__

    def _diversion(self, gname: str, fname: str) -> _Diversion | None:
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
        target_gate = sc.gates[spec.to]
        drawer = FlowDrawer(
            target_gate,
            spec.to,
            target_gate.flows[target_flow],
            key,
            self.class_names,
            self.streams,
            self.plant.lookup(spec.to),
        )
        yard = self.plant.lookup(gname)(flow.route[0])
        return _Diversion(
            yard,
            spec.share,
            spec.when_yard_full,
            spec.road_queue_above,
            spec.travel_min,
            target,
            drawer,
            self.streams.get(key),
        )

    def _source(self) -> Generator[simpy.Event, Any, None]:
        """Start every truck at its arrival time, merging the flows in time order (ties: flow order)."""
        env = self.env
        blocks: list[_Block | None] = [flow.next_block() for flow in self.flows]
        heap = [(b.times[0], fi, 0) for fi, b in enumerate(blocks) if b is not None]
        heapq.heapify(heap)
        tid = 0
        while heap:
            t, fi, j = heap[0]
            delay = t - env.now
            if delay > 0:
                yield env.timeout(delay)
            block = blocks[fi]
            assert block is not None
            env.process(self._truck(tid, fi, j, block))
            tid += 1
            j += 1
            if j == len(block.times):
                block = blocks[fi] = self.flows[fi].next_block()
                j = 0
            if block is None:
                heapq.heappop(heap)
            else:
                heapq.heapreplace(heap, (block.times[j], fi, j))

    def _truck(self, tid: int, fi: int, j: int, block: _Block) -> Generator[simpy.Event, Any, None]:
        env = self.env
        ci = block.cls[j]
        route: Sequence[Step] = block.draws.routes[ci]
        div = self.diversions[fi]
        f_arrive, f_origin, f_class, f_t, f_channel, f_mode, f_vehicle = self._arrive
        diverted = div is not None and block.div_u[j] < div.share and div.triggered()
        if diverted:
            assert div is not None and block.div is not None
            route = block.div.routes[ci]
            f_arrive(div.target)
            f_origin(fi)
            f_channel(block.div_channel[j])
            f_mode(block.div_mode[j])
        else:
            f_arrive(fi)
            f_origin(-1)
            f_channel(block.channel[j])
            f_mode(block.mode[j])
        f_class(ci)
        f_t(env.now)
        f_vehicle(block.vehicle[j])
        if diverted and div is not None and div.travel > 0:
            yield env.timeout(div.travel)
        o_truck, o_stage, o_t, s_row, s_t, e_row, e_t = self._log
        next_row = self._next_row
        held: tuple[Any, int] | None = None
        for stage, service, visits, is_yard in route:
            if visits is not None and not visits[j]:
                continue
            row = next_row()
            o_truck(tid)
            o_stage(stage.index)
            o_t(env.now)
            if stage.busy < stage.servers:
                stage.busy += 1
            else:
                turn = env.event()
                stage.queue.append(turn)
                yield turn
            if is_yard:
                s_row(row)
                s_t(env.now)
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
            s_row(row)
            s_t(env.now)
            yield env.timeout(service[j])  # type: ignore[index]
            e_row(row)
            e_t(env.now)
            if stage.queue:
                stage.queue.popleft().succeed()
            else:
                stage.busy -= 1
        if held is not None:
            self._release(*held)
        x_truck, x_t = self._exit
        x_truck(tid)
        x_t(env.now)

    def _release(self, yard: Any, row: int) -> None:
        _, _, _, _, _, e_row, e_t = self._log
        e_row(row)
        e_t(self.env.now)
        if yard.queue:
            yard.queue.popleft().succeed()
        else:
            yard.busy -= 1

    def _windows(self, observers: Sequence[Observer], progress: Progress | None) -> Generator[simpy.Event, Any, None]:
        """Hand the observers each window's events (the last window comes from :meth:`run`)."""
        start = 0.0
        while start + WINDOW_MIN < self.horizon:
            end = start + WINDOW_MIN
            yield self.env.timeout(end - self.env.now)
            self._hand_over(start, end, observers)
            if progress is not None:
                progress(end, self.horizon)
            start = end
        self._last_start = start

    def _hand_over(self, start: float, end: float, observers: Sequence[Observer]) -> None:
        cols = self.buffer.take(end)
        lay = self.layout
        flow = cols["arrive_flow"].astype(np.int64)
        gate = lay.flow_gate[flow] if len(flow) else np.empty(0, np.int16)
        direction = np.array(lay.flow_direction)[flow] if len(flow) else np.empty(0, str)
        infra, trans = truck_fees(
            self.scenario, gate, direction, cols["arrive_class"], cols["arrive_mode"], cols["arrive_vehicle"]
        )
        events = WindowEvents(
            start=start, end=end, arrive_fee_infrastructure=infra, arrive_fee_transloading=trans, **cols
        )
        for observer in observers:
            observer.window(events)

    def run(self, observers: Sequence[Observer] = (), progress: Progress | None = None) -> None:
        """Run to the horizon, handing every window of events to ``observers`` in time order.

        Parameters
        ----------
        observers : sequence of Observer
            Each gets :meth:`~simulator.engine.eventlog.Observer.window` once per simulated
            week; the last window ends at the horizon and holds everything still pending.
        progress : callable, optional
            Called as ``progress(simulated_minutes, horizon_minutes)`` after each window.
        """
        self._last_start = 0.0
        self.env.process(self._source())
        self.env.process(self._windows(observers, progress))
        self.env.run(until=self.horizon)
        self._hand_over(self._last_start, math.inf, observers)
        if progress is not None:
            progress(self.horizon, self.horizon)

    def output(self) -> RunOutput:
        """Run to the horizon and return the whole record (every event kept in memory)."""
        collector = Collector()
        self.run([collector])
        return RunOutput.collect(self.layout, collector)


def simulate(
    scenario: Scenario, replication: int = 0, seed: int | None = None, demand_multiplier: float = 1.0
) -> RunOutput:
    """Build and run one replication of ``scenario`` and return its whole record.

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
    return Model(scenario, replication, seed, demand_multiplier).output()
