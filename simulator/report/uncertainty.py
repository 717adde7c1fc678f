"""The report's section "How sure are we": what the assumptions do to the answer.

Built from the uncertainty folders given to ``report`` (:mod:`simulator.report.uncertainty_files`),
in the report's language: the two sources of uncertainty in plain words (the assumptions, and the
Monte-Carlo error of finite runs) and what N samples can say; the combined 90% intervals of the key
KPIs and of the paired differences (with the probability that the alternative improves each); the
probability that each stated claim holds; which assumptions explain the spread ("3 assumptions
explain 84% of ...": the smallest set of inputs whose shares reach 80%, at most five); the inputs
ranked by what collecting data on them would buy; a chart of each gate's capacity (or the key KPI)
over the samples and a sensitivity bar chart. Every number is read from the files; nothing is
recomputed but per-sample means for the distribution chart.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from simulator.analysis.registry import VIEWS
from simulator.analysis.uncertainty import srrc_min_samples
from simulator.report.html import PERCENT_KPIS, Raw, bullets, esc, figure_html, kpi_number, para, table
from simulator.report.i18n import fmt_number, fmt_percent, kpi_name, t
from simulator.report.inputs import ReportInputs
from simulator.report.plots_base import display_name
from simulator.report.plots_uncertainty import nominal_capacity, sample_distribution, sensitivity_bars
from simulator.report.texts import text
from simulator.report.uncertainty_files import UncertaintyStudy, unranked_reason

__all__ = ["EXPLAIN_SHARE", "MAX_EXPLAIN", "explaining_inputs", "headline_groups", "uncertainty_section"]

#: The share of the spread the sentence "N assumptions explain X% ..." aims to reach, and its largest N.
EXPLAIN_SHARE, MAX_EXPLAIN = 0.80, 5
KEY_KPIS = ("capacity_per_day", *VIEWS["key_differences"])
#: Whose spread the section explains first: the capacity ratio, the capacity, then key differences and values.
HEADLINE = (
    ("ratio", "capacity_ratio"),
    ("value", "capacity_per_day"),
    *(("difference", k) for k in VIEWS["key_differences"]),
    *(("value", k) for k in VIEWS["key_differences"]),
)
GROUP = ["what", "scenario", "base", "scope", "key", "kpi"]
METHODS = ("sobol_s1", "srrc", "sobol_st")  # the share the sentence and the ranking use: S1 first
_CLAIM = re.compile(r"^(?:(\w+):([\w.-]+):)?(\w+)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)$")
_OPS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">"}


def _h(level: int, title: str, anchor: str = "") -> str:
    ident = f' id="{anchor}"' if anchor else ""
    return f"<h{level}{ident}>{esc(title)}</h{level}>"


def _code(value: Any) -> Raw:
    return Raw(f"<code>{esc(value)}</code>")


def uncertainty_section(inp: ReportInputs, lang: str) -> str:
    """The "How sure are we" section of every uncertainty folder; empty when none was given."""
    if not inp.uncertainty:
        return ""
    parts = [_h(2, t("h.sure", lang), "sure")]
    for study in inp.uncertainty:
        if len(inp.uncertainty) > 1:
            parts.append(_h(3, t("h.sure_study", lang, command=study.command, folder=study.folder.name)))
        parts += _study(inp, study, lang)
    return '<section class="sure">' + "".join(parts) + "</section>"


def _study(inp: ReportInputs, study: UncertaintyStudy, lang: str) -> list[str]:
    info = study.info
    method = t(f"lbl.sampling_{info.get('method', 'lhs')}", lang)
    values = {"n": fmt_number(study.n, lang, 0), "inputs": len(study.inputs), "method": method}
    runs = {"replications": info.get("replications", "–"), "days": info.get("days", "–")}
    parts: list[str] = [para(t("msg.sure_intro", lang, **values, **runs))]
    parts += [para(t("msg.sure_sources", lang, level=fmt_percent(study.level, lang)))]
    honest = t("msg.sure_n_small" if study.n < 100 else "msg.sure_n", lang, n=values["n"], option="\x00")
    parts += [para(Raw(esc(honest).replace("\x00", _code("--uncertainty N"))), "note")]
    parts += [_h(4, t("h.sure_values", lang, level=fmt_percent(study.level, lang))), _values_table(inp, study, lang)]
    if study.summary.what.isin(["difference", "ratio"]).any():
        parts += [_h(4, t("h.sure_differences", lang)), _differences_table(inp, study, lang)]
    if not study.robustness.empty:
        parts += [_h(4, t("h.sure_claims", lang)), bullets(_claim_sentences(inp, study, lang), "findings")]
    parts += _sensitivity(inp, study, lang)
    parts += _distribution(inp, study, lang)
    return parts


# --------------------------------------------------------------------------------------------- tables


def where_label(inp: ReportInputs, scope: str, key: str, kpi: str, lang: str) -> str:
    """A gate's name, the province (a capacity of every gate) or "all gates"."""
    if scope == "gate":
        gate = inp.runs[0].scenario["gates"].get(key, {})
        return str(gate.get(f"name_{lang}") or gate.get("name") or key)
    if scope == "all":
        return t("lbl.province" if kpi.startswith("capacity") else "lbl.all_gates", lang)
    return f"{scope} {key}"


