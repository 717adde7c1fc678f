"""Demand that reacts to congestion, at run time: balking, deferral, reneging and dispatch suspension.

The model builds a :class:`DemandState` only when some gate has a ``demand:`` block
(:mod:`simulator.scenario.demand`), so a scenario without one runs exactly as before. The
state counts the trucks in each gate's system by class (a truck counts at the gate it was sent
to, or the gate it was diverted to, from the moment it is sent until it exits or reneges), decides
each truck's dispatch when it is due (:meth:`DemandState.offer`), sends deferred and held trucks
later through the model's ``send``, and watches the suspension thresholds on every change of a
count, so a suspension starts the moment the count reaches ``suspend_at`` and ends the moment it
falls to ``resume_at``. Every draw comes from streams of its own (``balk:``, ``defer:``,
``patience:`` followed by ``gate:flow``), so the other streams are unchanged.

What happens is appended to the event buffer: ``demand_*`` (a truck balked, was deferred or was
lost; :data:`BALKED`, :data:`DEFERRED`, :data:`LOST`) and ``suspend_*`` (a suspension started
or ended).
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import simpy

    from simulator.engine.eventlog import EventBuffer
    from simulator.engine.plant import Plant
    from simulator.engine.streams import RandomStreams
    from simulator.scenario.demand import Balking
    from simulator.scenario.models import Scenario

__all__ = ["BALKED", "DEFERRED", "LOST", "DemandState", "UniformFeed", "has_demand"]

BALKED, DEFERRED, LOST = 0, 1, 2
HOUR = 60.0


def has_demand(sc: Scenario) -> bool:
    """Whether any gate of ``sc`` has a ``demand:`` block."""
    return any(g.demand is not None for g in sc.gates.values())


class UniformFeed:
    """Uniform numbers of one stream, one at a time, drawn a thousand at a time."""

    __slots__ = ("buf", "pos", "rng")

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.buf: list[float] = []
        self.pos = 0

    def __call__(self) -> float:
        if self.pos == len(self.buf):
            self.buf, self.pos = self.rng.random(1024).tolist(), 0
        self.pos += 1
        return self.buf[self.pos - 1]


@dataclass
class _Suspension:
    gate: int
    classes: tuple[int, ...] | None  # None: every class
    suspend_at: int
    resume_at: int
    refuse: bool
    index: int
    active: bool = False
    held: list[tuple[Any, int]] = field(default_factory=list)

    def covers(self, ci: int) -> bool:
        return self.classes is None or ci in self.classes


@dataclass
class _FlowDemand:
    gate: int
    rules: list[Balking | None]  # by class index
    balk_u: UniformFeed
    defer_u: UniformFeed
    patience: list[Any]  # distribution by class index, None: never reneges
    patience_gen: np.random.Generator


class DemandState:
    """Counts, rules and draws of reacting demand for one replication.

    Parameters
    ----------
    sc : Scenario
        The scenario (some gate has a ``demand:`` block).
    flow_keys : sequence of (gate, flow)
        The model's flows, in its order.
    streams : RandomStreams
        The replication's streams.
    plant : Plant
        The resources (the yards, for the ``yard_road`` measure).
    env : simpy.Environment
        The model's environment.
    buffer : EventBuffer
        Where the demand and suspension events go.
    """

    def __init__(
        self,
        sc: Scenario,
        flow_keys: Sequence[tuple[str, str]],
        streams: RandomStreams,
        plant: Plant,
        env: simpy.Environment,
        buffer: EventBuffer,
    ) -> None:
        self.env = env
        classes = tuple(sc.cargo_classes)
        gates = tuple(sc.gates)
        self.flow_gate = [gates.index(g) for g, _ in flow_keys]
        self.live = [[0] * len(classes) for _ in gates]
        self.total = [0] * len(gates)
        self.done = [0] * len(gates)
        self.wait_h = [0.0] * len(gates)
        kinds = dict(zip(plant.resources, plant.kinds, strict=True))
        self.yards = [[r for k, r in plant.resources.items() if k[0] == g and kinds[k] == "yard"] for g in gates]
        self.flows = [self._flow(sc, g, f, gates, classes, streams) for g, f in flow_keys]
        self.suspensions: list[list[_Suspension]] = [[] for _ in gates]
        for gi, gate in enumerate(sc.gates.values()):
            for i, s in enumerate(gate.demand.suspension if gate.demand is not None else ()):
                cls = tuple(classes.index(c) for c in s.classes) if s.classes else None
                self.suspensions[gi].append(_Suspension(gi, cls, s.suspend_at, s.resume_at, s.action == "refuse", i))
        self.pending: Counter[int] = Counter()  # block serial -> trucks deferred or held from it
        self.send: Callable[[Any, int], None] = lambda block, j: None  # set by the model
        self._event = tuple(buffer.appender(n) for n in ("demand_t", "demand_flow", "demand_class", "demand_what"))
        names = ("start_row", "start_t", "end_row", "end_t", "renege_truck", "renege_row", "renege_t")
        self._renege = tuple(buffer.appender(n) for n in (*names, "exit_truck", "exit_t"))
        self._suspend = tuple(buffer.appender(n) for n in ("suspend_t", "suspend_gate", "suspend_rule", "suspend_on"))
        windows = {
            fd.gate: r.window_h
            for fd in self.flows
            for r in fd.rules
            if r is not None and r.measure == "expected_wait_h"
        }
        for gi, window_h in windows.items():
            env.process(self._publish(gi, max(1, round(window_h))))

    @staticmethod
    def _flow(
        sc: Scenario, gname: str, fname: str, gates: tuple[str, ...], classes: tuple[str, ...], streams: RandomStreams
    ) -> _FlowDemand:
        spec = sc.gates[gname].demand
        key = f"{gname}:{fname}"
        rules = [spec.balking_for(fname, c) if spec is not None else None for c in classes]
        patience = [spec.patience.get(c) if spec is not None else None for c in classes]
        return _FlowDemand(
            gates.index(gname),
            rules,
            UniformFeed(streams.get(f"balk:{key}")),
            UniformFeed(streams.get(f"defer:{key}")),
            patience,
            streams.get(f"patience:{key}"),
        )

    # --- per-truck draws --------------------------------------------------------------------
    def patience_block(self, fi: int, cls: np.ndarray) -> list[float] | None:
        """Patience (minutes) of each truck of a block of flow ``fi``; None when no class has one."""
        fd = self.flows[fi]
        if all(p is None for p in fd.patience):
            return None
        u = fd.patience_gen.random(len(cls))
        out = np.full(len(cls), math.inf)
        for ci, dist in enumerate(fd.patience):
            mine = cls == ci
            if dist is not None and mine.any():
                out[mine] = dist.ppf(u[mine])
        return out.tolist()

    # --- dispatch ---------------------------------------------------------------------------
    def measure(self, gi: int, on: str) -> float:
        """The backlog measure ``on`` of gate ``gi`` now."""
        if on == "in_system":
            return float(self.total[gi])
        if on == "yard_road":
            return float(sum(y.busy + len(y.queue) for y in self.yards[gi]))
        return self.wait_h[gi]

    def offer(self, block: Any, j: int) -> bool:
        """Decide the dispatch of truck ``j`` of ``block`` now: True to send it (it is counted sent)."""
        fi, ci = block.flow, block.cls[j]
        fd = self.flows[fi]
        if not self._admitted(block, j, fd.gate, ci):
            return False
        rule = fd.rules[ci]
        if rule is not None and fd.balk_u() < rule.probability(self.measure(fd.gate, rule.measure)):
            self._log(fi, ci, BALKED)
            if rule.deferred_share > 0 and fd.defer_u() < rule.deferred_share:
                assert rule.defer_delay is not None
                self._log(fi, ci, DEFERRED)
                self.pending[block.serial] += 1
                delay = float(rule.defer_delay.ppf(np.array([fd.defer_u()]))[0])
                self.env.process(self._later(delay, block, j))
            else:
                self._log(fi, ci, LOST)
            return False
        self.enter(fd.gate, ci)
        return True

    def _admitted(self, block: Any, j: int, gi: int, ci: int, counted: bool = False) -> bool:
        """False when a suspension of gate ``gi`` holds or refuses class ``ci`` now (``counted``: a held
        truck being released, already counted as deferred)."""
        for rule in self.suspensions[gi]:
            if rule.active and rule.covers(ci):
                if rule.refuse:
                    self._log(block.flow, ci, LOST)
                else:
                    if not counted:
                        self._log(block.flow, ci, DEFERRED)
                    self.pending[block.serial] += 1
                    rule.held.append((block, j))
                return False
        return True

    def _later(self, delay: float, block: Any, j: int) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(delay)
        self._release(block)
        if self.offer(block, j):
            self.send(block, j)

    def _release(self, block: Any) -> None:
        self.pending[block.serial] -= 1
        if not self.pending[block.serial]:
            del self.pending[block.serial]

    def _log(self, fi: int, ci: int, what: int) -> None:
        t, f, c, w = self._event
        t(self.env._now)
        f(fi)
        c(ci)
        w(what)

    # --- the counts and the suspensions -------------------------------------------------------
    def enter(self, gi: int, ci: int) -> None:
        """A truck of class ``ci`` is sent to gate ``gi``."""
        self.live[gi][ci] += 1
        self.total[gi] += 1
        for rule in self.suspensions[gi]:
            if not rule.active and rule.covers(ci) and self._count(rule) >= rule.suspend_at:
                rule.active = True
                self._mark(rule, 1)

    def leave(self, gi: int, ci: int, cleared: bool) -> None:
        """A truck of class ``ci`` leaves gate ``gi``'s system (``cleared``: by its exit, not reneging)."""
        self.live[gi][ci] -= 1
        self.total[gi] -= 1
        if cleared:
            self.done[gi] += 1
        for rule in self.suspensions[gi]:
            if rule.active and rule.covers(ci) and self._count(rule) <= rule.resume_at:
                rule.active = False
                self._mark(rule, 0)
                held, rule.held = rule.held, []
                for block, j in held:  # sent now, unless another suspension still holds them
                    self._release(block)
                    if self._admitted(block, j, gi, block.cls[j], counted=True):
                        self.enter(gi, block.cls[j])
                        self.send(block, j)

    def renege(self, tid: int, row: int, yard: Any, held: int, gi: int, ci: int) -> None:
        """Truck ``tid`` leaves the queue of its visit ``row`` now, out of patience, and the model.

        The row starts and ends now (so queue levels stay right; the collected log shows no
        start), the yard the truck held is released, and the truck exits, marked as reneged.
        """
        now = self.env._now
        s_row, s_t, e_row, e_t, r_truck, r_row, r_t, x_truck, x_t = self._renege
        s_row(row)
        s_t(now)
        e_row(row)
        e_t(now)
        if yard is not None:
            e_row(held)
            e_t(now)
            if yard.queue:
                yard.queue.popleft().succeed()
            else:
                yard.busy -= 1
        r_truck(tid)
        r_row(row)
        r_t(now)
        x_truck(tid)
        x_t(now)
        self.leave(gi, ci, False)

    def moved(self, g_from: int, g_to: int, ci: int) -> None:
        """A truck sent to ``g_from`` was diverted on arrival to ``g_to``."""
        self.live[g_from][ci] -= 1
        self.total[g_from] -= 1
        self.enter(g_to, ci)

    def _count(self, rule: _Suspension) -> int:
        if rule.classes is None:
            return self.total[rule.gate]
        live = self.live[rule.gate]
        return sum(live[c] for c in rule.classes)

    def _mark(self, rule: _Suspension, on: int) -> None:
        t, g, r, o = self._suspend
        t(self.env._now)
        g(rule.gate)
        r(rule.index)
        o(on)

    def _publish(self, gi: int, hours: int) -> Generator[simpy.Event, Any, None]:
        """Publish gate ``gi``'s expected wait every hour: in system / clearance rate of the last ``hours``."""
        ring: deque[int] = deque([0], maxlen=hours + 1)
        while True:
            cleared = self.done[gi] - ring[0]
            span = len(ring) - 1
            if self.total[gi] == 0:
                self.wait_h[gi] = 0.0
            else:
                self.wait_h[gi] = self.total[gi] * span / cleared if cleared > 0 else math.inf
            yield self.env.timeout(HOUR)
            ring.append(self.done[gi])
