"""The executive summary and the results section of the report (HTML strings)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from simulator.analysis.registry import KPIS, VIEWS
from simulator.experiments.folders import RunFolder
from simulator.report.html import (
    PERCENT_KPIS,
    Raw,
    esc,
    kpi_ci,
    kpi_decimals,
    kpi_number,
    kpi_range,
    para,
    table,
)
from simulator.report.i18n import fmt_number, fmt_percent, kpi_name, t
from simulator.report.inputs import ReportInputs

__all__ = ["diff_sentences", "results_section", "run_facts", "unstable_sentences"]

DIFF_KPIS = VIEWS["key_differences"]  # the key differences are the KPIs of the forest plot, in the same order
SCOPE_KPIS = VIEWS["scope"]
STAGE_COLUMNS = VIEWS["stage"]
SECTIONS = {"gate": "by_gate", "direction": "by_direction", "class": "by_class"}


def _h(level: int, text: str, anchor: str = "") -> str:
    ident = f' id="{anchor}"' if anchor else ""
    return f"<h{level}{ident}>{esc(text)}</h{level}>"


def _named(inp: ReportInputs) -> Iterator[tuple[str, RunFolder]]:
    return zip(inp.labels, inp.runs)


# --------------------------------------------------------------------------------------------- summary


def _kpi(run: RunFolder, scope: str, key: str = "", kpi: str = "throughput_per_day") -> dict[str, Any] | None:
    """``{mean, ci_low, ci_high}`` of a KPI from ``summary.json`` (None when absent)."""
    summary = run.summary
    if scope == "all":
        return summary.get("kpis", {}).get(kpi)
    section = "by_stage" if scope == "stage" else SECTIONS[scope]
    return summary.get(section, {}).get(key, {}).get(kpi)


def diff_sentences(inp: ReportInputs, lang: str) -> list[str]:
    """Three to five key differences with their CIs, each naming its scope.

    Up to three of the whole system (the main KPIs, significant first), then up to two of single
    gates: the significant differences of the main KPIs with the largest relative change.
    """
    comparison = inp.comparison
    assert comparison is not None
    rank = {k: i for i, k in enumerate(DIFF_KPIS)}
    rows = comparison[comparison.diff_mean.notna()]
    rows = rows.assign(_sig=~_significant(rows), _rank=rows.kpi.map(lambda k: rank.get(k, len(rank))))
    rows = rows.assign(_abs=-rows.rel_change.abs())
    overall = rows[(rows.scope == "all") & rows.kpi.isin(rank)].sort_values(["_sig", "_rank"], kind="stable").head(3)
    gates = rows[(rows.scope == "gate") & rows.kpi.isin(rank) & ~rows._sig].sort_values("_abs", kind="stable")
    chosen = pd.concat([overall, gates.head(max(2, 3 - len(overall)))])
    return [_diff_sentence(r, _where_label(inp, r.scope, r.key, lang), lang) for r in chosen.itertuples(index=False)]


def _where_label(inp: ReportInputs, scope: str, key: str, lang: str) -> str:
    if scope == "all":
        return t("lbl.all_gates", lang)
    return _scope_label(inp.runs[0], scope, str(key), lang)


def _significant(rows: pd.DataFrame) -> pd.Series:
    return rows["significant"].astype(str).str.lower().isin(["true", "1", "yes"])


def _diff_text(kpi: str, value: float, lang: str) -> str:
    if kpi in PERCENT_KPIS:
        return fmt_number(100 * value, lang, kpi_decimals(kpi)) + t("unit.pp", lang)
    return fmt_number(value, lang, kpi_decimals(kpi))


def _diff_sentence(r: Any, where: str, lang: str) -> str:
    diff = float(r.diff_mean)
    direction = "msg.diff_higher" if diff > 0 else "msg.diff_lower" if diff < 0 else "msg.diff_equal"
    base = float(r.base_mean)
    relative = fmt_percent(diff / base, lang, 1) if base == base and base != 0 else "–"
    significant = str(r.significant).lower() in ("true", "1", "yes")
    return (
        where
        + ": "
        + t(
            "msg.diff_sentence",
            lang,
            kpi=kpi_name(r.kpi, lang),
            alternative=r.alternative,
            direction=t(direction, lang),
            base=r.base,
            diff=_diff_text(r.kpi, abs(diff), lang),
            relative=("+" if diff > 0 else "") + relative,
            low=_diff_text(r.kpi, r.diff_ci_low, lang),
            high=_diff_text(r.kpi, r.diff_ci_high, lang),
            significance=t("msg.significant" if significant else "msg.not_significant", lang),
        )
    )


def run_facts(inp: ReportInputs, lang: str) -> list[str]:
    """Cleared per day, mean and p95 time in system, backlog and the busiest stage, with their CIs."""
    several = len(inp.runs) > 1
    facts = []
    for kpi in ("throughput_per_day", "time_in_system_h_mean", "time_in_system_h_p95"):
        values = "; ".join(
            (f"{label} " if several else "") + kpi_ci(kpi, _kpi(run, "all", kpi=kpi), lang, short=False)
            for label, run in _named(inp)
        )
        facts.append(t("msg.fact_kpi", lang, kpi=kpi_name(kpi, lang), values=values))
    facts.append(" ".join(_backlog_fact(label, run, lang) for label, run in _named(inp)))
    busiest = [_busiest_fact(label, run, lang) for label, run in _named(inp)]
    facts.append(" ".join(b for b in busiest if b))
    return [f for f in facts if f]


def _backlog_fact(label: str, run: RunFolder, lang: str) -> str:
    growth = _kpi(run, "all", kpi="backlog_growth_per_day") or {}
    status = run.summary.get("stability", {}).get("all", {}).get("status")
    status = "unstable" if run.summary.get("unstable") else status or "stable"
    return t(
        "msg.fact_backlog",
        lang,
        scenario=label,
        in_system=kpi_number("in_system_mean", (_kpi(run, "all", kpi="in_system_mean") or {}).get("mean"), lang),
        ci=kpi_range("in_system_mean", _kpi(run, "all", kpi="in_system_mean"), lang),
        growth=kpi_number("backlog_growth_per_day", growth.get("mean"), lang),
        growth_ci=kpi_range("backlog_growth_per_day", growth, lang),
        verdict=t(f"msg.{status}_word", lang),
    )


def busiest_stages(run: RunFolder, top: int) -> list[str]:
    """Stage keys (``gate.stage``) by mean utilisation, highest first."""
    stages = run.summary.get("by_stage", {})
    util = {k: v.get("utilisation", {}).get("mean") for k, v in stages.items()}
    ranked = sorted((k for k, u in util.items() if u is not None and u == u), key=lambda k: -util[k])
    return ranked[:top]


def _busiest_fact(label: str, run: RunFolder, lang: str) -> str:
    top = busiest_stages(run, 1)
    if not top:
        return ""
    util = _kpi(run, "stage", top[0], "utilisation")
    wait = _kpi(run, "stage", top[0], "wait_min_mean") or {}
    return t(
        "msg.fact_busiest",
        lang,
        scenario=label,
        stage=top[0],
        utilisation=kpi_number("utilisation", (util or {}).get("mean"), lang),
        ci=kpi_range("utilisation", util, lang),
        wait=kpi_number("wait_min_mean", wait.get("mean"), lang),
    )


def _flagged(inp: ReportInputs, status: str = "unstable") -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """``(label, scope, key, entry)`` of every scope of every run whose overload check is ``status``."""

    def has(entry: dict[str, Any]) -> bool:
        return bool(entry.get("unstable")) if status == "unstable" else entry.get("status") == status

    for label, run in _named(inp):
        stability = run.summary.get("stability", {})
        if has(stability.get("all", {})):
            yield label, "all", "", stability["all"]
        for scope, section in SECTIONS.items():
            for key, entry in stability.get(section, {}).items():
                if has(entry):
                    yield label, scope, key, entry


def _reason(run_summary: dict[str, Any], entry: dict[str, Any], lang: str) -> str:
    """Why the check is inconclusive, in ``lang``."""
    from simulator.analysis.reduction_tables import MIN_PERIODS
    from simulator.analysis.stats import min_window_days

    code = entry.get("reason_code") or ""
    if code not in ("short_window", "late_event", "one_replication"):
        return str(entry.get("reason", ""))
    days = int(run_summary.get("days", 0)) - int(run_summary.get("warmup_days", 0))
    period = int(run_summary.get("calendar_period_days", 1))
    event = entry.get("event", "")
    values = {"days": days, "periods": MIN_PERIODS, "min_days": min_window_days(period), "event": event}
    return t(f"reason.{code}", lang, **values)


def _inconclusive_sentences(inp: ReportInputs, lang: str) -> list[str]:
    """One sentence per run and reason, naming every scope it applies to."""
    runs = dict(_named(inp))
    grouped: dict[tuple[str, str], list[str]] = {}
    for label, scope, key, entry in _flagged(inp, "inconclusive"):
        reason = _reason(runs[label].summary, entry, lang)
        grouped.setdefault((label, reason), []).append(_where(scope, key, lang))
    sentences = []
    for (label, reason), where in grouped.items():
        stability = runs[label].summary.get("stability", {})
        scopes = 1 + sum(len(stability.get(section, {})) for section in SECTIONS.values())
        names = t("where.every", lang) if len(where) == scopes else ", ".join(where)
        sentences.append(t("msg.inconclusive", lang, where=names, scenario=label, reason=reason))
    return sentences


def _where(scope: str, key: str, lang: str) -> str:
    return t(f"where.{scope}", lang, name=key) if scope != "all" else t("where.all", lang)


def unstable_sentences(inp: ReportInputs, lang: str) -> list[str]:
    out = []
    for label, scope, key, entry in _flagged(inp):
        g = entry.get("backlog_growth_per_day", {})
        out.append(
            t(
                "msg.unstable",
                lang,
                where=_where(scope, key, lang),
                scenario=label,
                growth=fmt_number(g.get("mean"), lang, 1),
                low=fmt_number(g.get("ci_low"), lang, 1),
                high=fmt_number(g.get("ci_high"), lang, 1),
            )
        )
    return out


# --------------------------------------------------------------------------------------------- results


def results_section(inp: ReportInputs, lang: str, charts: str) -> str:
    """Tables with CIs (whole system, by gate, by direction, busiest stages, comparison), overload, charts."""
    parts = [_h(2, t("h.results", lang), "results"), para(t("lbl.ci_note", lang), "note")]
    parts += [_h(3, t("h.overall", lang)), _overall_table(inp, lang)]
    parts += [_h(3, t("h.by_gate", lang)), _scope_table(inp, "gate", lang)]
    parts += [_h(3, t("h.by_direction", lang)), _scope_table(inp, "direction", lang)]
    parts += [_h(3, t("h.busiest", lang)), _busiest_table(inp, lang), para(t("msg.busiest_note", lang), "note")]
    if inp.comparison is not None:
        parts += [_h(3, t("h.comparison", lang)), _comparison_table(inp.comparison, lang)]
        parts += [para(t("msg.comparison_note", lang), "note")]
    parts += [_h(3, t("h.stability", lang)), _stability_block(inp, lang)]
    parts += [_h(3, t("h.charts", lang), "charts"), charts or para(t("msg.no_charts", lang))]
    return '<section class="major">' + "".join(parts) + "</section>"


def _kpi_order(names: set[str]) -> list[str]:
    known = [k for k in KPIS if k in names]
    return known + sorted(names - set(known))


def _overall_table(inp: ReportInputs, lang: str) -> Raw:
    kpis = _kpi_order({k for run in inp.runs for k in run.summary.get("kpis", {})})
    rows = [[kpi_name(k, lang), *(kpi_ci(k, _kpi(run, "all", kpi=k), lang) for run in inp.runs)] for k in kpis]
    return table([t("lbl.kpi", lang), *inp.labels], rows, numeric=range(1, len(inp.runs) + 1))


def _scope_label(run: RunFolder, scope: str, key: str, lang: str) -> str:
    if scope == "gate":
        gate = run.scenario["gates"].get(key, {})
        return str(gate.get(f"name_{lang}") or gate.get("name") or key)
    return t(f"direction.{key}", lang) if key in ("export", "import") else key


def _scope_table(inp: ReportInputs, scope: str, lang: str) -> Raw:
    """One row per gate (or direction) and scenario; columns are the main KPIs present."""
    present = {k for run in inp.runs for e in run.summary.get(SECTIONS[scope], {}).values() for k in e}
    kpis = [k for k in SCOPE_KPIS if k in present]
    several = len(inp.runs) > 1
    head = [t("lbl.gate" if scope == "gate" else "lbl.direction", lang)]
    head += [t("lbl.scenario", lang)] if several else []
    rows = []
    keys = list(dict.fromkeys(k for run in inp.runs for k in run.summary.get(SECTIONS[scope], {})))
    for key in keys:
        for label, run in _named(inp):
            first = [_scope_label(run, scope, key, lang)] + ([label] if several else [])
            rows.append(first + [kpi_ci(k, _kpi(run, scope, key, k), lang) for k in kpis])
    fixed = len(head)
    return table(head + [kpi_name(k, lang) for k in kpis], rows, numeric=range(fixed, fixed + len(kpis)))


def _busiest_table(inp: ReportInputs, lang: str) -> Raw:
    several = len(inp.runs) > 1
    head = [t("lbl.stage", lang)] + ([t("lbl.scenario", lang)] if several else [])
    rows = []
    for label, run in _named(inp):
        for key in busiest_stages(run, 5 if several else 8):
            rows.append(
                [key]
                + ([label] if several else [])
                + [kpi_ci(k, _kpi(run, "stage", key, k), lang) for k in STAGE_COLUMNS]
            )
    fixed = len(head)
    return table(
        head + [kpi_name(k, lang) for k in STAGE_COLUMNS], rows, numeric=range(fixed, fixed + len(STAGE_COLUMNS))
    )


def _comparison_table(comparison: pd.DataFrame, lang: str) -> Raw:
    rows = comparison[comparison.scope == "all"]
    head = [t(k, lang) for k in ("lbl.base", "lbl.alternative", "lbl.kpi", "lbl.base_mean", "lbl.alt_mean")]
    head += [t(k, lang) for k in ("lbl.difference", "lbl.relative", "lbl.significant")]
    body = []
    r: Any
    for r in rows.itertuples(index=False):
        diff = f"{_diff_text(r.kpi, r.diff_mean, lang)} [{_diff_text(r.kpi, r.diff_ci_low, lang)}; "
        diff += f"{_diff_text(r.kpi, r.diff_ci_high, lang)}]"
        sig = str(r.significant).lower() in ("true", "1", "yes")
        body.append(
            [
                r.base,
                r.alternative,
                kpi_name(r.kpi, lang),
                kpi_number(r.kpi, r.base_mean, lang),
                kpi_number(r.kpi, r.alt_mean, lang),
                diff,
                fmt_percent(r.rel_change, lang, 1),
                t("lbl.yes" if sig else "lbl.no", lang),
            ]
        )
    return table(head, body, numeric=range(3, 7))


def _stability_block(inp: ReportInputs, lang: str) -> Raw:
    flagged = list(_flagged(inp))
    undecided = "".join(para(s, "warn") for s in _inconclusive_sentences(inp, lang))
    if not flagged:
        return Raw(undecided) if undecided else para(t("msg.stable", lang))
    rows = [
        [label, _where(scope, key, lang), kpi_ci("backlog_growth_per_day", e.get("backlog_growth_per_day"), lang)]
        for label, scope, key, e in flagged
    ]
    head = [t("lbl.scenario", lang), t("lbl.where", lang), t("lbl.growth", lang)]
    warnings = "".join(para(s, "warn") for s in unstable_sentences(inp, lang))
    return Raw(table(head, rows, numeric=[2]) + warnings + undecided)
