"""Checks across sections of a scenario: every name used must exist where it is used.

Each check yields ``(key path, message)`` so the loader can point at the exact line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from simulator.scenario.calendar import Disruption, moment

if TYPE_CHECKING:
    from simulator.scenario.models import Flow, Gate, Scenario

__all__ = ["cross_check"]

Problem = tuple[tuple[str | int, ...], str]


def cross_check(sc: Scenario) -> Iterator[Problem]:
    """Yield every reference to a missing class, stage, yard, mode or gate."""
    classes = set(sc.cargo_classes)
    for gname, gate in sc.gates.items():
        yield from _check_gate(sc, gname, gate, classes)
    yield from _check_calendar(sc, classes)
    yield from _check_fees(sc, classes)
    yield from _check_total_demand(sc)
    if sc.claim is not None and sc.claim.scope != "province" and sc.claim.scope not in sc.gates:
        yield ("claim", "scope"), f"no gate '{sc.claim.scope}' (use 'province' or one of {', '.join(sc.gates)})"


def _peak_factor(sc: Scenario, gname: str, flow: Flow) -> float:
    """How far above ``trucks_per_day`` a flow's busiest day can go: weekday weights and seasons."""
    weights = flow.weekday_weights
    factor = max(weights) / (sum(weights) / len(weights)) if sum(weights) > 0 else 1.0
    seasonal = [
        max((m for c, m in season.multipliers.items() if c in flow.class_mix), default=1.0)
        for season in sc.calendar.seasons
        if (not season.gates or gname in season.gates)
        and (not season.directions or flow.direction in season.directions)
    ]
    return factor * max([1.0, *seasonal])


def _check_total_demand(sc: Scenario) -> Iterator[Problem]:
    """The busiest day of all flows together must stay within :data:`MAX_TOTAL_TRUCKS_PER_DAY`."""
    from simulator.scenario.types import MAX_TOTAL_TRUCKS_PER_DAY, MAX_TRUCKS_PER_DAY

    peaks = {
        ("gates", g, "flows", f, "trucks_per_day"): flow.trucks_per_day * _peak_factor(sc, g, flow)
        for g, gate in sc.gates.items()
        for f, flow in gate.flows.items()
    }
    total = sum(peaks.values())
    if peaks and total > MAX_TOTAL_TRUCKS_PER_DAY:
        where = max(peaks, key=lambda p: peaks[p])
        yield (
            where,
            (
                f"all flows together reach {total:,.0f} trucks/day on their busiest day (weekday weights and seasons "
                f"included), more than the limit of {MAX_TOTAL_TRUCKS_PER_DAY:,} (and {MAX_TRUCKS_PER_DAY:,} per flow)"
            ),
        )


def _unknown(names: Iterable[str], known: set[str], path: tuple[str | int, ...], what: str) -> Iterator[Problem]:
    listed = ", ".join(sorted(known)) or "none"
    for name in names:
        if name not in known:
            yield (*path, name), f"unknown {what} '{name}' (known: {listed})"


def _check_gate(sc: Scenario, gname: str, gate: Gate, classes: set[str]) -> Iterator[Problem]:
    base = ("gates", gname)
    for yname in gate.yards:
        if yname in gate.stages:
            yield (*base, "yards", yname), f"a yard and a stage may not share the name '{yname}'"
    for section in ("yards", "stages"):
        if "scanners" in getattr(gate, section):
            yield (*base, section, "scanners"), "'scanners' is reserved for the gate's shared scanners"
    for sname, stage in gate.stages.items():
        spath = (*base, "stages", sname)
        for key in ("service_by_class", "visit_probability_by_class"):
            yield from _unknown(getattr(stage, key), classes, (*spath, key), "cargo class")
        if stage.channels is not None:
            keys = {"export", "import", *classes, *(f"{d}.{c}" for d in ("export", "import") for c in classes)}
            for key in stage.channels.shares_by:
                if key not in keys:
                    msg = f"'{key}' is not a direction, a cargo class or 'direction.class'"
                    yield (*spath, "channels", "shares_by", key), msg
            if stage.channels.red_scan_share > 0 and gate.scanners is None:
                yield (*spath, "channels", "red_scan_share"), f"gate '{gname}' has no scanners to scan red trucks"
        if stage.lab_hold is not None:
            by_class = stage.lab_hold.probability_by_class
            yield from _unknown(by_class, classes, (*spath, "lab_hold", "probability_by_class"), "cargo class")
        for mname, mode in (stage.modes or {}).items():
            yield from _unknown(
                mode.service_by_class, classes, (*spath, "modes", mname, "service_by_class"), "cargo class"
            )
    for fname, flow in gate.flows.items():
        yield from _check_flow(gname, gate, fname, flow, classes)
    if gate.diversion is not None:
        yield from _check_diversion(sc, gname, gate)
    if gate.demand is not None:
        yield from _check_demand(gname, gate, classes)


def _check_demand(gname: str, gate: Gate, classes: set[str]) -> Iterator[Problem]:
    assert gate.demand is not None
    base = ("gates", gname, "demand")
    yield from _unknown(gate.demand.patience, classes, (*base, "patience"), "cargo class")
    for i, rule in enumerate(gate.demand.balking):
        yield from _unknown(rule.classes, classes, (*base, "balking", i, "classes"), "cargo class")
        yield from _unknown(rule.flows, set(gate.flows), (*base, "balking", i, "flows"), "flow")
    for i, sus in enumerate(gate.demand.suspension):
        yield from _unknown(sus.classes, classes, (*base, "suspension", i, "classes"), "cargo class")


