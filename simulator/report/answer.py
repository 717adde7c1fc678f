"""Page 1 of the report: the answer first.

In the report's language: one table, gate by gate and for the province, of today's demand, the
baseline's capacity (95% CI), each proposal's capacity (95% CI), the ratio proposal/baseline
(95% CI, from paired replications) and the binding stage; then the proposal's claim (the
``claim:`` of its scenario) set against that ratio (with an uncertainty folder of ``capacity``, each
capacity and ratio cell adds its 90% interval over the assumptions); then three to five key differences with
their CIs, each naming its scope; then the money table. Every number is read from the saved
``capacity.csv`` and ``comparison.csv``; nothing is recomputed.
"""

from __future__ import annotations

import re
from typing import Any

from simulator.report.html import Raw, bullets, esc, para, table
from simulator.report.i18n import fmt_number, fmt_percent, kpi_name, t
from simulator.report.inputs import ReportInputs
from simulator.report.sections import diff_sentences, run_facts, unstable_sentences
from simulator.report.tags import scenario_paths

__all__ = ["CAPACITY_HEADING", "answer_section", "claim_verdict"]

CAPACITY_HEADING = {"en": "Capacity by gate", "vi": "Năng lực thông quan theo cửa khẩu"}
PROVINCE = "province"


def _h(level: int, text: str, anchor: str = "") -> str:
    ident = f' id="{anchor}"' if anchor else ""
    return f"<h{level}{ident}>{esc(text)}</h{level}>"


def answer_section(inp: ReportInputs, lang: str, money: str = "") -> str:
    """The answer-first section (capacity table, claim, key differences, money); ``money`` is its HTML."""
    parts = [_h(2, t("h.answer", lang), "answer"), _h(3, CAPACITY_HEADING[lang], "capacity")]
    parts += [_capacity_table(inp, lang)]
    parts += [para(s, "note") for s in _capacity_notes(inp, lang)]
    parts += [para(s, "claim") for s in _claim_sentences(inp, lang)]
    if inp.comparison is not None:
        parts += [_h(3, t("h.key_differences", lang)), bullets(diff_sentences(inp, lang), "findings")]
    else:
        parts += [_h(3, t("h.key_findings", lang)), bullets(run_facts(inp, lang), "findings")]
    parts += [para(s, "warn") for s in unstable_sentences(inp, lang)]
    parts += [money]
    parts += [para(t(f"msg.mixed_{w['kind']}", lang, name=w["name"], names=w["names"]), "warn") for w in inp.warnings]
    return '<section class="answer">' + "".join(parts) + "</section>"


# --------------------------------------------------------------------------------------------- table


def _units(inp: ReportInputs) -> list[str]:
    gates = list(inp.runs[0].scenario["gates"])
    return [*gates, PROVINCE] if len(gates) > 1 else gates


def _unit_label(inp: ReportInputs, unit: str, lang: str) -> str:
    if unit == PROVINCE:
        return t("lbl.province", lang)
    gate = inp.runs[0].scenario["gates"].get(unit, {})
    return str(gate.get(f"name_{lang}") or gate.get("name") or unit)


def _row(inp: ReportInputs, scenario: str, unit: str) -> dict[str, Any] | None:
    cap = inp.capacity_table
    if cap is None:
        return None
    mine = cap[cap.scenario.astype(str) == scenario]
    rows = mine[mine.unit.astype(str) == unit]
    if rows.empty and len(inp.runs[0].scenario["gates"]) == 1:  # one gate: scaling all is scaling it
        rows = mine[mine.unit.astype(str) == PROVINCE]
    return None if rows.empty else rows.iloc[0].to_dict()


def _ci(value: Any, low: Any, high: Any, lang: str, decimals: int, prefix: str = "") -> str:
    """``1,052 [1,001; 1,102]`` (the separator follows the language's decimal mark)."""
    if value is None or value != value:
        return "–"
    low_text, high_text = fmt_number(low, lang, decimals), fmt_number(high, lang, decimals)
    return f"{prefix}{fmt_number(value, lang, decimals)} [{low_text}; {high_text}]"


def _capacity_cell(row: dict[str, Any] | None, lang: str) -> str:
    if row is None:
        return "–"
    if not bool(row.get("found")):
        return t("lbl.not_found", lang)
    cap = _ci(row["capacity_per_day"], row["capacity_ci_low"], row["capacity_ci_high"], lang, 0)
    return f"{cap}, ×{fmt_number(row['ratio_to_demand'], lang, 2)}"


