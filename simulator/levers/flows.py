"""Levers that change who goes where and when: the autonomous lane, two-way carriage, appointments.

Pure transforms ``(Scenario, params) -> Scenario``, as in :mod:`simulator.levers.catalog`.
Source tags cite the ids of ``docs/sources.md``: ``[S]`` sourced, ``[I]`` inferred, ``[A]`` assumed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from simulator.levers.draft import Draft, shift_shares
from simulator.scenario.lever_params import Appointments, AutonomousTransport, TwoWayCarriage
from simulator.scenario.models import Scenario
from simulator.scenario.types import parse_window

if TYPE_CHECKING:
    import numpy as np

__all__ = ["appointments", "autonomous_transport", "booked_profile", "round_trip", "two_way_carriage"]

GRID = 4000  # quantiles of the punctuality distribution used to spread booked arrivals over the hours


def round_trip(p: AutonomousTransport) -> dict[str, Any]:
    """The vehicle cycle: ``2 × route_km / speed_kmh × 60`` min of driving, plus a crane load and unload.

    A uniform crane time U(a, b) gives the exact triangular(T + 2a, T + a + b, T + 2b); a
    deterministic one a deterministic cycle; any other a normal with the cycle's mean and
    variance truncated below at the driving time T.
    """
    if p.round_trip is not None:
        return p.round_trip.model_dump()
    drive = 2 * p.route_km / p.speed_kmh * 60.0
    crane = p.crane_time.model_dump()
    if crane["dist"] == "uniform":
        lo, hi = crane["low_min"], crane["high_min"]
        low, mode, high = drive + 2 * lo, drive + lo + hi, drive + 2 * hi
        return {"dist": "triangular", "low_min": low, "mode_min": mode, "high_min": high}
    mean, sd = drive + 2 * p.crane_time.mean(), math.sqrt(2 * p.crane_time.var())
    if sd == 0:
        return {"dist": "deterministic", "value_min": mean}
    return {"dist": "truncnormal", "mean_min": mean, "sd_min": sd, "low_min": drive}


def _eligible(d: Draft, gate: str, stage: str, classes: list[str], directions: list[str]) -> list[tuple[str, str]]:
    """``(flow, class)`` pairs of ``gate`` whose route visits ``stage``, in ``classes`` and ``directions``."""
    pairs = []
    for fname, flow in d.sc.gates[gate].flows.items():
        if flow.direction in directions:
            pairs += [(fname, c) for c in flow.class_mix if c in classes and stage in flow.route_for(c)]
    return pairs


def autonomous_transport(sc: Scenario, p: AutonomousTransport) -> Scenario:
    """A dedicated lane of autonomous container vehicles (AGV/IGV) across the border.

    Changes, at each gate's hand-over stage ``stage``: a mode ``autonomous`` with ``servers`` =
    ``fleet``, ``service`` = the vehicle's round trip (:func:`round_trip`), its own ``hours``
    (24 h by default) and ``cranes`` loading each container (``crane_time``). In every flow of
    the ``directions`` whose route visits the stage, a ``share`` of each eligible class's
    trucks moves from its conventional modes to ``autonomous`` (each mode gives the same
    fraction); those trucks skip the conventional hand-over. The truck's time counts the crane
    load twice (once queued at a crane, once inside the vehicle cycle): a few minutes,
    conservative. With ``fee_regime`` the named fee regime (e.g. the 30% wharf transfer) also
    covers the mode.

    Claim: "autonomous container vehicles on the dedicated road raise capacity 2-3× by 2027"
    [S S-smart-gate-targets, 4-5× by 2030]. Defaults: ``fleet`` 40 [A 40-80 by 2027; 6 at the
    12/2025 start, S S-agv-start-2025]; ``route_km`` 3.6 [S S-cn-design-2024 3.1 km CN + 0.5 km VN; the 12/2025 lane is
    ~2.4 km, S-agv-start-2025]; ``speed_kmh`` 20 [A 15-25]; ``cranes`` 5 [S S-youyiguan-yard-2025 five fixed cranes at
    Youyiguan]; ``crane_time`` 3-5 min [A]; ``hours`` 24 h [S S-smart-gate-24h target]; ``share`` 0.3
    [A 30% of the flow eligible in 2027, 60% in 2030]; eligible goods in the pilot: farm
    goods and electronic components [S S-smart-gate-goods] (``classes``, default all).
    """
    d = Draft(sc)
    classes = d.classes(p.classes)
    if p.fee_regime is not None:
        _cover_regime(d, p.fee_regime)
    cycle = round_trip(p)
    for g in d.gates(p.gates):
        if not d.stage_ok(g, p.stage, ("stage",), "handover"):
            continue
        d.stage_data(g, p.stage)["modes"]["autonomous"] = {
            "description": "Autonomous container vehicles on a dedicated lane (lever autonomous_transport)",
            "description_vi": "Xe container tự hành trên làn riêng (giải pháp autonomous_transport)",
            "servers": p.fleet,
            "service": cycle,
            "hours": list(p.hours),
            "cranes": p.cranes,
            "crane_service": p.crane_time.model_dump(),
        }
        for fname, cls in _eligible(d, g, p.stage, classes, list(p.directions)):
            flow = d.flow_data(g, fname)
            shares = d.sc.gates[g].flows[fname].handover_for(cls)
            flow["handover_shares_by_class"][cls] = shift_shares(shares, "autonomous", p.share)
    return d.build()


def _cover_regime(d: Draft, name: str) -> None:
    regimes = [] if d.data["fees"] is None else d.data["fees"]["regimes"]
    for regime in regimes:
        if regime["name"] == name:
            if regime["modes"] and "autonomous" not in regime["modes"]:
                regime["modes"].append("autonomous")
            return
    names = ", ".join(r["name"] for r in regimes) or "none"
    d.fail(("fee_regime",), f"no fee regime '{name}' (regimes: {names})")


def two_way_carriage(sc: Scenario, p: TwoWayCarriage) -> Scenario:
    """Two-way carriage: vehicles drive through to the far yard instead of transloading.

    Changes: in every flow of the ``directions`` whose route visits the hand-over ``stage``, a
    ``share`` of each eligible class's transloading trucks moves to ``through_driving``.
    ``lanes`` and ``drive_time`` set that mode's servers and time; a stage without a
    through-driving mode needs both.

    Claim: the two-way carriage pilot (10/12/2025-09/12/2026 on 1119-1120, 1088/2-1089 and
    1104-1105) lets vehicles deliver at the far yard and stay up to 36 h [S S-two-way-2025]; direct
    carriage saves "about 1 day" against transloading [S S-transload-2025]. Default ``share`` 0.3 [A, no
    uptake figure published].
    """
    d = Draft(sc)
    classes = d.classes(p.classes)
    for g in d.gates(p.gates):
        if not d.stage_ok(g, p.stage, ("stage",), "handover"):
            continue
        modes = d.stage_data(g, p.stage)["modes"]
        mode = modes.get("through_driving")
        if mode is None and (p.lanes is None or p.drive_time is None):
            msg = f"stage '{p.stage}' at gate '{g}' has no through_driving mode: give lanes and drive_time"
            d.fail(("stage",), msg)
            continue
        if mode is None:
            mode = modes["through_driving"] = {
                "description": "Through-driving (lever two_way_carriage)",
                "description_vi": "Xe chạy thẳng qua biên giới (giải pháp two_way_carriage)",
            }
        if p.lanes is not None:
            mode["servers"] = p.lanes
        if p.drive_time is not None:
            mode["service"], mode["service_by_class"] = p.drive_time.model_dump(), {}
        for fname, cls in _eligible(d, g, p.stage, classes, list(p.directions)):
            shares = d.sc.gates[g].flows[fname].handover_for(cls)
            if shares.get("transloading", 0.0) > 0:
                new = shift_shares(shares, "through_driving", p.share, sources=["transloading"])
                d.flow_data(g, fname)["handover_shares_by_class"][cls] = new
    return d.build()


def booked_profile(p: Appointments) -> np.ndarray:
    """24 hourly weights (sum 1) of booked arrivals.

    Slots of ``slot_min`` start every ``slot_min`` from the window's opening and are booked
    equally; a booked truck arrives at its slot start - ``early_min`` + a ``punctuality``
    draw. The arrival hours are wrapped onto one day.
    """
    import numpy as np  # loaded on first use: checking a file needs no numpy

    start, end = parse_window(p.window)
    slots = np.arange(start, end, p.slot_min)
    offsets = p.punctuality.ppf((np.arange(GRID) + 0.5) / GRID) - p.early_min
    times = (slots[:, None] + offsets[None, :]).ravel() % 1440.0
    weights = np.bincount((times // 60).astype(int), minlength=24)[:24].astype(float)
    return weights / weights.sum()


def appointments(sc: Scenario, p: Appointments) -> Scenario:
    """Slot booking: a share of trucks arrives around booked slots; some booked trucks never come.

    Changes, for every flow of the ``directions`` at each gate: ``hourly_profile`` becomes the
    mixture ``(1 - share) × today's + share × (1 - no_show) × booked`` (normalised), where the
    booked profile spreads slots evenly over ``window`` and smooths them by punctuality
    (:func:`booked_profile`); ``trucks_per_day`` × ``1 - share × no_show``.

    This is an approximation on the arrival rates only: arrivals stay Poisson within each hour
    (real booked arrivals are more regular, so queues are overstated), slots have no capacity
    limit (bookings follow the slots evenly, not the free capacity), booked trucks do not
    react to queues, and no-shows simply vanish. Weekday weights and seasons are unchanged.

    Claim: the platform lets the Board regulate (call in) trucks and drivers see the yards
    [S S-regulation-yard-2025]; firms are urged to use the 07:00-09:00 window [S S-window-0709]. Defaults [A]: ``share``
    0.5, ``window`` 07:00-19:00 [S S-hours-2023-04 the cargo window], 60-min slots, arrival from 30 min
    before to 30 min after the slot start, ``no_show`` 0.1; ``directions`` export.
    """
    import numpy as np  # loaded on first use: checking a file needs no numpy

    d = Draft(sc)
    booked = booked_profile(p)
    kept = 1.0 - p.share * p.no_show
    for g in d.gates(p.gates):
        for fname, flow in sc.gates[g].flows.items():
            if flow.direction not in p.directions:
                continue
            today = np.asarray(flow.hourly_profile, dtype=float)
            mix = (1 - p.share) * today / today.sum() + p.share * (1 - p.no_show) * booked
            mix = mix if mix.sum() > 0 else today  # everyone booked and no one comes: no trucks at all
            data = d.flow_data(g, fname)
            data["hourly_profile"] = [round(float(x), 12) for x in mix / mix.sum()]
            data["trucks_per_day"] = flow.trucks_per_day * kept
    return d.build()
