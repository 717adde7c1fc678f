"""The scenario-and-proposal section and the method (STRESS-DES) section of the report."""

from __future__ import annotations

import shlex
from typing import Any

from simulator.experiments.folders import RunFolder
from simulator.report.html import Raw, breakable, bullets, compact, esc, para, table
from simulator.report.i18n import fmt_date, fmt_number, fmt_percent, t, t_or
from simulator.report.inputs import ReportInputs
from simulator.report.tags import overrides_from_command
from simulator.report.texts import lever_text, note_text, term, text

__all__ = ["TEXT_KEYS", "code_cell", "dist_text", "is_text_key", "method_section", "scenario_section"]


def _h(level: int, text: str, anchor: str = "") -> str:
    ident = f' id="{anchor}"' if anchor else ""
    return f"<h{level}{ident}>{esc(text)}</h{level}>"


# --------------------------------------------------------------------------------------------- scenario


def scenario_section(inp: ReportInputs, lang: str) -> str:
    """Per scenario: its texts; for the first, its classes, gates, stages and flows; the levers of each.

    The values that differ between scenarios and every tagged parameter are in the appendix
    (:mod:`simulator.report.appendix`).
    """
    parts = [_h(2, t("h.scenario", lang), "scenario")]
    for i, (label, run) in enumerate(zip(inp.labels, inp.runs)):
        parts.append(_h(3, f"{t('lbl.scenario', lang)}: {label}"))
        if run.scenario.get("description"):
            parts.append(para(text(run.scenario, "description", lang)))
        if run.scenario.get("notes"):
            notes = [note_text(run.scenario, i, lang) for i in range(len(run.scenario["notes"]))]
            parts += [_h(4, t("h.notes", lang)), bullets(notes)]
        if i == 0:
            parts += [_h(4, t("h.classes", lang)), _classes_table(run, lang)]
            parts += [_h(4, t("h.gates", lang)), _gates_table(run, lang)]
            parts += [_h(4, t("h.stages", lang)), _stages_table(run, lang)]
            parts += [_h(4, t("h.flows", lang)), _flows_table(run, lang)]
        parts += [_h(4, t("h.levers", lang)), _levers(run, lang)]
    parts.append(para(t("msg.appendix_ref", lang), "note"))
    return "<section>" + "".join(parts) + "</section>"


def code_cell(ident: Any) -> Raw:
    """An identifier of the scenario file (a gate, stage, flow or key path), shown as code."""
    return Raw(f"<code>{breakable(str(ident))}</code>")


def _named(ident: str, words: str) -> Raw:
    """An identifier with its words below it (a description, or the term of a mode)."""
    return Raw(code_cell(ident) + (f"<br><small>{esc(words)}</small>" if words else ""))


def _gate_name(gate: dict[str, Any], gid: str, lang: str) -> str:
    """A gate's display name: a proper name, so shown as written unless ``name_vi`` is given."""
    return str(gate.get(f"name_{lang}") or gate.get("name") or gid)


def _classes_table(run: RunFolder, lang: str) -> Raw:
    rows = []
    for cid, spec in run.scenario["cargo_classes"].items():
        perishable = t("lbl.yes" if spec.get("perishable") else "lbl.no", lang)
        payload = fmt_number(spec.get("payload_t", 20.0), lang, 0)
        rows.append([_named(cid, term("cargo", cid, lang)), text(spec, "description", lang), perishable, payload])
    head = [t(k, lang) for k in ("lbl.class", "lbl.description", "lbl.perishable", "lbl.payload")]
    return table(head, rows, numeric=[3], widths=(22, 50, 12, 16))


def _gates_table(run: RunFolder, lang: str) -> Raw:
    rows = []
    for gid, gate in run.scenario["gates"].items():
        demand = sum(float(f["trucks_per_day"]) for f in gate["flows"].values())
        name = _gate_name(gate, gid, lang)
        words = text(gate, "description", lang)
        rows.append([code_cell(gid), name, words, len(gate["stages"]), len(gate["flows"]), fmt_number(demand, lang)])
    keys = ("lbl.gate", "lbl.name", "lbl.description", "lbl.n_stages", "lbl.n_flows", "lbl.demand")
    return table([t(k, lang) for k in keys], rows, numeric=[3, 4, 5])


def dist_text(spec: dict[str, Any], lang: str) -> str:
    """``triangular: low 2, mode 3, high 5`` (minutes); an empirical distribution by its size and mean."""
    name = str(spec.get("dist"))
    if name == "empirical":
        values = [float(v) for v in spec.get("values_min", [])]
        mean = sum(values) / len(values) if values else float("nan")
        return t("dist.empirical", lang, n=len(values), mean=fmt_number(mean, lang))
    params = []
    for key, value in spec.items():
        if key != "dist":
            short = key.removesuffix("_min")
            text = fmt_number(value, lang, 0 if float(value).is_integer() else 1) if _num(value) else str(value)
            params.append(f"{t_or(f'param.{short}', lang, short)} {text}")
    return f"{t_or(f'dist.{name}', lang, name)}: " + ", ".join(params)


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _hours_text(stage: dict[str, Any], lang: str) -> str:
    hours = ", ".join(stage.get("hours") or []) or t("lbl.always_open", lang)
    offset = stage.get("utc_offset_h")
    return hours + (f" (UTC+{compact(offset)})" if offset is not None and stage.get("hours") else "")