def _binding(rows: list[dict[str, Any] | None]) -> str:
    stages = [str(r["binding_stage"]) for r in rows if r and isinstance(r.get("binding_stage"), str)]
    stages = [s.split(".", 1)[-1] for s in stages if s]
    return " → ".join(dict.fromkeys(stages)) or "–"


def _today(inp: ReportInputs, unit: str, row: dict[str, Any] | None) -> float:
    if row is not None:
        return float(row["demand_per_day"])
    gates = inp.runs[0].scenario["gates"]
    chosen = gates.values() if unit == PROVINCE else [gates[unit]]
    return float(sum(float(f["trucks_per_day"]) for g in chosen for f in g["flows"].values()))


def _capacity_table(inp: ReportInputs, lang: str) -> Raw:
    """Gate by gate: today's demand, capacity of each scenario (CI), ratio to the baseline (CI), binding stage."""
    names = [run.name for run in inp.runs]
    head = [t("lbl.gate", lang), t("lbl.today_demand", lang), t("lbl.capacity_of", lang, scenario=inp.labels[0])]
    for label in inp.labels[1:]:
        head += [t("lbl.capacity_of", lang, scenario=label), t("lbl.ratio_to", lang, scenario=inp.labels[0])]
    head.append(t("lbl.binding_stage", lang))
    body = []
    for unit in _units(inp):
        rows = [_row(inp, name, unit) for name in names]
        base = (inp.labels[0], names[0])
        cells = [
            _unit_label(inp, unit, lang),
            fmt_number(_today(inp, unit, rows[0]), lang, 0),
            _with_spread(_capacity_cell(rows[0], lang), _spread(inp, "value", base, unit, lang)),
        ]
        for label, name, row in zip(inp.labels[1:], names[1:], rows[1:]):
            paired = row is not None and str(row.get("baseline", names[0])) == names[0]  # against this baseline
            ratio = (
                _ci(row["vs_baseline"], row["vs_baseline_ci_low"], row["vs_baseline_ci_high"], lang, 2, "×")
                if paired and row is not None
                else "–"
            )
            cells += [_with_spread(_capacity_cell(row, lang), _spread(inp, "value", (label, name), unit, lang))]
            cells += [_with_spread(ratio, _spread(inp, "ratio", (label, name), unit, lang, base))]
        body.append([*cells, _binding(rows)])
    return table(head, body, numeric=range(1, len(head) - 1), cls="capacity")


def _spread(
    inp: ReportInputs, what: str, scenario: tuple[str, str], unit: str, lang: str, base: tuple[str, ...] = ("",)
) -> str:
    """The 90% interval over the assumptions of a capacity (``value``) or ratio cell; "" without one."""
    scope, key = ("all", "all") if unit == PROVINCE else ("gate", unit)
    kpi, decimals = ("capacity_ratio", 2) if what == "ratio" else ("capacity_per_day", 0)
    for study in inp.uncertainty:
        row = study.row(what, kpi, scenario, scope, key, base) if study.command == "capacity" else None
        if row is not None:
            low, high = fmt_number(row["p05"], lang, decimals), fmt_number(row["p95"], lang, decimals)
            prefix = "×" if what == "ratio" else ""
            return t("lbl.sure_cell", lang, level=fmt_percent(study.level, lang), low=prefix + low, high=prefix + high)
    return ""


def _with_spread(cell: str, spread: str) -> str:
    return Raw(f'{esc(cell)}<br><span class="note">{esc(spread)}</span>') if spread else cell


def _scenario_file(manifest: dict[str, Any], index: int) -> str:
    names = scenario_paths(manifest)
    return names[min(index, len(names) - 1)] if names else "SCENARIO.yaml"


