"""Levers on processes and capacity: times, lanes, channels, scanners, partner side, hours, yards.

Each function is a pure transform ``(Scenario, params) -> Scenario``; see
:mod:`simulator.levers.flows` for the levers that change who goes where (autonomous lane,
two-way carriage, appointments) and :mod:`simulator.levers.apply` for the registry. Source tags
cite the ids of ``docs/sources.md``: ``[S]`` sourced, ``[I]`` inferred, ``[A]`` assumed.
"""

from __future__ import annotations

from typing import Any

from simulator.levers.draft import Draft, effective_factor
from simulator.scenario.lever_params import (
    AutomatedGates,
    DigitalPlatform,
    ExtendedHours,
    JointInspection,
    RiskManagement,
    ScannerLever,
    YardExpansion,
)
from simulator.scenario.models import Channels, Scenario

__all__ = [
    "automated_gates",
    "digital_platform",
    "extended_hours",
    "joint_inspection",
    "risk_management",
    "scanners",
    "yard_expansion",
]

DRIVE_THROUGH_SCAN = {"dist": "uniform", "low_min": 1.0, "high_min": 3.0}
"""Drive-through 3D X-ray, 1-3 min per truck [A]."""


def _customs_names(sc: Scenario, gate: str) -> list[str]:
    return [n for n, s in sc.gates[gate].stages.items() if s.channels is not None]


def digital_platform(sc: Scenario, p: DigitalPlatform) -> Scenario:
    """Pre-arrival declaration on the digital border-gate platform.

    Changes: the service times of the registration stages (``entry_lane``), of the
    ``document_channels`` (green supervision, yellow document check) of every customs stage
    and of any ``quarantine_stages`` are multiplied by ``1 - pre_declared_share × (1 -
    factor)``: pre-declared trucks get the factor, the others keep today's time (the mean of
    that mixture; the spread is scaled alike).

    Claim: the platform "cuts the procedure time per truck by 4-6 h" [S S-platform-2025]; with
    pre-arrival data exchange and automatic release, "mean customs + quarantine time cut by
    3.5 h" [S S-smart-quarantine-2025, Chinese smart quarantine]. Most of that saving was waiting, which the
    model produces itself; the lever changes only the desk times.

    Defaults: ``pre_declared_share`` 1.0 [S S-online-2024: 100% of firms declare online, 2024];
    ``registration_factor`` and ``document_factor`` 0.5 [A]; ``quarantine_factor`` 1.0 [A].
    """
    d = Draft(sc)
    f_reg = effective_factor(p.pre_declared_share, p.registration_factor)
    f_doc = effective_factor(p.pre_declared_share, p.document_factor)
    f_q = effective_factor(p.pre_declared_share, p.quarantine_factor)
    for g in d.gates(p.gates):
        for s in d.stages(g, p.registration_stages, "registration_stages", "plain"):
            d.scale_service(g, s, f_reg)
        for s in d.stages(g, p.quarantine_stages, "quarantine_stages", "plain"):
            d.scale_service(g, s, f_q)
        customs = _customs_names(sc, g) if p.customs_stages is None else p.customs_stages
        for s in d.stages(g, customs, "customs_stages", "customs"):
            channels = sc.gates[g].stages[s].channels
            assert channels is not None
            service = d.stage_data(g, s)["channels"]["service"]
            for ch in p.document_channels:
                service[ch] = channels.service[ch].scaled(f_doc).model_dump()
    return d.build()


def automated_gates(sc: Scenario, p: AutomatedGates) -> Scenario:
    """ANPR / QR automated gates on the entry lanes.

    Changes: the service time of each named plain stage (``entry_lane``) is multiplied by
    ``factor``, or replaced by ``transaction`` (for every class); ``lanes`` sets its servers.

    Claim: "automated gates cut the gate transaction from 90 s to 16 s" [S S-proposal-gate-2025,
    the proposal]. Default ``factor`` 16/90 = 0.178 [S S-proposal-gate-2025]: applied to the
    baseline's 2-5 min entry (mean 3.3 min [A]) it gives about 36 s, within the 30-45 s of
    Chinese automated gates [S S-youyiguan-release-2021, S-youyiguan-yard-2025]. ``lanes``
    default: unchanged; the 1119-1120 road grows from 4 to 6 lanes (phase 1, 11/2025) and 14
    (phase 2) [S S-road-1119-2025].
    """
    d = Draft(sc)
    for g in d.gates(p.gates):
        for s in d.stages(g, p.stages, "stages", "plain"):
            data = d.stage_data(g, s)
            if p.transaction is not None:
                data["service"] = p.transaction.model_dump()
                data["service_by_class"] = {}
            elif p.factor is not None:
                d.scale_service(g, s, p.factor)
            if p.lanes is not None:
                data["servers"] = p.lanes
    return d.build()


