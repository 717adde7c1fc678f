"""The SimPy model: one process per truck walking its route through yards and stages.

A :class:`Model` is built fresh for every replication from a frozen :class:`Scenario`;
all runtime state lives here, none on the scenario. The truck's journey reads top to
bottom in the ``truck`` process built by :meth:`Model._make_truck`: it may be diverted on
arrival, then for each step of its route it either takes a yard slot (keeping it until the
next yard or the exit) or waits for a server, for opening hours and under caps, and is
served. Arrivals and every per-truck random draw are made a block of trucks at a time as the
run goes (:mod:`.blocks`, :mod:`.arrivals`, :mod:`.draws`), from named streams, so they do
not depend on the block size.

What happens is appended to an :class:`~simulator.engine.eventlog.EventBuffer` and handed to
the observers one simulated week at a time; :func:`simulate` collects it into a
:class:`~simulator.engine.output.RunOutput`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Generator, Sequence
from typing import Any

import numpy as np
import simpy

from simulator.engine.arrivals import BLOCK
from simulator.engine.blocks import FlowSource, TruckBlock, build_diversion, lab_rules
from simulator.engine.demand import DemandState, has_demand
from simulator.engine.draws import Step
from simulator.engine.eventlog import WINDOW_MIN, Collector, EventBuffer, Observer, WindowEvents
from simulator.engine.fees import truck_fees
from simulator.engine.output import RunLayout, RunOutput, layout_of
from simulator.engine.plant import Plant, build_plant
from simulator.engine.streams import RandomStreams
from simulator.scenario.models import Scenario

__all__ = ["WINDOW_MIN", "Model", "RunOutput", "simulate"]

Progress = Callable[[float, float], None]


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
        self.demand: DemandState | None = None
        if has_demand(scenario):
            self.demand = DemandState(scenario, self.flow_keys, self.streams, self.plant, self.env, self.buffer)
            self.demand.send = self._send
        self.layout: RunLayout = layout_of(scenario, self.plant, self.flow_keys, replication)
        self.lab = {g: lab_rules(self, g) for g in scenario.gates}  # dated lab-hold rules by gate
        self.flows = [FlowSource(self, g, f) for g, f in self.flow_keys]
        for fi, (g, f) in enumerate(self.flow_keys):
            self.flows[fi].diversion = build_diversion(self, g, f)
        self.diversions = [flow.diversion for flow in self.flows]
        names = ("open_truck", "open_stage", "open_t", "start_row", "start_t", "end_row", "end_t")
        self._log = tuple(self.buffer.appender(n) for n in names)
        self._divert = tuple(
            self.buffer.appender(n)
            for n in ("divert_truck", "divert_t", "divert_flow", "divert_channel", "divert_mode")
        )
        self._exit = (self.buffer.appender("exit_truck"), self.buffer.appender("exit_t"))
        self._next_row = itertools.count().__next__
        self._next_tid = itertools.count().__next__
        self._truck = self._make_truck()
        self._blocks: dict[int, TruckBlock] = {}  # blocks whose arrivals are not all handed over yet
        self._current: list[TruckBlock | None] = []
        self._scheduled: set[int] = set()

    def _next_block(self, fi: int) -> TruckBlock | None:
        serial = self._serial
        self._serial += 1
        block = self.flows[fi].next_block(serial, fi)
        if block is not None:
            self._blocks[serial] = block
        return block

    def _due(self, until: float) -> tuple[list[float], list[int], list[int], list[TruckBlock]]:
        """The arrivals of every flow before ``until``, merged in time order (ties: flow order)."""
        times, refs, owners = [], [], []
        blocks: list[TruckBlock] = []
        for fi in range(len(self.flows)):
            block = self._current[fi]
            while block is not None:
                pos = self._pos[fi]
                end = int(np.searchsorted(block.times_np, until, side="left"))
                if end > pos:
                    times.append(block.times_np[pos:end])
                    refs.append(np.arange(pos, end, dtype=np.int64))
                    owners.append(np.full(end - pos, len(blocks), dtype=np.int64))
                    blocks.append(block)
                if end < len(block.times):
                    self._pos[fi] = end
                    break
                block = self._current[fi] = self._next_block(fi)
                self._pos[fi] = 0
        if not times:
            return [], [], [], blocks
        t = np.concatenate(times)
        order = np.argsort(t, kind="stable")
        return t[order].tolist(), np.concatenate(refs)[order].tolist(), np.concatenate(owners)[order].tolist(), blocks

    def _source(self) -> Generator[simpy.Event, Any, None]:
        """Start every truck at its arrival time, a simulated day of arrivals at a time."""
        env = self.env
        process, timeout, truck, next_tid = env.process, env.timeout, self._truck, self._next_tid
        a_ref, a_t = self.buffer.appender("arrive_ref"), self.buffer.appender("arrive_t")
        demand = self.demand
        self._serial = 0
        self._current = [self._next_block(fi) for fi in range(len(self.flows))]
        self._pos = [0] * len(self.flows)
        until = 0.0
        while any(b is not None for b in self._current):
            until += 1440.0
            times, refs, owners, blocks = self._due(until)
            self._scheduled = {b.serial for b in blocks}  # their arrivals are not all emitted yet
            for t, j, owner in zip(times, refs, owners):
                delay = t - env._now
                if delay > 0:
                    yield timeout(delay)
                block = blocks[owner]
                if demand is not None and not demand.offer(block, j):
                    continue  # balked, deferred, held or refused
                a_ref(block.serial * BLOCK + j)
                a_t(env._now)  # the clock's value, so a truck's first queue time equals its arrival exactly
                process(truck(next_tid(), block.flow, j, block))

    def _send(self, block: TruckBlock, j: int) -> None:
        """Send truck ``j`` of ``block`` now: a deferred or held truck of reacting demand."""
        self.buffer.appender("arrive_ref")(block.serial * BLOCK + j)
        self.buffer.appender("arrive_t")(self.env._now)
        self.env.process(self._truck(self._next_tid(), block.flow, j, block))

    def _make_truck(self) -> Callable[[int, int, int, TruckBlock], Generator[simpy.Event, Any, None]]:
        """The truck process, with everything its hot loop uses bound as local names of a closure.

        ``env._now`` is SimPy's clock read directly: the ``now`` property costs a call per read,
        and the loop reads the clock at every queue entry, start and end.
        """
        env = self.env
        event, timeout = env.event, env.timeout
        diversions = self.diversions
        o_truck, o_stage, o_t, s_row, s_t, e_row, e_t = self._log
        d_truck, d_t, d_flow, d_channel, d_mode = self._divert
        x_truck, x_t = self._exit
        next_row = self._next_row
        inf = math.inf
        demand = self.demand
        gate_of = self.layout.flow_gate.tolist()

        def truck(tid: int, fi: int, j: int, block: TruckBlock) -> Generator[simpy.Event, Any, None]:
            ci = block.cls[j]
            route: Sequence[Step] = block.draws.routes[ci]
            div = diversions[fi]
            served = fi
            deadline = inf  # when the truck's patience runs out, counted from its arrival (reacting demand)
            if demand is not None and block.patience is not None:
                deadline = env._now + block.patience[j]
            if div is not None and block.div_u[j] < div.share and div.triggered():
                served = div.target
                assert block.div is not None
                route = block.div.routes[ci]
                d_truck(tid)
                d_t(env._now)
                d_flow(div.target)
                d_channel(int(block.div.channel[j]))
                d_mode(int(block.div.mode[j]))
                if div.travel > 0:
                    yield timeout(div.travel)
            yard: Any = None
            held = gi = 0
            if demand is not None:
                gi = gate_of[served]
                if served != fi:
                    demand.moved(gate_of[fi], gi, ci)
            for stage, service, visits, is_yard in route:
                if visits is not None and not visits[j]:
                    continue
                row = next_row()
                o_truck(tid)
                o_stage(stage.index)
                o_t(env._now)
                if stage.busy < stage.servers:
                    stage.busy += 1
                else:
                    turn = event()
                    stage.queue.append(turn)
                    if deadline == inf:
                        yield turn
                    else:
                        if deadline > env._now:
                            yield turn | timeout(deadline - env._now)
                        if not turn.triggered:  # out of patience: leave the queue for a gate outside the model
                            stage.queue.remove(turn)
                            demand.renege(tid, row, yard, held, gi, ci)  # type: ignore[union-attr]
                            return
                if is_yard:
                    s_row(row)
                    s_t(env._now)
                    if yard is not None:  # leave the previous yard now that a slot here is taken
                        e_row(held)
                        e_t(env._now)
                        if yard.queue:
                            yard.queue.popleft().succeed()
                        else:
                            yard.busy -= 1
                    yard, held = stage, row
                    continue
                if stage.gated:
                    while True:
                        now = env._now
                        start = stage.next_start(now)
                        if start == now:
                            break
                        yield timeout(start - now) if start < inf else event()
                    if stage.caps is not None:
                        stage.caps.consume(env._now)
                s_row(row)
                s_t(env._now)
                yield timeout(service[j])  # type: ignore[index]
                e_row(row)
                e_t(env._now)
                if stage.queue:
                    stage.queue.popleft().succeed()
                else:
                    stage.busy -= 1
            if yard is not None:
                e_row(held)
                e_t(env._now)
                if yard.queue:
                    yard.queue.popleft().succeed()
                else:
                    yard.busy -= 1
            x_truck(tid)
            x_t(env._now)
            if demand is not None:
                demand.leave(gi, ci, True)

        return truck

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
        arrivals = self._arrivals(cols)
        lay = self.layout
        flow = arrivals["arrive_flow"].astype(np.int64)
        gate = lay.flow_gate[flow] if len(flow) else np.empty(0, np.int16)
        direction = np.array(lay.flow_direction)[flow] if len(flow) else np.empty(0, str)
        infra, trans = truck_fees(
            self.scenario,
            gate,
            direction,
            arrivals["arrive_class"],
            arrivals["arrive_mode"],
            arrivals["arrive_vehicle"],
        )
        kept = {k: cols[k] for k in WindowEvents.__dataclass_fields__ if k in cols}
        events = WindowEvents(
            start=start, end=end, arrive_fee_infrastructure=infra, arrive_fee_transloading=trans, **kept, **arrivals
        )
        for observer in observers:
            observer.window(events)

    def _arrivals(self, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every arrival's flow, class, channel, mode and vehicle, from its block (and its diversion)."""
        refs = cols["arrive_ref"]
        n = len(refs)
        out: dict[str, np.ndarray] = {
            "arrive_flow": np.empty(n, np.int16),
            "arrive_class": np.empty(n, np.int16),
            "arrive_channel": np.empty(n, np.int8),
            "arrive_mode": np.empty(n, np.int8),
            "arrive_vehicle": np.empty(n, np.int16),
        }
        serial, j = refs // BLOCK, refs % BLOCK
        for s in np.unique(serial).tolist():
            block = self._blocks[s]
            rows = serial == s
            k = j[rows]
            out["arrive_flow"][rows] = block.flow
            out["arrive_class"][rows] = block.cls_np[k]
            out["arrive_channel"][rows] = block.draws.channel[k]
            out["arrive_mode"][rows] = block.draws.mode[k]
            out["arrive_vehicle"][rows] = block.vehicle_np[k]
        origin = np.full(n, -1, np.int16)
        where = cols["divert_truck"].astype(np.int64) - self.buffer.trucks_before
        origin[where] = out["arrive_flow"][where]
        out["arrive_flow"][where] = cols["divert_flow"]
        out["arrive_channel"][where] = cols["divert_channel"]
        out["arrive_mode"][where] = cols["divert_mode"]
        out["arrive_origin"] = origin
        pending = {int(r) // BLOCK for r in self.buffer.arrays["arrive_ref"]}
        keep = pending | self._scheduled | {b.serial for b in self._current if b is not None}
        if self.demand is not None:
            keep |= set(self.demand.pending)  # deferred and held trucks are sent later
        for s in [s for s in self._blocks if s not in keep]:
            del self._blocks[s]
        return out

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