def _service_text(st: dict[str, Any], lang: str) -> str:
    """The service time of a plain stage, or the officer time per channel of a customs stage."""
    channels = st.get("channels")
    if channels:
        out = "; ".join(f"{t(f'channel.{c}', lang)}: {dist_text(d, lang)}" for c, d in channels["service"].items())
        if channels.get("red_scan_share"):
            out += "; " + t("txt.red_scanned", lang, share=fmt_percent(channels["red_scan_share"], lang, 0))
    else:
        out = dist_text(st["service"], lang) if st.get("service") else "–"
    if st.get("service_by_class"):
        out += " (+ " + ", ".join(term("cargo", c, lang) for c in st["service_by_class"]) + ")"
    hold = st.get("lab_hold")
    if hold:
        share = fmt_percent(hold["probability"], lang, 0)
        out += "; " + t("txt.lab", lang, share=share, dist=dist_text(hold["time"], lang))
    return out


def _stage_rows(gid: str, sid: str, st: dict[str, Any], lang: str) -> list[list[Any]]:
    visit = fmt_percent(st.get("visit_probability", 1.0), lang, 0)
    by_class = st.get("visit_probability_by_class") or {}
    visit += "".join(f"; {term('cargo', c, lang)} {fmt_percent(p, lang, 0)}" for c, p in by_class.items())
    closed = ", ".join(t_or(f"day.{d}", lang, d) for d in st.get("closed_weekdays") or []) or "–"
    if st.get("modes"):
        return [
            [
                code_cell(gid),
                _named(f"{sid}.{mode}", text(spec, "description", lang) or term("mode", mode, lang)),
                spec["servers"],
                _hours_text({**st, **{k: v for k, v in spec.items() if v}}, lang),
                closed,
                _service_text(spec, lang),
                visit,
            ]
            for mode, spec in st["modes"].items()
        ]
    named = _named(sid, text(st, "description", lang))
    return [[code_cell(gid), named, st["servers"], _hours_text(st, lang), closed, _service_text(st, lang), visit]]


def _stages_table(run: RunFolder, lang: str) -> Raw:
    rows = []
    for gid, gate in run.scenario["gates"].items():
        for yid, yard in (gate.get("yards") or {}).items():
            named = _named(yid, text(yard, "description", lang))
            rows.append([code_cell(gid), named, yard["slots"], t("lbl.always_open", lang), "–", "–", "–"])
        for sid, st in gate["stages"].items():
            rows.extend(_stage_rows(gid, sid, st, lang))
    keys = ("lbl.gate", "lbl.stage", "lbl.servers", "lbl.hours", "lbl.closed", "lbl.service", "lbl.visit")
    return table([t(k, lang) for k in keys], rows, numeric=[2], cls="long", widths=(10, 16, 7, 14, 9, 27, 17))


def _flows_table(run: RunFolder, lang: str) -> Raw:
    rows = []
    for gid, gate in run.scenario["gates"].items():
        for fid, flow in gate["flows"].items():
            mix = ", ".join(f"{term('cargo', c, lang)} {fmt_percent(s, lang, 0)}" for c, s in flow["class_mix"].items())
            direction = t(f"direction.{flow['direction']}", lang)
            route = Raw(" → ".join(code_cell(r) for r in flow["route"]))
            rows.append(
                [code_cell(gid), code_cell(fid), direction, fmt_number(flow["trucks_per_day"], lang), route, mix]
            )
    keys = ("lbl.gate", "lbl.flow", "lbl.direction", "lbl.trucks_per_day", "lbl.route", "lbl.class_mix")
    return table([t(k, lang) for k in keys], rows, numeric=[3], cls="long", widths=(11, 9, 10, 8, 37, 25))


TEXT_KEYS = ("description", "description_vi", "name", "name_vi", "notes", "notes_vi", "provenance", "lever_texts")


def is_text_key(path: str) -> bool:
    """Whether a flattened key path is a text of the scenario (not a value that changes the model)."""
    parts = path.split(".")
    return parts[0] in TEXT_KEYS or parts[-1] in TEXT_KEYS


def _step(entry: str, texts: dict[str, dict[str, Any]], lang: str) -> Raw:
    """A provenance entry as code, with the words of its lever when it is one."""
    words = lever_text(texts[entry], lang) if entry in texts else ""
    return _named(compact(entry, 200), words)


