"""The scenario-and-proposal section and the method (STRESS-DES) section of the report."""

from __future__ import annotations

import shlex
from collections import defaultdict
from typing import Any

from simulator.experiments.folders import RunFolder
from simulator.report.html import Raw, breakable, bullets, compact, esc, para, table
from simulator.report.i18n import fmt_date, fmt_number, fmt_percent, t, t_or
from simulator.report.inputs import ReportInputs
from simulator.report.tags import SourceTags, TaggedValue, citations, overrides_from_command, read_source_tags, value_at
from simulator.report.texts import lever_text, note_text, term, text

__all__ = ["method_section", "scenario_section"]


def _h(level: int, text: str, anchor: str = "") -> str:
    ident = f' id="{anchor}"' if anchor else ""
    return f"<h{level}{ident}>{esc(text)}</h{level}>"


# --------------------------------------------------------------------------------------------- scenario


def scenario_section(inp: ReportInputs, lang: str) -> str:
    """Per scenario: gates, stages, flows (the first in full, the others as changes), levers, tags."""
    parts = [_h(2, t("h.scenario", lang), "scenario")]
    seen: dict[tuple[str, str], str] = {}
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
        else:
            parts.append(_changes(inp.labels[0], inp.runs[0], run, lang))
        parts += [_h(4, t("h.levers", lang)), _levers(run, lang)]
        tags = read_source_tags(run.manifest, inp.scenario_index[i])
        source = (tags.status, tags.path)
        if tags.status == "ok" and source in seen:
            parts.append(para(t("msg.same_tags", lang, name=seen[source]), "note"))
            continue
        seen.setdefault(source, label)
        parts += _tag_blocks(tags, run, lang)
    return "<section>" + "".join(parts) + "</section>"


def _code(ident: Any) -> Raw:
    """An identifier of the scenario file (a gate, stage, flow or key path), shown as code."""
    return Raw(f"<code>{breakable(str(ident))}</code>")


def _named(ident: str, words: str) -> Raw:
    """An identifier with its words below it (a description, or the term of a mode)."""
    return Raw(_code(ident) + (f"<br><small>{esc(words)}</small>" if words else ""))


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
        rows.append([_code(gid), name, words, len(gate["stages"]), len(gate["flows"]), fmt_number(demand, lang)])
    keys = ("lbl.gate", "lbl.name", "lbl.description", "lbl.n_stages", "lbl.n_flows", "lbl.demand")
    return table([t(k, lang) for k in keys], rows, numeric=[3, 4, 5])


def _dist_text(spec: dict[str, Any], lang: str) -> str:
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
        out = "; ".join(f"{t(f'channel.{c}', lang)}: {_dist_text(d, lang)}" for c, d in channels["service"].items())
        if channels.get("red_scan_share"):
            out += "; " + t("txt.red_scanned", lang, share=fmt_percent(channels["red_scan_share"], lang, 0))
    else:
        out = _dist_text(st["service"], lang) if st.get("service") else "–"
    if st.get("service_by_class"):
        out += " (+ " + ", ".join(term("cargo", c, lang) for c in st["service_by_class"]) + ")"
    hold = st.get("lab_hold")
    if hold:
        share = fmt_percent(hold["probability"], lang, 0)
        out += "; " + t("txt.lab", lang, share=share, dist=_dist_text(hold["time"], lang))
    return out


