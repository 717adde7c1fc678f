"""A day at a gate replayed from the saved event log: queues as dots, servers busy or free, the local clock.

Thinned so that a day of thousands of trucks stays light in the browser: one frame every
``step_min`` minutes, at most ``cap`` dots per queue and ``cap`` squares per stage (a longer
queue or a larger stage is drawn capped, with its count written above it). The counts are exact;
only the drawing is capped. A stage is drawn closed outside its local opening hours, on its closed
weekdays and during the calendar's closures and closing disruptions (holidays, weekends of one
side), read with :func:`simulator.scenario.spans.calendar_spans`, which merges the spans of the
clocks a closure touches (a closure of both sides is drawn over the union of both clocks' spans).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.io as pio

from simulator.report.i18n import t
from simulator.scenario.spans import calendar_spans

__all__ = ["Replay", "build_replay", "replay_figure", "replay_html"]

_ROW = 10  # dots per row of a queue or a stage's servers


@dataclass(frozen=True)
class Replay:
    """Frames of one gate and day: per frame and stage, trucks waiting and in service."""

    stages: list[str]
    servers: list[int | None]
    times: np.ndarray  # minutes since the model's start, one per frame
    waiting: np.ndarray  # frames × stages
    busy: np.ndarray  # frames × stages
    closed: np.ndarray  # frames × stages (bool)
    labels: list[str]  # local clock of each frame
    trucks: int
    step_min: int
    cap: int


def _servers(gate: dict[str, Any]) -> dict[str, int]:
    out = {y: int(v["slots"]) for y, v in (gate.get("yards") or {}).items()}
    for s, stage in gate["stages"].items():
        if stage.get("servers") is not None:
            out[s] = int(stage["servers"])
        for mode, spec in (stage.get("modes") or {}).items():
            out[f"{s}.{mode}"] = int(spec["servers"])
    if gate.get("scanners"):
        out["scanners"] = int(gate["scanners"]["count"])
    return out


def _hours(gate: dict[str, Any], stage: str) -> tuple[list[tuple[int, int]] | None, list[str]]:
    spec = gate["stages"].get(stage.split(".")[0]) or (gate.get("scanners") if stage == "scanners" else None)
    if not spec or not spec.get("hours"):
        return None, list((spec or {}).get("closed_weekdays") or [])
    windows = []
    for w in spec["hours"]:
        a, b = w.split("-")
        windows.append((int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:])))
    return windows, list(spec.get("closed_weekdays") or [])


def _is_closed(windows: list[tuple[int, int]] | None, off: list[str], local: dt.datetime) -> bool:
    if local.strftime("%a").lower()[:3] in off:
        return True
    if windows is None:
        return False
    m = local.hour * 60 + local.minute
    return not any(a <= m < b if a <= b else (m >= a or m < b) for a, b in windows)


def _calendar_closed(scenario: dict[str, Any], gate: str, stages: list[str], times: np.ndarray) -> np.ndarray:
    """Frames × stages: inside a closure, or a closing disruption, of the stage's side (yards stay open)."""
    g = scenario["gates"][gate]
    disruptions = (scenario.get("calendar") or {}).get("disruptions") or []
    closed = np.zeros((len(times), len(stages)), dtype=bool)
    for span in calendar_spans(scenario, gate):
        if not span.closed:
            continue
        only = set(disruptions[span.index].get("stages") or []) if span.kind == "disruption" else set()
        inside = (times >= span.start_h * 60) & (times < span.end_h * 60)
        for j, stage in enumerate(stages):
            base = stage.split(".")[0]
            spec = g["stages"].get(base) or ({"side": "home"} if stage == "scanners" else None)
            if spec is None or (only and base not in only):
                continue
            if span.side in ("both", spec.get("side") or "home"):
                closed[:, j] |= inside
    return closed


