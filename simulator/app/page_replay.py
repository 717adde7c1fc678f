"""The Replay page: a day at a gate of a saved run, animated from its event log (``trucks.parquet``)."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import streamlit as st

from simulator.app.replay import build_replay, replay_figure, replay_html
from simulator.app.settings import Settings
from simulator.app.state import show_error
from simulator.experiments.folders import RunFolder
from simulator.report.i18n import t
from simulator.scenario.errors import ScenarioError

__all__ = ["replay_page"]

STEPS = (5, 10, 15, 30)


def _logged_runs(config: Settings) -> list[str]:
    found = [p.parent for p in config.results.rglob("trucks.parquet")] + [
        p.parent for p in config.results.rglob("trucks.csv.gz")
    ]
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [str(p.relative_to(config.results)) for p in found if ".app" not in p.parts]


@st.cache_data(max_entries=4, show_spinner=False)
def _log(path: str) -> pd.DataFrame:
    return RunFolder.load(path).trucks()


def _embed(html: str) -> None:
    """The animation in an iframe (``st.iframe`` from Streamlit 1.50, ``components.html`` before)."""
    if hasattr(st, "iframe"):
        st.iframe(html, height=700)
    else:  # pragma: no cover - older Streamlit
        import streamlit.components.v1 as components

        components.html(html, height=700)


def replay_page(config: Settings, lang: str) -> None:
    """Pick a run, a gate and a day; play the day."""
    st.header(t("app.page.replay", lang))
    runs = _logged_runs(config)
    if not runs:
        st.info(t("app.replay.none", lang))
        return
    name = st.selectbox(t("app.results.folder", lang), runs, key="replay_folder")
    try:
        run = RunFolder.load(config.results / name)
        log = _log(str(config.results / name))
    except ScenarioError as exc:
        show_error(exc)
        return
    c1, c2, c3, c4 = st.columns(4)
    gates = list(run.scenario["gates"])
    gate = c1.selectbox(t("app.replay.gate", lang), gates, key="replay_gate")
    start = dt.date.fromisoformat(str(run.scenario["run"]["start_date"]))
    days = int(run.scenario["run"]["days"])
    day = c2.selectbox(
        t("app.replay.day", lang),
        list(range(days)),
        format_func=lambda d: str(start + dt.timedelta(days=d)),
        key="replay_day",
    )
    step = c3.selectbox("min/frame", STEPS, index=1, key="replay_step")
    speed = c4.slider(t("app.replay.speed", lang), 50, 1000, 200, step=50, key="replay_speed")
    began = time.perf_counter()
    replay = build_replay(log, run.scenario, gate, int(day), step_min=int(step))
    html = replay_html(replay_figure(replay, lang, speed_ms=int(speed)))
    st.caption(t("app.replay.thinned", lang, trucks=f"{replay.trucks:,}", step=replay.step_min, cap=replay.cap))
    _embed(html)
    st.caption(f"{len(replay.times)} frames, built in {time.perf_counter() - began:.2f} s")