def _stage_rows(gid: str, sid: str, st: dict[str, Any], lang: str) -> list[list[Any]]:
    visit = fmt_percent(st.get("visit_probability", 1.0), lang, 0)
    by_class = st.get("visit_probability_by_class") or {}
    visit += "".join(f"; {term('cargo', c, lang)} {fmt_percent(p, lang, 0)}" for c, p in by_class.items())
    closed = ", ".join(t_or(f"day.{d}", lang, d) for d in st.get("closed_weekdays") or []) or "–"
    if st.get("modes"):
        return [
            [
                _code(gid),
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
    return [[_code(gid), named, st["servers"], _hours_text(st, lang), closed, _service_text(st, lang), visit]]


def _stages_table(run: RunFolder, lang: str) -> Raw:
    rows = []
    for gid, gate in run.scenario["gates"].items():
        for yid, yard in (gate.get("yards") or {}).items():
            named = _named(yid, text(yard, "description", lang))
            rows.append([_code(gid), named, yard["slots"], t("lbl.always_open", lang), "–", "–", "–"])
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
            route = Raw(" → ".join(_code(r) for r in flow["route"]))
            rows.append([_code(gid), _code(fid), direction, fmt_number(flow["trucks_per_day"], lang), route, mix])
    keys = ("lbl.gate", "lbl.flow", "lbl.direction", "lbl.trucks_per_day", "lbl.route", "lbl.class_mix")
    return table([t(k, lang) for k in keys], rows, numeric=[3], cls="long", widths=(11, 9, 10, 8, 37, 25))


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict) and data:
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def _changes(base_label: str, base: RunFolder, run: RunFolder, lang: str) -> Raw:
    """The values that differ from the first scenario (name and provenance left out), at most 40."""
    a, b = _flatten(base.scenario), _flatten(run.scenario)
    keys = [k for k in dict.fromkeys([*a, *b]) if not _is_text_key(k) and a.get(k) != b.get(k)]
    items = [_code(f"{k}: {compact(a.get(k, '–'))} → {compact(b.get(k, '–'))}") for k in keys[:40]]
    more = [f"… (+{len(keys) - 40})"] if len(keys) > 40 else []
    return Raw(para(t("msg.changes", lang, base=base_label)) + bullets([*items, *more]) if items else "")


_TEXT_KEYS = ("description", "description_vi", "name", "name_vi", "notes", "notes_vi", "provenance", "lever_texts")


def _is_text_key(path: str) -> bool:
    """Whether a flattened key path is a text of the scenario (not a value that changes the model)."""
    parts = path.split(".")
    return parts[0] in _TEXT_KEYS or parts[-1] in _TEXT_KEYS


def _step(entry: str, texts: dict[str, dict[str, Any]], lang: str) -> Raw:
    """A provenance entry as code, with the words of its lever when it is one."""
    words = lever_text(texts[entry], lang) if entry in texts else ""
    return _named(compact(entry, 200), words)


def _levers(run: RunFolder, lang: str) -> Raw:
    texts = {str(lt.get("entry")): lt for lt in run.scenario.get("lever_texts") or []}
    steps = [_step(p, texts, lang) for p in run.scenario.get("provenance") or []]
    levers = run.scenario.get("levers")
    if levers:
        steps += [_code(compact(lv, 200)) for lv in (levers if isinstance(levers, list) else [levers])]
    overrides = overrides_from_command(run.manifest.get("command"))
    parts = [para(t("msg.levers", lang)), bullets(steps)] if steps else [para(t("msg.no_provenance", lang))]
    if overrides:
        items = ", ".join(_code(f"{k}={v}") for k, v in overrides.items())
        parts.append(para(Raw(t("msg.overrides", lang, items=Raw(items)))))
    return Raw("".join(parts))


def _tag_blocks(tags: SourceTags, run: RunFolder, lang: str) -> list[str]:
    """The key-parameter table with tags, and the assumptions list (or why there are none)."""
    head = [_h(4, t("h.parameters", lang))]
    if tags.status != "ok":
        key = {"no_path": "msg.tags_no_path", "unreadable": "msg.tags_unreadable", "no_tags": "msg.tags_none"}
        message = para(t(key[tags.status], lang, path=tags.path))
        return [*head, message, _h(4, t("h.assumptions", lang)), message]
    c = tags.counts()
    counts = t("msg.tag_counts", lang, s=c["S"], i=c["I"], a=c["A"])
    overrides = overrides_from_command(run.manifest.get("command"))
    rows = []
    for v in tags.values:
        label = t(f"tag.{v.tags[0]}", lang) + "".join(f" +[{x}]" for x in v.tags[1:])
        if any(v.path == o or v.path.startswith(o + ".") or o.startswith(v.path + ".") for o in overrides):
            label += " — " + t("tag.override", lang)
        resolved = _without_texts(value_at(run.scenario, v.path))
        value = compact(resolved) if resolved is not None else v.written
        rows.append([_code(v.path), _code(value), label, _note(v, lang)])
    head += [para(t("msg.tags_read", lang, path=tags.path, counts=counts), "note")]
    if lang != "en":
        head.append(para(t("msg.tag_notes_vi", lang), "note"))
    keys = ("lbl.parameter", "lbl.value", "lbl.tag", "lbl.note")
    head.append(table([t(k, lang) for k in keys], rows, cls="long", widths=(30, 22, 13, 35)))
    return [*head, _h(4, t("h.assumptions", lang)), _assumptions(tags, lang)]


def _without_texts(value: Any) -> Any:
    """A resolved value without the scenario texts inside it (descriptions and names are not parameters)."""
    if isinstance(value, dict):
        return {k: _without_texts(v) for k, v in value.items() if k not in _TEXT_KEYS}
    return value


def _note(v: TaggedValue, lang: str) -> str:
    """The comment of a tagged value: as written in English; in other languages its citations and line."""
    if lang == "en":
        return v.note
    return f"{citations(v.note)} ({t('txt.line', lang, line=v.line)})".strip()


def _assumptions(tags: SourceTags, lang: str) -> Raw:
    groups: dict[str, list[str]] = defaultdict(list)
    for v in tags.values:
        if "A" in v.tags:
            note = v.note.strip() if lang == "en" else citations(v.note).replace("[A]", "").strip()
            if note in ("[A]", ""):
                note = t("msg.assumed_bare" if lang == "en" or v.note.strip() == "[A]" else "msg.assumed_in_file", lang)
            groups[note].append(v.path)
    if not groups:
        return para(t("msg.no_assumptions", lang))
    items = [Raw(f"<b>{esc(note)}</b>: " + ", ".join(_code(p) for p in paths)) for note, paths in groups.items()]
    return Raw(para(t("msg.assumptions_intro", lang), "note") + bullets(items))


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
        "m.warmup": t("m.warmup.text", lang, start=fmt_date(s["start_date"], lang), warmup=warmup),
        "m.replications": str(s["replications"]),
        "m.seed": str(s["seed"]),
        "m.software": f"{m.get('package', 'border-gate-sim')} {m.get('version', '?')}; {versions}",
        "m.commit": commit,
        "m.hardware": t("m.hardware.text", lang, wall=wall, **{k: machine.get(k, "?") for k in _MACHINE_KEYS}),
        "m.created": m.get("created_utc") or t("msg.not_recorded", lang),
        "m.digest": Raw(f"<code>{esc(m.get('scenario_sha256', '–'))}</code>"),
        "m.command": _command_cell(m.get("command"), lang),
    }


_MACHINE_KEYS = ("platform", "processor", "cpus")
