"""The SimPy model: one process per truck walking its route through FIFO stages.

A :class:`Model` is built fresh for every replication from a frozen :class:`Scenario`;
all runtime state lives here, none on the scenario. Every random quantity of a truck
(class, visits, service times) is drawn when the run is set up, from streams named after
the gate, flow and stage, and indexed by the truck's position in its flow. A truck keeps
its draws whatever the queue order, and a change to one stage leaves every other
stage's numbers unchanged.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from .arrivals import arrival_times, hourly_rates
from .calendar import OpenSchedule
from .config import Flow, Gate, Scenario, Stage
from .recording import EventLog, VisitLog
from .streams import RandomStreams

__all__ = ["Model", "RunOutput", "simulate"]


class StageRuntime:
    """FIFO multi-server stage: a server count, a waiting line and opening hours."""

    __slots__ = ("busy", "index", "queue", "schedule", "servers")

    def __init__(self, index: int, servers: int, schedule: OpenSchedule | None) -> None:
        self.index = index
        self.servers = servers
        self.busy = 0
        self.queue: deque[simpy.Event] = deque()
        self.schedule = schedule


RouteStep = tuple[StageRuntime, list[float], list[bool] | None]


@dataclass(frozen=True)
class RunOutput:
    """What one replication produced: the truck table and the visit log.

    Truck columns are indexed by truck id (arrival order). Times are in minutes; a NaN
    exit means the truck was still in the system at the end.
    """

    scenario: str
    replication: int
    horizon_min: float
    warmup_min: float
    gate_names: tuple[str, ...]
    flow_names: tuple[str, ...]
    flow_gate: np.ndarray
    flow_direction: tuple[str, ...]
    class_names: tuple[str, ...]
    stage_names: tuple[str, ...]
    stage_gate: np.ndarray
    stage_servers: np.ndarray
    stage_schedules: tuple[OpenSchedule | None, ...]
    truck_flow: np.ndarray
    truck_class: np.ndarray
    t_arrive: np.ndarray
    t_exit: np.ndarray
    visits: VisitLog


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
        self.stages: dict[tuple[str, str], StageRuntime] = {}
        for gname, gate in scenario.gates.items():
            for sname, stage in gate.stages.items():
                self.stages[(gname, sname)] = StageRuntime(len(self.stages), stage.servers, self._schedule(gate, stage))
        self.flow_keys = [(g, f) for g, gate in scenario.gates.items() for f in gate.flows]
        arrivals, classes, routes = [], [], []
        for gname, fname in self.flow_keys:
            t, cls, flow_routes = self._prepare_flow(gname, fname)
            arrivals.append(t)
            classes.append(cls)
            routes.append(flow_routes)
        self._merge_arrivals(arrivals, classes, routes)

    def _schedule(self, gate: Gate, stage: Stage) -> OpenSchedule | None:
        run = self.scenario.run
        if stage.hours is None and not stage.closed_weekdays:
            return None
        offset = next(o for o in (stage.utc_offset_h, gate.utc_offset_h, run.utc_offset_h) if o is not None)
        return OpenSchedule.build(
            stage.hours if stage.hours is not None else ["00:00-24:00"],
            start_date=run.start_date,
            days=run.days,
            offset_h=offset,
            model_offset_h=run.utc_offset_h,
            closed_weekdays=stage.closed_weekdays,
        )

    def _prepare_flow(self, gname: str, fname: str) -> tuple[np.ndarray, np.ndarray, list[list[RouteStep]]]:
        """Draw the flow's arrivals, classes, visits and service times from named streams."""
        gate = self.scenario.gates[gname]
        flow = gate.flows[fname]
        key = f"{gname}:{fname}"
        shift = gate.utc_offset_h if gate.utc_offset_h is not None else self.scenario.run.utc_offset_h
        shift -= self.scenario.run.utc_offset_h
        rates = hourly_rates(flow, self.scenario.run, shift)
        t = arrival_times(rates, self.streams.get(f"arrivals:{key}"), self.multiplier)
        n = len(t)
        cls = self._draw_classes(flow, n, self.streams.get(f"class:{key}"))
        steps: dict[str, tuple[list[float], list[bool] | None]] = {}
        for sname in _stages_used(flow):
            stage = gate.stages[sname]
            steps[sname] = self._draw_stage(stage, cls, self.streams, f"{key}:{sname}")
        routes = []
        for cname in self.class_names:
            route = flow.route_for(cname)
            routes.append([(self.stages[(gname, s)], *steps[s]) for s in route])
        return t, cls, routes

    def _draw_classes(self, flow: Flow, n: int, rng: np.random.Generator) -> np.ndarray:
        shares = np.array([flow.class_mix.get(c, 0.0) for c in self.class_names])
        cum = np.cumsum(shares)
        cum[-1] = 1.0
        u = rng.random(n)
        return np.minimum(np.searchsorted(cum, u, side="right"), len(shares) - 1).astype(np.int16)

    def _draw_stage(
        self, stage: Stage, cls: np.ndarray, streams: RandomStreams, key: str
    ) -> tuple[list[float], list[bool] | None]:
        n = len(cls)
        u_service = streams.get(f"service:{key}").random(n)
        service = np.empty(n)
        probs = np.ones(len(self.class_names))
        for ci, cname in enumerate(self.class_names):
            mask = cls == ci
            if mask.any():
                service[mask] = stage.service_for(cname).ppf(u_service[mask])
            probs[ci] = stage.visit_probability_for(cname)
        u_visit = streams.get(f"visit:{key}").random(n)
        visits = None if (probs >= 1.0).all() else (u_visit < probs[cls]).tolist()
        return service.tolist(), visits

    def _merge_arrivals(self, arrivals: list[np.ndarray], classes: list[np.ndarray], routes: list[Any]) -> None:
        counts = [len(a) for a in arrivals]
        flow_of = np.repeat(np.arange(len(arrivals), dtype=np.int16), counts)
        index_in_flow = np.concatenate([np.arange(c) for c in counts]) if counts else np.empty(0, int)
        times = np.concatenate(arrivals) if arrivals else np.empty(0)
        order = np.argsort(times, kind="stable")
        self.t_arrive = times[order]
        self.truck_flow = flow_of[order]
        self.truck_index = index_in_flow[order]
        self.truck_class = (np.concatenate(classes) if classes else np.empty(0, np.int16))[order]
        self.routes = routes
        self.t_exit = [math.nan] * len(order)
        self.arrived = self.t_arrive.tolist()

    def _source(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        routes = self.routes
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
            env.process(self._truck(tid, idx[tid], routes[flows[tid]][classes[tid]]))

    def _truck(self, tid: int, k: int, route: Sequence[RouteStep]) -> Generator[simpy.Event, Any, None]:
        env = self.env
        log = self.log
        for stage, service, visits in route:
            if visits is not None and not visits[k]:
                continue
            row = len(log.t_queue)
            log.truck.append(tid)
            log.stage.append(stage.index)
            log.t_queue.append(env.now)
            log.t_start.append(math.nan)
            log.t_end.append(math.nan)
            if stage.busy < stage.servers:
                stage.busy += 1
            else:
                turn = env.event()
                stage.queue.append(turn)
                yield turn
            if stage.schedule is not None:
                opens = stage.schedule.next_open(env.now)
                if opens > env.now:
                    yield env.timeout(opens - env.now) if opens < math.inf else env.event()
            log.t_start[row] = env.now
            yield env.timeout(service[k])
            log.t_end[row] = env.now
            if stage.queue:
                stage.queue.popleft().succeed()
            else:
                stage.busy -= 1
        self.t_exit[tid] = env.now

    def run(self) -> RunOutput:
        """Run to the horizon and return the frozen records."""
        self.env.process(self._source())
        self.env.run(until=self.horizon)
        sc = self.scenario
        stage_keys = list(self.stages)
        gate_names = tuple(sc.gates)
        return RunOutput(
            scenario=sc.name,
            replication=self.replication,
            horizon_min=self.horizon,
            warmup_min=sc.run.warmup_days * 1440.0,
            gate_names=gate_names,
            flow_names=tuple(f"{g}.{f}" for g, f in self.flow_keys),
            flow_gate=np.array([gate_names.index(g) for g, _ in self.flow_keys], dtype=np.int16),
            flow_direction=tuple(sc.gates[g].flows[f].direction for g, f in self.flow_keys),
            class_names=self.class_names,
            stage_names=tuple(f"{g}.{s}" for g, s in stage_keys),
            stage_gate=np.array([gate_names.index(g) for g, _ in stage_keys], dtype=np.int16),
            stage_servers=np.array([self.stages[k].servers for k in stage_keys], dtype=np.int32),
            stage_schedules=tuple(self.stages[k].schedule for k in stage_keys),
            truck_flow=self.truck_flow,
            truck_class=self.truck_class,
            t_arrive=np.array(self.arrived, dtype=np.float64),
            t_exit=np.array(self.t_exit, dtype=np.float64),
            visits=self.log.freeze(),
        )


def _stages_used(flow: Flow) -> list[str]:
    seen: dict[str, None] = {}
    for route in (flow.route, *flow.route_by_class.values()):
        seen.update(dict.fromkeys(route))
    return list(seen)


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