def _levers(run: RunFolder, lang: str) -> Raw:
    texts = {str(lt.get("entry")): lt for lt in run.scenario.get("lever_texts") or []}
    steps = [_step(p, texts, lang) for p in run.scenario.get("provenance") or []]
    levers = run.scenario.get("levers")
    if levers:
        steps += [code_cell(compact(lv, 200)) for lv in (levers if isinstance(levers, list) else [levers])]
    overrides = overrides_from_command(run.manifest.get("command"))
    parts = [para(t("msg.levers", lang)), bullets(steps)] if steps else [para(t("msg.no_provenance", lang))]
    if overrides:
        items = ", ".join(code_cell(f"{k}={v}") for k, v in overrides.items())
        parts.append(para(Raw(t("msg.overrides", lang, items=Raw(items)))))
    return Raw("".join(parts))


# --------------------------------------------------------------------------------------------- method


def method_section(inp: ReportInputs, lang: str) -> str:
    """The STRESS-DES items: general method, then the settings and provenance of each scenario."""
    level = fmt_percent(inp.runs[0].summary.get("confidence", 0.95), lang, 0)
    general = [
        ("m.objective", t("m.objective.text", lang)),
        ("m.logic", t("m.logic.text", lang)),
        ("m.data", t("m.data.text", lang, section=t("h.scenario", lang))),
        ("m.ci", t("m.ci.text", lang, level=level)),
    ]
    if inp.comparison is not None:
        general.append(("m.paired", t("m.paired.text", lang)))
    general += [("m.streams", t("m.streams.text", lang)), ("m.crn", t("m.crn.text", lang))]
    for info in inp.compare_info:
        command = info.get("_manifest", {}).get("command")
        general.append(("m.compare_command", _command_cell(command, lang)))
    rows = [[t(k, lang), v] for k, v in general]
    head = [t("lbl.item", lang), t("lbl.value", lang)]
    parts = [_h(2, t("h.method", lang), "method"), table(head, rows, widths=(22, 78))]
    parts += [_h(3, t("h.per_scenario", lang)), _per_run_table(inp, lang)]
    return '<section class="major">' + "".join(parts) + "</section>"


def _command_cell(command: Any, lang: str) -> Raw | str:
    if not command:
        return t("msg.not_recorded", lang)
    return Raw("<code>python " + esc(shlex.join(str(c) for c in command)) + "</code>")


def _per_run_table(inp: ReportInputs, lang: str) -> Raw:
    items = [
        "m.run_length",
        "m.warmup",
        "m.replications",
        "m.seed",
        "m.software",
        "m.commit",
        "m.hardware",
        "m.created",
        "m.digest",
        "m.command",
    ]
    cells = [_run_items(run, lang) for run in inp.runs]
    rows = [[t(k, lang), *(c[k] for c in cells)] for k in items]
    share = 78 // len(inp.runs)
    return table([t("lbl.item", lang), *inp.labels], rows, widths=(22, *[share] * len(inp.runs)))


def _run_items(run: RunFolder, lang: str) -> dict[str, Any]:
    """Every per-run STRESS-DES value, read from ``summary.json`` and ``manifest.json``."""
    s, m = run.summary, run.manifest
    days, warmup = int(s["days"]), int(s["warmup_days"])
    versions = ", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items())
    git = m.get("git") or {}
    machine = m.get("machine") or {}
    commit = t("msg.not_recorded", lang)
    if git.get("commit"):
        commit = f"git {git['commit']} ({t('msg.git_dirty' if git.get('dirty') else 'msg.git_clean', lang)})"
    wall = fmt_number(m.get("wall_time_s"), lang, 1)
    return {
        "m.run_length": t("m.run_length.text", lang, days=days, measured=days - warmup),
        "m.warmup": t("m.warmup.text", lang, start=fmt_date(s["start_date"], lang), warmup=warmup)
        + _auto_warmup(m.get("warmup"), lang),
        "m.replications": str(s["replications"]),
        "m.seed": str(s["seed"]),
        "m.software": f"{m.get('package', 'border-gate-sim')} {m.get('version', '?')}; {versions}",
        "m.commit": commit,
        "m.hardware": t("m.hardware.text", lang, wall=wall, **{k: machine.get(k, "?") for k in _MACHINE_KEYS}),
        "m.created": m.get("created_utc") or t("msg.not_recorded", lang),
        "m.digest": Raw(f"<code>{esc(m.get('scenario_sha256', '–'))}</code>"),
        "m.command": _command_cell(m.get("command"), lang),
    }


def _auto_warmup(record: Any, lang: str) -> str:
    """How ``warmup_days: auto`` chose the warm-up (the manifest's ``warmup``), or nothing."""
    if not isinstance(record, dict):
        return ""
    hours = fmt_number(record.get("truncation_h"), lang, 0)
    text = t("m.warmup.auto", lang, pilot=record.get("pilot_replications", "?"), hours=hours)
    return text + (t("m.warmup.common", lang) if record.get("common") else "")


_MACHINE_KEYS = ("platform", "processor", "cpus")
