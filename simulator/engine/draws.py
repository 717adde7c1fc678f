"""Per-truck random draws of one flow, made a block of trucks at a time.

Every random attribute of a truck (channel, scan, lab hold, hand-over mode, vehicle
type, service times) comes from a stream named after the gate, flow and stage and is
indexed by the truck's position in its flow. A truck keeps its draws whatever the queue
order, and a change to one stage leaves every other stage's numbers unchanged, which is
what makes paired comparisons of proposals sharp.

A :class:`FlowDrawer` keeps one generator per stream for the whole run and draws the next
block of trucks from each when the model needs it: consecutive blocks continue each stream
exactly where the last one stopped, so the draws do not depend on the block size, and the
memory they take does not grow with the horizon.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.engine.calendar_rules import LabOutage
from simulator.engine.resource import Resource
from simulator.engine.streams import RandomStreams
from simulator.scenario.models import Flow, Gate, Stage
from simulator.scenario.stage import LabHold
from simulator.scenario.types import CHANNELS, MODES

__all__ = ["ByDate", "FlowDrawer", "FlowDraws", "LabRules", "Step", "draw_flow", "pick"]


class ByDate:
    """A per-truck list read at the moment of use: ``alternatives[k]`` within ``spans[k]``, else ``normal``.

    The lab step of a stage with dated lab-hold rules: whether a truck is held, and for how
    long, depends on when it leaves the stage (the first span that holds the moment wins).
    """

    __slots__ = ("alternatives", "normal", "now", "spans")

    def __init__(
        self,
        normal: list[Any],
        alternatives: list[list[Any]],
        spans: Sequence[tuple[float, float]],
        now: Callable[[], float],
    ) -> None:
        self.normal, self.alternatives, self.spans, self.now = normal, alternatives, tuple(spans), now

    def __getitem__(self, j: int) -> Any:
        t = self.now()
        for (lo, hi), alt in zip(self.spans, self.alternatives):
            if lo <= t < hi:
                return alt[j]
        return self.normal[j]

    def __len__(self) -> int:
        return len(self.normal)


@dataclass(frozen=True)
class LabRules:
    """A gate's dated lab-hold rules by stage name, and the model clock they are read on."""

    outages: Mapping[str, tuple[LabOutage, ...]]
    now: Callable[[], float]


# (resource, service time per truck or None, visit flag per truck or None, is a yard)
Step = tuple[Resource, list[float] | ByDate | None, list[bool] | ByDate | None, bool]
Lookup = Callable[[str], Resource]


@dataclass
class FlowDraws:
    """The draws of one flow: route steps per class, and per-truck channel and mode."""

    routes: list[list[Step]]
    channel: np.ndarray
    mode: np.ndarray
    steps: dict[str, list[Step]] = field(default_factory=dict)


def pick(u: np.ndarray, cls: np.ndarray, shares: Sequence[np.ndarray]) -> np.ndarray:
    """Index of the option each truck takes, given per-class share vectors."""
    out = np.full(len(u), -1, dtype=np.int8)
    for ci, row in enumerate(shares):
        mask = cls == ci
        if mask.any() and row.sum() > 0:
            cum = np.cumsum(row / row.sum())
            cum[-1] = 1.0
            out[mask] = np.minimum(np.searchsorted(cum, u[mask], side="right"), len(row) - 1)
    return out


def _ppf_by(dists: Callable[[int], Any], u: np.ndarray, groups: np.ndarray) -> np.ndarray:
    out = np.zeros(len(u))
    for g in np.unique(groups):
        if g >= 0:
            mask = groups == g
            out[mask] = dists(int(g)).ppf(u[mask])
    return out


def _mode_service(spec: Any, classes: Sequence[str], ci: int) -> Any:
    return spec.service_for(classes[ci])


def _as_visits(mask: np.ndarray) -> list[bool] | None:
    return None if mask.all() else mask.tolist()