def build_replay(
    log: pd.DataFrame, scenario: dict[str, Any], gate: str, day: int, step_min: int = 10, cap: int = 60
) -> Replay:
    """The frames of ``gate`` on simulated day ``day`` (0-based) of replication 0 of ``log``."""
    rows = log[(log.gate == gate) & (log.replication == log.replication.min())]
    g = scenario["gates"][gate]
    order = list(_servers(g)) + sorted(set(rows.stage) - set(_servers(g)))
    stages = [s for s in order if (rows.stage == s).any()]
    times = np.arange(day * 1440, (day + 1) * 1440, step_min, dtype=float)
    waiting = np.zeros((len(times), len(stages)), dtype=int)
    busy = np.zeros_like(waiting)
    for j, stage in enumerate(stages):
        v = rows[rows.stage == stage]
        q, s, e = (np.sort(v[c].to_numpy()) for c in ("t_queue_min", "t_start_min", "t_end_min"))
        entered, started, ended = (np.searchsorted(x, times, side="right") for x in (q, s, e))
        waiting[:, j], busy[:, j] = entered - started, started - ended
    start = dt.datetime.fromisoformat(str(scenario["run"]["start_date"]))
    shift = float(g.get("utc_offset_h") or scenario["run"].get("utc_offset_h", 7.0)) - float(
        scenario["run"].get("utc_offset_h", 7.0)
    )
    local = [start + dt.timedelta(minutes=float(x) + 60 * shift) for x in times]
    hours = [_hours(g, s) for s in stages]
    closed = np.array([[_is_closed(w, off, when) for w, off in hours] for when in local], dtype=bool)
    closed |= _calendar_closed(scenario, gate, stages, times)
    servers = [_servers(g).get(s) for s in stages]
    day_rows = rows[(rows.t_arrive_min >= day * 1440) & (rows.t_arrive_min < (day + 1) * 1440)]
    labels = [when.strftime("%Y-%m-%d %H:%M") for when in local]
    return Replay(stages, servers, times, waiting, busy, closed, labels, int(day_rows.truck.nunique()), step_min, cap)