def _num(kpi: str, value: Any, lang: str, difference: bool = False) -> str:
    if difference and kpi in PERCENT_KPIS:
        return fmt_number(100 * float(value), lang, 1) + t("unit.pp", lang)
    return kpi_number(kpi, value, lang)


def _cells(r: Any, lang: str, difference: bool = False) -> list[str]:
    """Mean [95% CI of the mean], the combined interval and the share from the inputs."""
    low, high = _num(r.kpi, r.mean_ci_low, lang, difference), _num(r.kpi, r.mean_ci_high, lang, difference)
    interval = t(
        "sure.range", lang, low=_num(r.kpi, r.p05, lang, difference), high=_num(r.kpi, r.p95, lang, difference)
    )
    return [f"{_num(r.kpi, r.mean, lang, difference)} [{low}; {high}]", interval, fmt_percent(r.input_share, lang)]


def _key_rows(study: UncertaintyStudy, whats: tuple[str, ...]) -> pd.DataFrame:
    s = study.summary
    rank = {k: i for i, k in enumerate([*KEY_KPIS, "capacity_ratio"])}
    rows = s[s.what.isin(whats) & s.kpi.isin(rank) & (s.scope.isin(["all", "gate"]))]
    rows = rows[(rows.scope == "all") | rows.kpi.str.startswith("capacity")]
    order = {label: i for i, label in enumerate(map(str, study.info["scenarios"]))}
    rows = rows.assign(_k=rows.kpi.map(rank), _s=rows.scenario.map(order), _g=rows.scope != "gate")
    return rows.sort_values(["_k", "_g", "key", "_s"], kind="stable")


def _values_table(inp: ReportInputs, study: UncertaintyStudy, lang: str) -> Raw:
    head = [t("lbl.kpi", lang), t("lbl.where", lang), t("lbl.scenario", lang), t("lbl.sure_mean", lang)]
    head += [t("lbl.sure_interval", lang, level=fmt_percent(study.level, lang)), t("lbl.sure_share", lang)]
    body = [
        [kpi_name(r.kpi, lang), where_label(inp, r.scope, r.key, r.kpi, lang), r.scenario, *_cells(r, lang)]
        for r in _key_rows(study, ("value",)).itertuples(index=False)
    ]
    return table(head, body, numeric=range(3, 6))


def _differences_table(inp: ReportInputs, study: UncertaintyStudy, lang: str) -> Raw:
    head = [t("lbl.kpi", lang), t("lbl.where", lang), t("lbl.sure_pair", lang), t("lbl.sure_mean", lang)]
    head += [t("lbl.sure_interval", lang, level=fmt_percent(study.level, lang)), t("lbl.sure_share", lang)]
    head += [t("lbl.sure_improves", lang)]
    body = []
    for r in _key_rows(study, ("difference", "ratio")).itertuples(index=False):
        pair = f"{r.scenario} {'÷' if r.what == 'ratio' else '−'} {r.base}"
        improves = fmt_percent(r.p_improves, lang) if r.what == "difference" else "–"
        where = where_label(inp, r.scope, r.key, r.kpi, lang)
        body.append([kpi_name(r.kpi, lang), where, pair, *_cells(r, lang, r.what == "difference"), improves])
    return table(head, body, numeric=range(3, 7))


# --------------------------------------------------------------------------------------------- claims


