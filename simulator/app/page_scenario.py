"""The Scenario page: pick or upload a scenario, see it as tables with source tags, change its numbers."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from simulator.app.forms import FormField, changed_yaml, form_fields, parse_value
from simulator.app.safety import save_upload, upload_dir
from simulator.app.settings import Settings
from simulator.app.state import show_error
from simulator.levers.load import load_scenario
from simulator.report.i18n import t
from simulator.report.tags import read_source_tags
from simulator.scenario.errors import ScenarioError
from simulator.scenario.loader import read_scenario

__all__ = ["field_key", "scenario_page"]

DEFAULT = "lang_son_2024.yaml"


def _pick(config: Settings, lang: str) -> tuple[Path | None, dict[str, str]]:
    shipped = sorted(p.name for p in config.shipped.glob("*.yaml"))
    index = shipped.index(DEFAULT) if DEFAULT in shipped else 0
    name = st.selectbox(t("app.scenario.pick", lang), shipped, index=index, key="shipped")
    upload = st.file_uploader(t("app.scenario.upload", lang), type=["yaml", "yml"], key="upload")
    if upload is None:
        return config.shipped / name, {}
    try:
        path = save_upload(config.results, upload.name, upload.getvalue(), config.shipped)
    except ScenarioError as exc:
        show_error(exc)
        return None, {}
    return path, {str(path): upload.name}


def _tags(path: Path) -> dict[str, str]:
    found = read_source_tags({"scenario_path": str(path)})
    return {v.path: " ".join(v.tags) + (f" {v.note}" if v.note else "") for v in found.values}


def _tables(sc: Any, raw: Any, path: Path, lang: str) -> None:
    tags = _tags(path)
    gates, stages = [], []
    for g, gate in sc.gates.items():
        demand = {f: flow.trucks_per_day for f, flow in gate.flows.items()}
        gates.append({"gate": g, "name": gate.name, **{f"{f} trucks/day": v for f, v in demand.items()}})
        for s, stage in gate.stages.items():
            servers = stage.servers if stage.modes is None else {m: v.servers for m, v in stage.modes.items()}
            key = f"gates.{g}.stages.{s}.servers"
            mode_tags = [tags.get(f"gates.{g}.stages.{s}.modes.{m}.servers", "") for m in (stage.modes or {})]
            stages.append(
                {
                    "gate": g,
                    "stage": s,
                    "servers": str(servers),
                    "hours": ", ".join(stage.hours or ("24 h",)),
                    "tag": tags.get(key) or "; ".join(x for x in mode_tags if x),
                    "hours tag": tags.get(f"gates.{g}.stages.{s}.hours", ""),
                }
            )
    st.subheader(t("app.scenario.gates", lang))
    st.dataframe(pd.DataFrame(gates), hide_index=True)
    st.subheader(t("app.scenario.stages", lang) + " · " + t("app.scenario.hours", lang))
    st.caption(t("app.scenario.tags", lang))
    st.dataframe(pd.DataFrame(stages), hide_index=True)
    if sc.levers:
        st.subheader(t("app.scenario.levers", lang))
        levers = [
            {"lever": lv.lever, "description": lv.description, **{"params": str(lv.raw_params)}} for lv in sc.levers
        ]
        st.dataframe(pd.DataFrame(levers), hide_index=True)


def field_key(path: Path, field: FormField) -> str:
    """The widget key of ``field`` of the scenario at ``path`` (another file's same field is another widget)."""
    return f"field:{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]}:{field.key}"


def _widget(field: FormField, key: str) -> Any:
    label = field.path[-1] if field.path[0] != "gates" else ".".join(map(str, field.path[2:]))
    bounds = f" [{field.low:g} … {field.high:g}]" if field.low is not None and field.high is not None else ""
    if field.kind == "hours":
        return st.text_input(str(label), value=field.value, help=field.help, key=key)
    step = 1 if field.kind == "int" else None
    value = field.value if field.kind == "int" else float(field.value)
    return st.number_input(str(label), value=value, step=step, help=field.help + bounds, key=key)


def _edit(sc: Any, raw: Any, path: Path, config: Settings, lang: str) -> None:
    st.subheader(t("app.scenario.edit", lang))
    changes: dict[tuple[str | int, ...], Any] = {}
    with st.form("edit"):
        for group, fields in form_fields(sc).items():
            with st.expander(group):
                for field in fields:
                    given = parse_value(field, _widget(field, field_key(path, field)))
                    if given != parse_value(field, field.value):
                        changes[field.path] = given
        st.form_submit_button("OK")
    if not changes:
        st.session_state["working_path"] = None
        st.info(t("app.scenario.none", lang))
        return
    st.write(t("app.scenario.changed", lang, n=len(changes), base=path.name))
    name = f"{sc.name}_changed"
    levers = raw.data.get("levers")
    text = changed_yaml(str(path.resolve()), name, changes, levers)
    folder = upload_dir(config.results) / hashlib.sha256(text.encode()).hexdigest()[:12]
    folder.mkdir(exist_ok=True)
    working = folder / f"{name}.yaml"
    working.write_text(text, encoding="utf-8")
    try:
        load_scenario(working)
    except ScenarioError as exc:
        show_error(exc)
        st.session_state["working_path"] = None
        return
    st.session_state["working_path"] = str(working)
    st.success(t("app.scenario.valid", lang))
    download = changed_yaml(path.name, name, changes, levers)
    st.download_button(
        t("app.scenario.download", lang), download, file_name=f"{name}.yaml", key="download_yaml", on_click="ignore"
    )
    st.code(download, language="yaml")


def scenario_page(config: Settings, lang: str) -> None:
    """Pick, inspect and change a scenario; the Run page runs it."""
    st.header(t("app.page.scenario", lang))
    path, names = _pick(config, lang)
    if path is None:
        return
    try:
        sc, raw = read_scenario(path)
        load_scenario(path)  # its levers apply, as `validate` checks
    except ScenarioError as exc:
        show_error(exc, names)
        return
    st.session_state["scenario_path"] = str(path)
    st.write(t("app.run.scenario", lang, name=sc.name) + f" · `{names.get(str(path), path.name)}`")
    _tables(sc, raw, path, lang)
    _edit(sc, raw, path, config, lang)