def _greener(shares: dict[str, float], aeo: float, min_green: float | None) -> dict[str, float]:
    """Send an ``aeo`` share of trucks green, then raise green to ``min_green`` (others shrink alike)."""
    g, y, r = (shares.get(c, 0.0) for c in ("green", "yellow", "red"))
    g, y, r = g + aeo * (1 - g), y * (1 - aeo), r * (1 - aeo)
    if min_green is not None and g < min_green:
        keep = (1 - min_green) / (1 - g)
        g, y, r = min_green, y * keep, r * keep
    return {"green": round(g, 12), "yellow": round(y, 12), "red": round(r, 12)}


def _check_keys(d: Draft, keys: list[str]) -> None:
    classes = list(d.sc.cargo_classes)
    valid = {"export", "import", *classes, *(f"{x}.{c}" for x in ("export", "import") for c in classes)}
    for key in keys:
        if key not in valid:
            d.fail(("shares_by", key), f"'{key}' is not a direction, a cargo class or 'direction.class'")


def risk_management(sc: Scenario, p: RiskManagement) -> Scenario:
    """Risk management and trusted traders (AEO): channel shares move towards green.

    Changes, at every named customs stage (default: all): first ``shares_by`` entries are
    set (keys as in the scenario: a direction, a class or ``direction.class``); then, for
    the ``classes`` and ``directions`` named, an ``aeo_share`` of trucks goes green (green
    ``g + aeo (1 - g)``, yellow and red × ``1 - aeo``); then green is raised to ``min_green``
    where lower, yellow and red shrinking in proportion. Each (direction, class) gets its own
    ``shares_by`` entry unless every class and both directions are covered.

    Claim: "3D X-ray and risk management free the inspection yard" [S S-proposal-gate-2025, the proposal]; fruit
    exports are already ~100% uninspected [S S-fruit-customs-2022]. Default ``min_green`` 0.9: "green share
    for eligible flows 90%+" [A]; ``aeo_share`` 0 [A, no AEO data].
    """
    d = Draft(sc)
    _check_keys(d, list(p.shares_by))
    classes = d.classes(p.classes)
    for g in d.gates(p.gates):
        names = _customs_names(sc, g) if p.stages is None else p.stages
        for s in d.stages(g, names, "stages", "customs"):
            ch = d.stage_data(g, s)["channels"]
            ch["shares_by"].update({k: dict(v) for k, v in p.shares_by.items()})
            _shift_channels(ch, p, classes, everyone=p.classes is None and len(set(p.directions)) == 2)
    return d.build()


def _shift_channels(ch: dict[str, Any], p: RiskManagement, classes: list[str], everyone: bool) -> None:
    if p.aeo_share == 0 and p.min_green is None:
        return
    if everyone:  # every entry, so that whatever entry a truck's lookup finds is shifted
        ch["shares"] = _greener(ch["shares"], p.aeo_share, p.min_green)
        ch["shares_by"] = {k: _greener(v, p.aeo_share, p.min_green) for k, v in ch["shares_by"].items()}
        return
    current = Channels.model_validate(ch)
    for direction in p.directions:
        for cls in classes:
            shares = current.shares_for(direction, cls)
            ch["shares_by"][f"{direction}.{cls}"] = _greener(shares, p.aeo_share, p.min_green)


def scanners(sc: Scenario, p: ScannerLever) -> Scenario:
    """The gate's X-ray scanners: number, scan time, hours, and the share of red trucks scanned.

    Changes: ``gates.<g>.scanners`` (``count``, ``scan``, ``hours``) at every gate named
    (default: every gate that has scanners; a named gate without scanners gets them when
    ``count`` and a scan time are given) and, with ``red_scan_share``, that
    share at every customs stage of the gate (red trucks scanned instead of searched by hand).

    Claim: "3D X-ray ... frees the inspection yard" [S S-proposal-gate-2025, the proposal; 3D X-ray is a listed
    component, S-smart-gate-components]. ``drive_through: true`` sets a 1-3 min scan [A] instead of the fixed
    scanner's 15-20 min [S S-xray-mobile]. Baseline: one fixed scanner per node [A].
    """
    d = Draft(sc)
    gates = [g for g, gate in sc.gates.items() if gate.scanners is not None] if p.gates is None else p.gates
    for g in d.gates(gates):
        current = sc.gates[g].scanners
        data = {} if current is None else current.model_dump()
        if p.count is not None:
            data["count"] = p.count
        if p.scan is not None:
            data["scan"] = p.scan.model_dump()
        elif p.drive_through:
            data["scan"] = dict(DRIVE_THROUGH_SCAN)
        if p.hours is not None:
            data["hours"] = list(p.hours)
        if current is None and ("count" not in data or "scan" not in data):
            d.fail(("count",), f"gate '{g}' has no scanners: give count and scan (or drive_through: true)")
            continue
        d.data["gates"][g]["scanners"] = data
        if p.red_scan_share is not None:
            for s in _customs_names(sc, g):
                d.stage_data(g, s)["channels"]["red_scan_share"] = p.red_scan_share
    return d.build()