def claim_words(inp: ReportInputs, claim: str, lang: str) -> str:
    """``gate:huu_nghi:capacity_ratio>=2`` in words: "Hữu Nghị: Capacity ratio, proposal to baseline ≥ 2"."""
    match = _CLAIM.match(claim.strip())
    if not match:
        return claim
    scope, key, kpi, op, value = match.groups()
    number = float(value)
    words = f"{kpi_name(kpi, lang)} {_OPS[op]} {fmt_number(number, lang, 0 if number.is_integer() else 2)}"
    return f"{where_label(inp, scope or 'all', key or 'all', kpi, lang)}: {words}"


def _claim_sentences(inp: ReportInputs, study: UncertaintyStudy, lang: str) -> list[Raw]:
    out = []
    for r in study.robustness.itertuples(index=False):
        pair = t("lbl.sure_against", lang, scenario=r.scenario, base=r.base) if r.base else str(r.scenario)
        sentence = t(
            "msg.sure_claim",
            lang,
            claim=claim_words(inp, r.claim, lang),
            pair=pair,
            holds=fmt_number(r.holds, lang, 0),
            n=fmt_number(r.n_samples, lang, 0),
            probability=fmt_percent(r.probability, lang),
            low=fmt_percent(r.ci_low, lang),
            high=fmt_percent(r.ci_high, lang),
        )
        out.append(Raw(f"{esc(sentence)} ({_code(r.claim)})"))
    return out


# --------------------------------------------------------------------------------------------- sensitivity


def headline_groups(study: UncertaintyStudy) -> pd.DataFrame:
    """The sensitivity groups (one row per what, scenario, base, scope, key, kpi) of the headline KPI.

    The headline is the first of :data:`HEADLINE` with indices; the province (scope ``all``) comes
    first, then the gates in file order.
    """
    sens = study.sensitivity
    for what, kpi in HEADLINE:
        rows = sens[(sens.what == what) & (sens.kpi == kpi) & sens.scope.isin(["all", "gate"])]
        if not rows.empty:
            return rows[GROUP].drop_duplicates().sort_values("scope", kind="stable").reset_index(drop=True)
    return sens[GROUP].drop_duplicates().head(1).reset_index(drop=True)


def _group_rows(study: UncertaintyStudy, group: dict[str, Any]) -> tuple[str, pd.DataFrame]:
    """The method used for a group (S1, else SRRC, else ST) and its rows, largest share first."""
    sens = study.sensitivity
    mine = sens[(sens[GROUP] == pd.Series(group)).all(axis=1)]
    method = next((m for m in METHODS if (mine.method == m).any()), str(mine.method.iloc[0]))
    rows = mine[mine.method == method].sort_values("share", ascending=False, kind="stable")
    return method, rows


def explaining_inputs(shares: pd.Series, target: float = EXPLAIN_SHARE, most: int = MAX_EXPLAIN) -> tuple[int, bool]:
    """How many of the largest ``shares`` (sorted, largest first) reach ``target``, at most ``most``.

    Returns the count and whether the target is reached.

    >>> explaining_inputs(pd.Series([0.5, 0.2, 0.15, 0.1]))
    (3, True)
    >>> explaining_inputs(pd.Series([0.3, 0.2, 0.1]))
    (3, False)
    """
    total = shares.fillna(0.0).cumsum().to_numpy()
    reached = [i for i, s in enumerate(total[:most]) if s >= target - 1e-12]
    if reached:
        return reached[0] + 1, True
    return min(most, len(total)), False


def _group_label(inp: ReportInputs, group: dict[str, Any], lang: str, chart: bool = False) -> str:
    """``Capacity ratio ... at Hữu Nghị (smart_gate_2027 ÷ lang_son_2025)``; a chart shows display names."""
    where = where_label(inp, group["scope"], group["key"], group["kpi"], lang)
    name = kpi_name(group["kpi"], lang)
    scenario, base = (display_name(group[k]) if chart else group[k] for k in ("scenario", "base"))
    if group["what"] == "value":
        return t("lbl.sure_of_value", lang, kpi=name, where=where, scenario=scenario)
    sign = "÷" if group["what"] == "ratio" else "−"
    return t("lbl.sure_of_pair", lang, kpi=name, where=where, pair=f"{scenario} {sign} {base}")