def _dots(x0: float, count: int, cap: int, down: bool) -> tuple[list[float], list[float]]:
    n = min(count, cap)
    k = np.arange(n)
    xs = x0 + (k % _ROW) * 0.07
    ys = -(1 + k // _ROW) if down else 1 + k // _ROW
    return list(xs), list(ys.astype(float))


def _frame_data(r: Replay, i: int, lang: str, top: float) -> list[dict[str, Any]]:
    wx: list[float] = []
    wy: list[float] = []
    bx: list[float] = []
    by: list[float] = []
    fx: list[float] = []
    fy: list[float] = []
    texts, tx, ty, cx = [], [], [], []
    for j, _stage in enumerate(r.stages):
        x = j - 0.32
        xs, ys = _dots(x, int(r.waiting[i, j]), r.cap, down=True)
        wx += xs
        wy += ys
        n_busy = int(r.busy[i, j])
        xs, ys = _dots(x, n_busy, r.cap, down=False)
        bx += xs
        by += ys
        if r.servers[j] is not None:
            n_free = max(int(r.servers[j] or 0) - n_busy, 0)
            xs, ys = _dots(x, min(n_free, max(r.cap - min(n_busy, r.cap), 0)), r.cap, down=False)
            fx += xs
            fy += [y + (min(n_busy, r.cap) // _ROW) + (1 if min(n_busy, r.cap) % _ROW else 0) for y in ys]
        if r.closed[i, j]:
            cx.append(float(j))
        texts.append(f"{r.busy[i, j]}/{r.servers[j] or '∞'}<br>{r.waiting[i, j]}")  # two short lines per column
        tx.append(j)
        ty.append(0.0)
    marker: dict[str, Any] = {"size": 6}
    hollow: dict[str, Any] = {**_HOLLOW, "symbol": "square"}
    return [
        _scatter(wx, wy, t("app.replay.waiting", lang), {**marker, "color": "#e67e22"}),
        _scatter(bx, by, t("app.replay.busy", lang), {**marker, "color": "#27ae60", "symbol": "square"}),
        _scatter(fx, fy, t("app.replay.free", lang), {**marker, **hollow}),
        _scatter(cx, [0.0] * len(cx), t("app.replay.closed", lang), _CLOSED),
        {
            "type": "scatter",
            "x": tx,
            "y": ty,
            "mode": "text",
            "text": texts,
            "textfont": {"size": 10},
            "showlegend": False,
        },
        {
            "type": "scatter",
            "x": [(len(r.stages) - 1) / 2],
            "y": [top],
            "mode": "text",
            "text": [f"<b>{t('app.replay.clock', lang)} {r.labels[i]}</b>"],
            "showlegend": False,
            "textfont": {"size": 16},
        },
    ]


_HOLLOW: dict[str, Any] = {"color": "rgba(0,0,0,0)", "line": {"color": "#95a5a6", "width": 1}}
_CLOSED: dict[str, Any] = {"size": 30, "symbol": "square", "color": "rgba(192,57,43,0.30)"}


def _scatter(x: list[float], y: list[float], name: str, marker: dict[str, Any]) -> dict[str, Any]:
    """A frame's dots; its legend entry is one of the fixed traces of :func:`_legend` (frames change)."""
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "markers",
        "name": name,
        "marker": marker,
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _legend(lang: str) -> list[dict[str, Any]]:
    """One empty trace per kind of mark, so the legend lists every kind whatever the first frame holds."""
    kinds = (
        ("app.replay.waiting", {"size": 8, "color": "#e67e22"}),
        ("app.replay.busy", {"size": 8, "color": "#27ae60", "symbol": "square"}),
        ("app.replay.free", {"size": 8, "symbol": "square", **_HOLLOW}),
        ("app.replay.closed", {**_CLOSED, "size": 14}),
    )
    return [
        {"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": t(key, lang), "marker": marker}
        for key, marker in kinds
    ]


def replay_figure(r: Replay, lang: str, speed_ms: int = 200) -> dict[str, Any]:
    """The animated figure as a plain Plotly dict: play/pause buttons, a frame slider, the local clock.

    It is left a dict (see :func:`replay_html`): building and validating ~150 frames as
    ``plotly.graph_objects`` takes seconds.
    """
    rows = r.cap // _ROW + 1
    clock = t("app.replay.clock", lang)
    slanted = len(r.stages) > 8
    frames = [{"data": _frame_data(r, i, lang, rows + 0.5), "name": str(i)} for i in range(len(r.labels))]
    play = {"frame": {"duration": speed_ms, "redraw": False}, "fromcurrent": True, "transition": {"duration": 0}}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    layout = dict(
        title={"text": f"{clock}: {r.trucks:,} trucks"},
        height=620,
        xaxis={
            "tickvals": list(range(len(r.stages))),
            "ticktext": [s.replace(".", ".<br>") if slanted else s for s in r.stages],  # a mode under its stage
            "tickangle": -30 if slanted else 0,  # ~19 stage columns: slanted names do not overlap
            "tickfont": {"size": 11},
            "automargin": True,
            "range": [-0.6, len(r.stages) - 0.2],
        },
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},  # above the plot
        yaxis={"range": [-rows - 1, rows + 1], "showticklabels": False, "zeroline": True},
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0,
                "y": 1.12,
                "buttons": [
                    {"label": t("app.replay.play", lang), "method": "animate", "args": [None, play]},
                    {"label": t("app.replay.pause", lang), "method": "animate", "args": [[None], pause]},
                ],
            }
        ],
        sliders=[
            {
                "steps": [
                    {"label": lab[-5:], "method": "animate", "args": [[str(i)], pause]}
                    for i, lab in enumerate(r.labels)
                ],
                "currentvalue": {"prefix": clock + " "},
                "pad": {"t": 110 if slanted else 30},  # below the slanted stage names
            }
        ],
    )
    return {"data": [*frames[0]["data"], *_legend(lang)], "layout": layout, "frames": frames}


def replay_html(figure: dict[str, Any]) -> str:
    """A self-contained HTML page of the animation (plotly.js embedded: no network needed)."""
    return str(
        pio.to_html(
            figure, include_plotlyjs=True, full_html=True, auto_play=False, validate=False, post_script=_QUIET_PAUSE
        )
    )


#: Pausing interrupts Plotly.animate, whose promise then rejects with no reason; nobody awaits it, so
#: the browser would report an "undefined" page error on every pause. Only that rejection is silenced.
_QUIET_PAUSE = (
    'window.addEventListener("unhandledrejection", function (e) { if (e.reason === undefined) e.preventDefault(); });'
)