def joint_inspection(sc: Scenario, p: JointInspection) -> Scenario:
    """One-stop inspection shared with the partner side.

    Changes, at each named partner-side stage (default: every stage with ``side: partner``):
    service times × ``service_factor`` and hour and day caps × ``cap_factor`` (rounded); with
    ``skip: true`` the stages leave every route instead (the home side's inspection counts
    for both sides, so their caps no longer apply).

    Claim: joint inspection and a joint command centre with cross-border data exchange
    [S S-smart-gate-components]. Defaults from the Youyiguan smart inspection system, which raised
    inspection-bay turnover by 35% [S S-youyiguan-2024]: ``service_factor`` 1/1.35 and ``cap_factor``
    1.35 [I S-youyiguan-2024].
    """
    d = Draft(sc)
    for g in d.gates(p.gates):
        gate = sc.gates[g]
        names = [n for n, s in gate.stages.items() if s.side == "partner"] if p.stages is None else p.stages
        for i, s in enumerate(d.stages(g, names, "stages", "plain")):
            if gate.stages[s].side != "partner":
                d.fail(("stages", i), f"stage '{s}' at gate '{g}' is on the home side, not the partner side")
            elif p.skip:
                _drop_from_routes(d, g, s)
            else:
                d.scale_service(g, s, p.service_factor)
                data = d.stage_data(g, s)
                for cap in ("cap_per_hour", "cap_per_day"):
                    if data[cap] is not None:
                        data[cap] = max(1, round(data[cap] * p.cap_factor))
    return d.build()


def _drop_from_routes(d: Draft, gate: str, stage: str) -> None:
    for fname in d.sc.gates[gate].flows:
        flow = d.flow_data(gate, fname)
        flow["route"] = [n for n in flow["route"] if n != stage]
        flow["route_by_class"] = {c: [n for n in r if n != stage] for c, r in flow["route_by_class"].items()}
        if not flow["route"] or not all(flow["route_by_class"].values()):
            d.fail(("skip",), f"flow '{fname}' at gate '{gate}' would have an empty route")


def extended_hours(sc: Scenario, p: ExtendedHours) -> Scenario:
    """Longer opening hours, up to 24 h, and working weekends.

    Changes: ``hours`` of every named stage (default: every stage of ``side``) at each gate
    (a hand-over mode with its own hours keeps them); with ``clear_closed_weekdays`` their
    ``closed_weekdays`` are emptied; with ``scanners`` the scanners' hours too. Calendar
    closures (holidays, weekday closures of a side) are not changed.

    Claim: the smart gate targets 24/7 operation, "no closing, no waiting" [S S-smart-gate-24h]; hours have
    been extended step by step (to 20:00 Hanoi in 04/2025 [S S-hours-2025-04]). Default ``hours``
    ``00:00-24:00`` [S S-smart-gate-24h target].
    """
    d = Draft(sc)
    sides = ("home", "partner") if p.side == "both" else (p.side,)
    for g in d.gates(p.gates):
        gate = sc.gates[g]
        names = [n for n, s in gate.stages.items() if s.side in sides] if p.stages is None else p.stages
        for i, s in enumerate(d.stages(g, names, "stages")):
            if gate.stages[s].side not in sides:
                d.fail(("stages", i), f"stage '{s}' at gate '{g}' is on the {gate.stages[s].side} side, not {p.side}")
                continue
            data = d.stage_data(g, s)
            data["hours"] = list(p.hours)
            if p.clear_closed_weekdays:
                data["closed_weekdays"] = []
        if p.scanners and gate.scanners is not None and "home" in sides:
            d.data["gates"][g]["scanners"]["hours"] = list(p.hours)
    return d.build()


def yard_expansion(sc: Scenario, p: YardExpansion) -> Scenario:
    """More slots in holding yards.

    Changes: ``gates.<g>.yards.<y>.slots``, set (``slots``) or increased (``add``); keys are
    ``gate.yard``.

    Claim: new yards and parks take the queue off the road: the Viettel logistics park,
    designed for ~1,500 vehicles a day [S S-viettel-park-2024]; overflow non-tariff areas of 800-1,000
    [S S-yards-2023]. No default: name the yards.
    """
    d = Draft(sc)
    for key in ("slots", "add"):
        for name, value in getattr(p, key).items():
            gate, _, yard = name.partition(".")
            if gate not in sc.gates:
                d.fail((key, name), f"unknown gate '{gate}' in '{name}' (gates: {', '.join(sc.gates)}); use gate.yard")
            elif yard not in sc.gates[gate].yards:
                yards = ", ".join(sc.gates[gate].yards) or "none"
                d.fail((key, name), f"no yard '{yard}' at gate '{gate}' (yards: {yards})")
            else:
                data = d.data["gates"][gate]["yards"][yard]
                data["slots"] = value if key == "slots" else data["slots"] + value
    return d.build()