def _explain_sentence(inp: ReportInputs, study: UncertaintyStudy, group: dict[str, Any], lang: str) -> Raw:
    method, rows = _group_rows(study, group)
    why = unranked_reason(method, rows)
    if why:
        values = {"what": _group_label(inp, group, lang), "inputs": len(rows), "n": int(rows.n_samples.iloc[0])}
        key = "msg.sure_not_ranked" if why == "too_few" else "msg.sure_flat"
        return Raw(esc(t(key, lang, need=srrc_min_samples(len(rows)), **values)))
    count, reached = explaining_inputs(rows.share)
    chosen = rows.head(count)
    key = "msg.sure_explain_one" if count == 1 else "msg.sure_explain"
    values = {
        "count": count,
        "share": fmt_percent(chosen.share.sum(), lang),
        "what": _group_label(inp, group, lang),
        "method": t(f"lbl.method_{method}", lang),
        "inputs": "\x00",
    }
    sentence = esc(t(key if reached else "msg.sure_explain_none", lang, **values))
    names = ", ".join(_code(i) for i in chosen.input)
    return Raw(sentence.replace("\x00", names))


def _ranked_table(inp: ReportInputs, study: UncertaintyStudy, group: dict[str, Any], lang: str) -> Raw:
    """Every uncertain input, largest share of the headline's spread first: what data on it would buy."""
    method, rows = _group_rows(study, group)
    by_input = {str(r.input): r for r in rows.itertuples(index=False)}
    entries = sorted(study.inputs, key=lambda e: -float(getattr(by_input.get(str(e["path"])), "share", -1.0)))
    head = ["#", t("lbl.sure_input", lang), t("lbl.sure_tag", lang), t("lbl.sure_why", lang)]
    head += [t("lbl.sure_data_buys", lang), t("lbl.sure_index", lang, method=t(f"lbl.method_{method}", lang))]
    body = []
    for rank, entry in enumerate(entries, 1):
        r = by_input.get(str(entry["path"]))
        tag = str(entry.get("tag", ""))
        share = fmt_percent(r.share, lang) if r is not None else "–"
        index = "–" if r is None else f"{fmt_number(r.index, lang, 2)} [{fmt_number(r.ci_low, lang, 2)}; "
        index += "" if r is None else f"{fmt_number(r.ci_high, lang, 2)}]"
        path = Raw(f"{_code(entry['path'])}<br>{_code(entry.get('dist', ''))}")
        cells = [str(rank), path, t(f"tag.{tag}", lang) if tag in ("S", "I", "A") else tag]
        body.append([*cells, text(entry, "why", lang), share, index])
    return table(head, body, numeric=(0, 4, 5), widths=(4, 28, 12, 32, 10, 14))


def _sensitivity(inp: ReportInputs, study: UncertaintyStudy, lang: str) -> list[str]:
    if study.sensitivity.empty:
        return [_h(4, t("h.sure_matters", lang)), para(t("msg.sure_no_sensitivity", lang), "note")]
    groups = [dict(g._asdict()) for g in headline_groups(study).itertuples(index=False)]
    parts = [_h(4, t("h.sure_matters", lang)), bullets([_explain_sentence(inp, study, g, lang) for g in groups])]
    headline = groups[0]
    unranked = unranked_reason(*_group_rows(study, headline))
    caption = t("msg.sure_unranked" if unranked else "msg.sure_ranked", lang, what=_group_label(inp, headline, lang))
    parts += [para(caption, "note"), _ranked_table(inp, study, headline, lang)]
    if unranked:  # no bars to draw
        return parts
    title = t("chart.sure.sens_title", lang, kpi=_group_label(inp, headline, lang, chart=True))
    fig = sensitivity_bars(study.sensitivity, headline, title=title, lang=lang)
    parts.append(figure_html(fig, t("caption.sure_sensitivity", lang)))
    return parts


def _distribution(inp: ReportInputs, study: UncertaintyStudy, lang: str) -> list[str]:
    kpis = set(study.sample_kpis.kpi)
    kpi = next((k for k in KEY_KPIS if k in kpis), None)
    if kpi is None:
        return []
    nominal = nominal_capacity(inp.capacity_table) if kpi == "capacity_per_day" else {}
    names = {label: run.name for label, run in zip(inp.labels, inp.runs)}
    gates = {g: where_label(inp, "gate", g, kpi, lang) for g in inp.runs[0].scenario["gates"]}
    fig = sample_distribution(study.sample_kpis, kpi, gates, nominal, names, lang=lang)
    caption = "caption.sure_capacity" if kpi == "capacity_per_day" else "caption.sure_distribution"
    return [figure_html(fig, t(caption, lang, n=fmt_number(study.n, lang, 0)))]
