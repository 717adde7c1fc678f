"""The report's appendix: every scenario parameter as a readable table (gate, part, parameter, value, tag).

Values are written out as text (a distribution as "triangular: low 2, mode 3, high 5", a list
comma-separated, a mapping as "key value; key value"), never as a printed dictionary, and the
dotted path of a value is split into the gate, the stage, yard or flow, and the parameter.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from simulator.experiments.folders import RunFolder
from simulator.report.html import Raw, bullets, esc, para, table
from simulator.report.i18n import fmt_number, t
from simulator.report.inputs import ReportInputs
from simulator.report.scenario_section import TEXT_KEYS, code_cell, dist_text, is_text_key
from simulator.report.tags import (
    SourceTags,
    TaggedValue,
    citations,
    overrides_from_command,
    read_source_tags,
    value_at,
)
from simulator.scenario.sources import ID, read_register

__all__ = ["appendix_section", "readable", "split_path"]

_PARTS = ("stages", "yards", "flows", "modes")


def _h(level: int, text: str, anchor: str = "") -> str:
    ident = f' id="{anchor}"' if anchor else ""
    return f"<h{level}{ident}>{esc(text)}</h{level}>"


def readable(value: Any, lang: str, limit: int = 160) -> str:
    """A scenario value as plain text: no braces, brackets or quotes.

    >>> readable({"dist": "triangular", "low_min": 2, "mode_min": 3, "high_min": 5}, "en")
    'triangular: low 2, mode 3, high 5'
    >>> readable({"green": 0.7, "yellow": 0.2, "red": 0.1}, "en")
    'green 0.7; yellow 0.2; red 0.1'
    >>> readable(["07:00-11:30", "13:30-17:00"], "en")
    '07:00-11:30, 13:30-17:00'
    """
    if isinstance(value, dict) and "dist" in value:
        text = dist_text(value, lang)
    elif isinstance(value, dict):
        text = "; ".join(f"{k} {readable(v, lang, limit)}" for k, v in value.items()) or "–"
    elif isinstance(value, list | tuple):
        text = ", ".join(readable(v, lang, limit) for v in value) or "–"
    elif isinstance(value, bool):
        text = t("lbl.yes" if value else "lbl.no", lang)
    elif isinstance(value, int | float):
        text = fmt_number(value, lang, 0 if float(value).is_integer() else 4).rstrip("0").rstrip(",.")
        text = text or "0"
    elif value is None:
        text = "–"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_path(path: str) -> tuple[str, str, str]:
    """``gates.huu_nghi.stages.customs.servers`` → ``("huu_nghi", "customs", "servers")``.

    >>> split_path("gates.huu_nghi.stages.handover.modes.transloading.servers")
    ('huu_nghi', 'handover.transloading', 'servers')
    >>> split_path("calendar.seasons.0.multipliers.fresh_fruit")
    ('–', 'calendar', 'seasons.0.multipliers.fresh_fruit')
    """
    keys = path.split(".")
    if len(keys) < 2 or keys[0] != "gates":
        return "–", keys[0], ".".join(keys[1:]) or keys[0]
    gate, rest = keys[1], keys[2:]
    part: list[str] = []
    while len(rest) >= 2 and rest[0] in _PARTS:
        part.append(rest[1])
        rest = rest[2:]
    return gate, ".".join(part) or "–", ".".join(rest) or "–"


def appendix_section(inp: ReportInputs, lang: str) -> str:
    """Per scenario: the values that differ from the first, then its parameters with their tags."""
    parts = [_h(2, t("h.appendix", lang), "appendix")]
    seen: dict[tuple[str, str], str] = {}
    cited: set[str] = set()
    for i, (label, run) in enumerate(zip(inp.labels, inp.runs)):
        parts.append(_h(3, f"{t('lbl.scenario', lang)}: {label}"))
        if i:
            parts.append(_changes(inp.labels[0], inp.runs[0], run, lang))
        tags = read_source_tags(run.manifest, inp.scenario_index[i])
        source = (tags.status, tags.path)
        if tags.status == "ok" and source in seen:
            parts.append(para(t("msg.same_tags", lang, name=seen[source]), "note"))
            continue
        seen.setdefault(source, label)
        parts += _tag_blocks(tags, run, lang)
        cited.update(i for v in tags.values for i in ID.findall(v.note))
    parts.append(sources_block(cited, lang))
    return '<section class="major">' + "".join(parts) + "</section>"


def linked(note: str) -> Raw:
    """A comment, escaped, with each source id a link to its entry in the report's register.

    >>> linked("[S] S-vol-2024-08-22 <x>")
    '[S] <a href="#src-S-vol-2024-08-22"><code>S-vol-2024-08-22</code></a> &lt;x&gt;'
    """
    return Raw(ID.sub(lambda m: f'<a href="#src-{m.group(0)}"><code>{m.group(0)}</code></a>', esc(note)))


def sources_block(cited: set[str], lang: str) -> str:
    """The register's entries cited by the tags, one row each with its anchor, so the links work offline.

    The addresses are text, not links: the report is self-contained and links only inside itself.
    The facts are written in English in ``docs/sources.md``; another language gets the id and the
    address of each entry, as its tag notes get their citations only.
    """
    entries = [e for e in read_register()[0].values() if e.id in cited]
    if not entries:
        return ""
    block = _h(3, t("h.sources", lang), "sources") + para(t("msg.sources_intro", lang), "note")
    if lang != "en":
        rows = [[_anchor(e.id), e.url if e.url.startswith("http") else "–"] for e in entries]
        return block + table(["id", t("lbl.src_url", lang)], rows, cls="long", widths=(20, 80))
    rows = [[_anchor(e.id), e.fact, e.publication, e.date, e.url] for e in entries]
    head = ["id", *(t(f"lbl.src_{k}", lang) for k in ("fact", "publication", "date", "url"))]
    return block + table(head, rows, cls="long", widths=(14, 40, 14, 10, 22))


def _anchor(ident: str) -> Raw:
    return Raw(f'<code id="src-{ident}">{esc(ident)}</code>')


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict) and data and "dist" not in data:
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def _changes(base_label: str, base: RunFolder, run: RunFolder, lang: str) -> Raw:
    """The values that differ from the first scenario, as a table (gate, part, parameter, base, this)."""
    a, b = _flatten(base.scenario), _flatten(run.scenario)
    keys = [
        k for k in dict.fromkeys([*a, *b]) if not is_text_key(k) and not k.startswith("claim") and a.get(k) != b.get(k)
    ]
    if not keys:
        return Raw("")
    rows = [
        [*map(code_cell, split_path(k)), code_cell(readable(a.get(k), lang)), code_cell(readable(b.get(k), lang))]
        for k in keys
    ]
    head = [t(k, lang) for k in ("lbl.gate", "lbl.part", "lbl.parameter", "lbl.baseline_value", "lbl.this_value")]
    intro = para(t("msg.changes_table", lang, base=base_label))
    return Raw(intro + table(head, rows, cls="long", widths=(12, 18, 26, 22, 22)))


def _tag_blocks(tags: SourceTags, run: RunFolder, lang: str) -> list[str]:
    """The parameter table with tags (gate, part, parameter, value, tag, note), and the assumptions list."""
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
        value = code_cell(readable(resolved, lang) if resolved is not None else v.written)
        gate, part, parameter = split_path(v.path)
        rows.append([code_cell(gate), code_cell(part), code_cell(parameter), value, label, _note(v, lang)])
    head += [para(t("msg.tags_read", lang, path=tags.path, counts=counts), "note")]
    if lang != "en":
        head.append(para(t("msg.tag_notes_vi", lang), "note"))
    keys = ("lbl.gate", "lbl.part", "lbl.parameter", "lbl.value", "lbl.tag", "lbl.note")
    head.append(table([t(k, lang) for k in keys], rows, cls="long", widths=(10, 13, 17, 18, 11, 31)))
    return [*head, _h(4, t("h.assumptions", lang)), _assumptions(tags, lang)]


def _without_texts(value: Any) -> Any:
    """A resolved value without the scenario texts inside it (descriptions and names are not parameters)."""
    if isinstance(value, dict):
        return {k: _without_texts(v) for k, v in value.items() if k not in TEXT_KEYS}
    return value


def _note(v: TaggedValue, lang: str) -> Raw:
    """The comment of a tagged value: as written in English; in other languages its citations and line."""
    if lang == "en":
        return linked(v.note)
    return linked(f"{citations(v.note)} ({t('txt.line', lang, line=v.line)})".strip())


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
    items = [Raw(f"<b>{linked(note)}</b>: " + ", ".join(code_cell(p) for p in paths)) for note, paths in groups.items()]
    return Raw(para(t("msg.assumptions_intro", lang), "note") + bullets(items))