def _check_flow(gname: str, gate: Gate, fname: str, flow: Flow, classes: set[str]) -> Iterator[Problem]:
    base = ("gates", gname, "flows", fname)
    yield from _unknown(flow.class_mix, classes, (*base, "class_mix"), "cargo class")
    yield from _unknown(flow.route_by_class, classes, (*base, "route_by_class"), "cargo class")
    yield from _unknown(flow.handover_shares_by_class, classes, (*base, "handover_shares_by_class"), "cargo class")
    places = set(gate.stages) | set(gate.yards)
    routes: list[tuple[tuple[str | int, ...], tuple[str, ...]]] = [(("route",), flow.route)]
    routes += [(("route_by_class", c), r) for c, r in flow.route_by_class.items()]
    for rpath, route in routes:
        for i, name in enumerate(route):
            if name not in places:
                have = ", ".join([*gate.yards, *gate.stages])
                yield (*base, *rpath, i), f"no stage or yard '{name}' at gate '{gname}' (has: {have})"
        if len(set(route)) != len(route):
            yield (*base, *rpath), "a route may visit each stage or yard only once"
    for cls in flow.class_mix:
        for name in flow.route_for(cls):
            stage = gate.stages.get(name)
            if stage is not None and stage.modes is not None:
                yield from _check_modes(gname, base, flow, cls, name, set(stage.modes))


def _check_modes(
    gname: str, base: tuple[str | int, ...], flow: Flow, cls: str, stage: str, have: set[str]
) -> Iterator[Problem]:
    shares = flow.handover_for(cls)
    key = ("handover_shares_by_class", cls) if cls in flow.handover_shares_by_class else ("handover_shares",)
    if not shares:
        yield (*base, "handover_shares"), f"the route visits hand-over stage '{stage}': give the share of each mode"
        return
    for mode, share in shares.items():
        if share > 0 and mode not in have:
            listed = ", ".join(sorted(have))
            yield (*base, *key, mode), f"stage '{stage}' at gate '{gname}' has no mode '{mode}' (modes: {listed})"


def _check_diversion(sc: Scenario, gname: str, gate: Gate) -> Iterator[Problem]:
    assert gate.diversion is not None
    path = ("gates", gname, "diversion", "to")
    target = gate.diversion.to
    if target == gname:
        yield path, "a gate cannot divert trucks to itself"
    elif target not in sc.gates:
        yield path, f"unknown gate '{target}' (gates: {', '.join(sc.gates)})"
    else:
        have = {f.direction for f in sc.gates[target].flows.values()}
        for fname, flow in gate.flows.items():
            if flow.direction not in have:
                yield path, f"gate '{target}' has no {flow.direction} flow to take flow '{fname}'"
    if not any(flow.route[0] in gate.yards for flow in gate.flows.values()):
        msg = "diversion watches the first yard of a route: no flow of this gate starts its route with a yard"
        yield ("gates", gname, "diversion"), msg


def _check_calendar(sc: Scenario, classes: set[str]) -> Iterator[Problem]:
    gates = set(sc.gates)
    cal = sc.calendar
    for i, season in enumerate(cal.seasons):
        yield from _unknown(season.multipliers, classes, ("calendar", "seasons", i, "multipliers"), "cargo class")
        yield from _unknown(season.gates, gates, ("calendar", "seasons", i, "gates"), "gate")
    for i, closure in enumerate(cal.closures):
        yield from _unknown(closure.gates, gates, ("calendar", "closures", i, "gates"), "gate")
    first = moment(sc.run.start_date, end=False) - dt.timedelta(days=1)
    last = moment(sc.run.end_date, end=True) + dt.timedelta(days=1)
    for i, dis in enumerate(cal.disruptions):
        path = ("calendar", "disruptions", i)
        if dis.gate not in gates:
            yield (*path, "gate"), f"unknown gate '{dis.gate}' (gates: {', '.join(sorted(gates))})"
        else:
            yield from _unknown(dis.stages, set(sc.gates[dis.gate].stages), (*path, "stages"), "stage")
            yield from _lab_outage(sc, dis, path, classes)
        if moment(dis.end, end=True) <= first or moment(dis.start, end=False) >= last:
            span = f"{sc.run.start_date} to {sc.run.end_date}"
            yield (*path, "start"), f"{dis.start} to {dis.end} is outside the run ({span})"


def _lab_outage(sc: Scenario, dis: Disruption, path: tuple[str | int, ...], classes: set[str]) -> Iterator[Problem]:
    if dis.lab_hold is None:
        return
    stages = sc.gates[dis.gate].stages
    for j, name in enumerate(dis.stages):
        stage = stages.get(name)
        if stage is not None and (stage.modes is not None or stage.channels is not None):
            yield (*path, "stages", j), f"'{name}' is a customs or hand-over stage: a lab hold belongs on quarantine"
    by_class = dis.lab_hold.probability_by_class
    yield from _unknown(by_class, classes, (*path, "lab_hold", "probability_by_class"), "cargo class")


def _check_fees(sc: Scenario, classes: set[str]) -> Iterator[Problem]:
    if sc.fees is None:
        return
    fees = sc.fees
    for key in ("infrastructure", "vehicle_mix", "transloading"):
        yield from _unknown(getattr(fees, key), classes, ("fees", key), "cargo class")
    for i, regime in enumerate(fees.regimes):
        yield from _unknown(regime.classes, classes, ("fees", "regimes", i, "classes"), "cargo class")
        yield from _unknown(regime.gates, set(sc.gates), ("fees", "regimes", i, "gates"), "gate")
    used = {c for g in sc.gates.values() for f in g.flows.values() for c, s in f.class_mix.items() if s > 0}
    for cls in sorted(used - set(fees.infrastructure)):
        yield ("fees", "infrastructure"), f"no infrastructure fee for cargo class '{cls}', which trucks carry"