def _capacity_notes(inp: ReportInputs, lang: str) -> list[str]:
    """What the capacities mean (the target and how the province is counted), or how to get them."""
    if inp.capacity_table is None:
        files = [_scenario_file(run.manifest, i) for run, i in zip(inp.runs, inp.scenario_index)]
        command = "python run_scenario.py capacity " + " ".join(dict.fromkeys(files))
        code = f"<code>{esc(command)} --target 'time_in_system_h_p95&lt;=24'</code>"
        return [Raw(esc(t("msg.capacity_missing", lang, command="\x00")).replace("\x00", code))]
    target = next((str(r.get("target", "")) for r in inp.capacity), "")
    notes = [t("msg.capacity_meaning", lang, target=target_text(target, lang))]
    for study in (s for s in inp.uncertainty if s.command == "capacity"):
        level, n = fmt_percent(study.level, lang), fmt_number(study.n, lang, 0)
        notes.append(t("msg.sure_capacity_note", lang, level=level, n=n))
    if len(_units(inp)) == 1:
        return notes
    province = inp.capacity_table[inp.capacity_table.unit.astype(str) == PROVINCE]
    methods = set(province.method.astype(str))
    if "sum of independent gates" in methods:
        notes.append(t("msg.province_sum", lang))
    if "all gates scaled together" in methods:
        notes.append(t("msg.province_all", lang))
    for note in province.note.dropna().astype(str).unique():
        if note:
            notes.append(t("msg.province_not_summed", lang, why=note))
    gates = inp.capacity_table[(inp.capacity_table.unit.astype(str) != PROVINCE)]
    for r in gates[~gates.found.astype(bool)].itertuples(index=False):
        where = _unit_label(inp, str(r.unit), lang)
        notes.append(t("msg.capacity_not_found", lang, scenario=r.scenario, where=where, why=r.note))
    if "met_at_base" in gates:
        below = gates[gates.found.astype(bool) & ~gates.met_at_base.astype(bool)]
        for unit, group in below.groupby("unit", sort=False):
            where = _unit_label(inp, str(unit), lang)
            notes.append(t("msg.not_met_today", lang, where=where, scenarios=", ".join(group.scenario.astype(str))))
    return notes


_TARGET = re.compile(r"^(?:(\w+):([\w.]+):)?(\w+)(<=|>=|<|>)([-+0-9.eE]+)$")
_OPS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">"}


def target_text(target: str, lang: str) -> str:
    """A capacity target in words: ``time_in_system_h_p95<=24`` → "Time in system, 95th percentile (h) ≤ 24".

    >>> target_text("gate:huu_nghi:queue_max<=450", "en")
    'Trucks queued, maximum ≤ 450'
    """
    match = _TARGET.match(target.replace(" ", ""))
    if not match:
        return target
    _, _, kpi, op, value = match.groups()
    return f"{kpi_name(kpi, lang)} {_OPS[op]} {fmt_number(float(value), lang, 0 if float(value).is_integer() else 2)}"


# --------------------------------------------------------------------------------------------- claim


def claim_verdict(low: float, high: float, claim_min: float, claim_max: float | None = None) -> str:
    """``supported``, ``not_supported``, ``undecided`` or ``above`` for a ratio's CI against a claimed range.

    >>> claim_verdict(1.2, 1.5, 2.0), claim_verdict(2.1, 2.6, 2.0, 3.0), claim_verdict(1.8, 2.2, 2.0)
    ('not_supported', 'supported', 'undecided')
    >>> claim_verdict(3.4, 3.9, 2.0, 3.0)
    'above'
    """
    if not (low == low and high == high):
        return "untestable"
    if high < claim_min:
        return "not_supported"
    if claim_max is not None and low > claim_max:
        return "above"
    return "supported" if low >= claim_min else "undecided"


def _claim_sentences(inp: ReportInputs, lang: str) -> list[str]:
    out = []
    for label, run in zip(inp.labels[1:], inp.runs[1:]):
        claim = run.scenario.get("claim")
        if not claim:
            continue
        text = (claim.get("text_vi") or claim["text"]) if lang == "vi" else claim["text"]
        scope = str(claim.get("scope") or PROVINCE)
        row = _row(inp, run.name, scope)
        values = {"scenario": label, "claim": text, "where": _unit_label(inp, scope, lang)}
        unpaired = row is None or str(row.get("baseline", inp.runs[0].name)) != inp.runs[0].name
        if unpaired or row is None or row.get("vs_baseline") != row.get("vs_baseline"):
            out.append(t("msg.claim_untestable", lang, **values))
            continue
        low, high = float(row["vs_baseline_ci_low"]), float(row["vs_baseline_ci_high"])
        verdict = claim_verdict(low, high, float(claim["capacity_ratio_min"]), claim.get("capacity_ratio_max"))
        ratio = _ci(row["vs_baseline"], low, high, lang, 2, "×")
        out.append(
            t(
                f"msg.claim_{verdict}",
                lang,
                ratio=ratio,
                minimum=fmt_number(claim["capacity_ratio_min"], lang, 1),
                **values,
            )
        )
    return out