class FlowDrawer:
    """Draws one flow's stages, a block of trucks at a time, from named streams.

    Parameters
    ----------
    gate, gname, flow : Gate, str, Flow
        Where the trucks go.
    key : str
        Stream prefix, e.g. ``"huu_nghi:export"``.
    classes : sequence of str
        Cargo class names (the indices of the class arrays given to :meth:`block`).
    streams : RandomStreams
        The replication's streams.
    lookup : callable
        Resource of the gate by local name (``"customs"``, ``"scanners"``, ``"handover.crane_lift"``).
    lab : LabRules, optional
        The gate's dated lab-hold rules (``calendar.disruptions`` with ``lab_hold``).
    """

    def __init__(
        self,
        gate: Gate,
        gname: str,
        flow: Flow,
        key: str,
        classes: Sequence[str],
        streams: RandomStreams,
        lookup: Lookup,
        lab: LabRules | None = None,
    ) -> None:
        self.gate, self.gname, self.flow, self.key = gate, gname, flow, key
        self.classes, self.streams, self.lookup, self.lab = classes, streams, lookup, lab
        self._gens: dict[str, np.random.Generator] = {}
        self.cls = np.empty(0, np.int16)
        self.n = 0
        self.channel = np.empty(0, np.int8)
        self.mode = np.empty(0, np.int8)

    def block(self, cls: np.ndarray) -> FlowDraws:
        """The draws of the next ``len(cls)`` trucks of the flow (``cls``: their class indices)."""
        self.cls, self.n = cls, len(cls)
        self.channel = np.full(self.n, -1, dtype=np.int8)
        self.mode = np.full(self.n, -1, dtype=np.int8)
        steps: dict[str, list[Step]] = {}
        for route in (self.flow.route, *self.flow.route_by_class.values()):
            for sname in route:
                if sname not in steps:
                    steps[sname] = self.stage_steps(sname)
        routes = [[s for name in self.flow.route_for(c) for s in steps[name]] for c in self.classes]
        return FlowDraws(routes, self.channel, self.mode, steps)

    def uniform(self, kind: str, sname: str) -> np.ndarray:
        name = f"{kind}:{self.key}:{sname}"
        gen = self._gens.get(name)
        if gen is None:
            gen = self._gens[name] = self.streams.get(name)
        return gen.random(self.n)

    def visits(self, stage: Stage, sname: str) -> np.ndarray:
        probs = np.array([stage.visit_probability_for(c) for c in self.classes])
        u = self.uniform("visit", sname)
        return u < probs[self.cls] if self.n else np.zeros(0, bool)

    def stage_steps(self, sname: str) -> list[Step]:
        if sname in self.gate.yards:
            return [(self.lookup(sname), None, None, True)]
        stage = self.gate.stages[sname]
        visit = self.visits(stage, sname)
        if stage.modes is not None:
            return self.handover(stage, sname, visit)
        u = self.uniform("service", sname)
        if stage.channels is not None:
            return self.customs(stage, sname, visit, u)
        service = _ppf_by(lambda c: stage.service_for(self.classes[c]), u, self.cls)
        steps: list[Step] = [(self.lookup(sname), service.tolist(), _as_visits(visit), False)]
        outages = self.lab.outages.get(sname, ()) if self.lab is not None else ()
        if stage.lab_hold is not None or outages:
            steps.append(self.lab_step(stage, sname, visit, outages))
        return steps

    def holds(self, hold: LabHold, kind: str, sname: str, visit: np.ndarray) -> tuple[list[bool], list[float]]:
        """Which visiting trucks ``hold`` keeps for lab results, and for how long (streams ``kind``)."""
        probs = np.array([hold.probability_for(c) for c in self.classes])
        held = visit & (self.uniform(kind, sname) < probs[self.cls])
        times = hold.time.ppf(self.uniform(f"{kind}_time", sname))
        return held.tolist(), times.tolist()

    def lab_step(self, stage: Stage, sname: str, visit: np.ndarray, outages: Sequence[LabOutage]) -> Step:
        """The wait for lab results after ``stage``: its own rule, or a dated rule when one covers the moment."""
        if stage.lab_hold is not None:
            held, times = self.holds(stage.lab_hold, "lab", sname, visit)
        else:
            held, times = [False] * self.n, [0.0] * self.n
        resource = self.lookup(f"{sname}.lab")
        if not outages:
            return (resource, times, held, False)
        assert self.lab is not None
        alt = [self.holds(o.hold, f"lab@{o.index}", sname, visit) for o in outages]
        spans = [(o.start_min, o.end_min) for o in outages]
        now = self.lab.now
        return (
            resource,
            ByDate(times, [a[1] for a in alt], spans, now),
            ByDate(held, [a[0] for a in alt], spans, now),
            False,
        )

    def customs(self, stage: Stage, sname: str, visit: np.ndarray, u: np.ndarray) -> list[Step]:
        ch = stage.channels
        assert ch is not None
        shares = [np.array([ch.shares_for(self.flow.direction, c).get(k, 0.0) for k in CHANNELS]) for c in self.classes]
        channel = pick(self.uniform("channel", sname), self.cls, shares)
        scanned = (channel == 2) & (self.uniform("scan", sname) < ch.red_scan_share)
        scanned_service = ch.scanned_service if ch.scanned_service is not None else ch.service["yellow"]
        group = np.where(scanned, 3, channel)
        dists = [ch.service["green"], ch.service["yellow"], ch.service["red"], scanned_service]
        service = _ppf_by(lambda g: dists[g], u, group)
        self.channel = np.where((self.channel < 0) & visit, channel, self.channel).astype(np.int8)
        steps: list[Step] = [(self.lookup(sname), service.tolist(), _as_visits(visit), False)]
        if ch.red_scan_share > 0 and self.gate.scanners is not None:
            scan = self.gate.scanners.scan.ppf(self.uniform("scan_time", sname))
            steps.append((self.lookup("scanners"), scan.tolist(), (visit & scanned).tolist(), False))
        return steps

    def handover(self, stage: Stage, sname: str, visit: np.ndarray) -> list[Step]:
        shares = [np.array([self.flow.handover_for(c).get(m, 0.0) for m in MODES]) for c in self.classes]
        mode = pick(self.uniform("mode", sname), self.cls, shares)
        self.mode = np.where((self.mode < 0) & visit, mode, self.mode).astype(np.int8)
        steps: list[Step] = []
        assert stage.modes is not None
        for mname, spec in stage.modes.items():
            mi = MODES.index(mname)
            uses = visit & (mode == mi)
            if not uses.any():
                continue
            if spec.cranes is not None and spec.crane_service is not None:
                lift = spec.crane_service.ppf(self.uniform("service", f"{sname}.{mname}.cranes"))
                steps.append((self.lookup(f"{sname}.{mname}.cranes"), lift.tolist(), uses.tolist(), False))
            u = self.uniform("service", f"{sname}.{mname}")
            service = _ppf_by(functools.partial(_mode_service, spec, self.classes), u, self.cls)
            steps.append((self.lookup(f"{sname}.{mname}"), service.tolist(), uses.tolist(), False))
        return steps


def draw_flow(
    gate: Gate,
    gname: str,
    flow: Flow,
    key: str,
    classes: Sequence[str],
    cls: np.ndarray,
    streams: RandomStreams,
    lookup: Lookup,
) -> FlowDraws:
    """Draw every stage a flow uses for all its trucks at once (one block: see :class:`FlowDrawer`)."""
    return FlowDrawer(gate, gname, flow, key, classes, streams, lookup).block(cls)
