"""The report's value in money: waiting cost, perishable loss and fees per year, with their 95% CIs.

:func:`money_rows` gathers the figures (one row per money KPI and scope: the whole system, then
each gate) from the saved folders, with each run's mean and CI and, for a comparison, each
alternative's paired difference from its base; :func:`money_table` writes them as one HTML
table in millions or billions of VND (the unit in the column headers), and :func:`money_section`
adds the heading, the unit values used and the caveat. The KPIs are defined in
:mod:`simulator.analysis.money`; their labels come from the KPI registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simulator.analysis.money import money_scale
from simulator.analysis.registry import VIEWS, kpi
from simulator.experiments.folders import RunFolder
from simulator.report.html import Raw, esc, para, table
from simulator.report.i18n import fmt_number, t
from simulator.report.inputs import ReportInputs

__all__ = ["Estimate", "MoneyRow", "money_rows", "money_section", "money_table"]

MONEY_KPIS = VIEWS["money"]
_UNIT_VALUES = (
    "waiting_cost_vnd_per_truck_day",
    "reefer_fuel_vnd_per_truck_day",
    "perishable_loss_vnd_per_truck_day",
    "days_per_year",
)


@dataclass(frozen=True)
class Estimate:
    """A mean (or a mean paired difference) with its 95% CI, in VND per year; NaN bounds with one replication."""

    mean: float
    low: float
    high: float
    significant: bool | None = None


@dataclass(frozen=True)
class MoneyRow:
    """One money KPI in one scope: each run's estimate and, in a comparison, each paired difference.

    Attributes
    ----------
    kpi, label : str
        The KPI key and its registry label in the report's language, without the unit.
    scope, key, where : str
        ``all``/``all`` or ``gate``/gate key, and the scope as shown (``Whole system``, a gate's name).
    values : tuple
        Per run (in the report's run order) its :class:`Estimate`, or None when the folder lacks it.
    differences : tuple
        ``(base, alternative, Estimate or None)`` per pair of the comparison (empty without one).
    """

    kpi: str
    label: str
    scope: str
    key: str
    where: str
    values: tuple[Estimate | None, ...]
    differences: tuple[tuple[str, str, Estimate | None], ...]


def _label(key: str, lang: str) -> str:
    """The registry label without its trailing unit in brackets (the table's headers carry the unit)."""
    text = kpi(key).label(lang)
    return text.rsplit(" (", 1)[0] if text.endswith(")") else text


def _estimate(entry: dict[str, Any] | None) -> Estimate | None:
    if not entry or entry.get("mean") is None:
        return None
    return Estimate(float(entry["mean"]), float(entry.get("ci_low", "nan")), float(entry.get("ci_high", "nan")))


def _run_value(run: RunFolder, scope: str, key: str, name: str) -> Estimate | None:
    summary = run.summary
    entry = summary.get("kpis", {}) if scope == "all" else summary.get("by_gate", {}).get(key, {})
    return _estimate(entry.get(name))


def _pairs(comparison: pd.DataFrame | None) -> list[tuple[str, str]]:
    if comparison is None or comparison.empty:
        return []
    return list(dict.fromkeys(zip(comparison.base.astype(str), comparison.alternative.astype(str))))


def _difference(comparison: pd.DataFrame, pair: tuple[str, str], scope: str, key: str, name: str) -> Estimate | None:
    c = comparison
    rows = c[
        (c.base.astype(str) == pair[0])
        & (c.alternative.astype(str) == pair[1])
        & (c.scope == scope)
        & (c.key.astype(str) == key)
        & (c.kpi == name)
    ]
    if rows.empty:
        return None
    r = rows.iloc[0]
    significant = str(r.significant).lower() in ("true", "1", "yes")
    return Estimate(float(r.diff_mean), float(r.diff_ci_low), float(r.diff_ci_high), significant)


def _gate_name(spec: dict[str, Any], lang: str) -> str:
    return str(spec.get(f"name_{lang}") or spec.get("name") or "")


def _scopes(inp: ReportInputs, lang: str) -> list[tuple[str, str, str]]:
    """``(scope, key, shown)``: the whole system, then each gate of the first run."""
    gates = inp.runs[0].scenario.get("gates", {}) if inp.runs else {}
    out = [("all", "all", t("h.overall", lang))]
    if len(gates) > 1:
        out += [("gate", str(g), str(_gate_name(spec or {}, lang) or g)) for g, spec in gates.items()]
    return out


def money_rows(inp: ReportInputs, lang: str) -> list[MoneyRow]:
    """The money KPIs of every run (and comparison), whole system first and then by gate.

    Rows whose every value is missing (folders written before the money KPIs existed) are
    left out, so the result is empty for such folders.
    """
    pairs = _pairs(inp.comparison)
    rows = []
    for scope, key, where in _scopes(inp, lang):
        for name in MONEY_KPIS:
            values = tuple(_run_value(run, scope, key, name) for run in inp.runs)
            diffs = tuple(
                (p[0], p[1], _difference(inp.comparison, p, scope, key, name))
                for p in pairs
                if inp.comparison is not None
            )
            if any(v is not None for v in values) or any(d is not None for _, _, d in diffs):
                rows.append(MoneyRow(name, _label(name, lang), scope, key, where, values, diffs))
    return rows


def _scale(rows: Sequence[MoneyRow]) -> tuple[float, str, int]:
    """Divisor, unit key and decimals for every number of ``rows``."""
    numbers = [
        x
        for r in rows
        for e in (*r.values, *(d for _, _, d in r.differences))
        if e is not None
        for x in (e.mean, e.low, e.high)
    ]
    divisor, word = money_scale(numbers)
    finite = [abs(x) / divisor for x in numbers if x == x and abs(x) != float("inf")]
    return divisor, f"unit.{word}_vnd_year", 1 if not finite or max(finite) < 100 else 0


def _cell(e: Estimate | None, divisor: float, decimals: int, lang: str, signed: bool = False) -> str:
    if e is None:
        return "–"

    def num(x: float) -> str:
        text = fmt_number(x / divisor, lang, decimals)
        return "+" + text if signed and x / divisor > 0 and text.strip("0.,") else text

    text = num(e.mean)
    if e.low == e.low and e.high == e.high:
        text += f" [{num(e.low)}; {num(e.high)}]"
    if e.significant:
        text += " *"
    return text


def money_table(inp: ReportInputs, lang: str, rows: Sequence[MoneyRow] | None = None) -> Raw:
    """The money rows as one HTML table: indicator, scope, each run's mean [95% CI], each paired difference."""
    rows = money_rows(inp, lang) if rows is None else rows
    divisor, unit_key, decimals = _scale(rows)
    unit = t(unit_key, lang)
    head = [t("lbl.kpi", lang), t("lbl.where", lang)]
    head += [t("lbl.money_value", lang, scenario=label, unit=unit) for label in inp.labels]
    pairs = [(b, a) for b, a, _ in rows[0].differences] if rows else []
    head += [t("lbl.money_difference", lang, base=b, alternative=a, unit=unit) for b, a in pairs]
    body = [
        [
            r.label,
            r.where,
            *(_cell(v, divisor, decimals, lang) for v in r.values),
            *(_cell(d, divisor, decimals, lang, signed=True) for _, _, d in r.differences),
        ]
        for r in rows
    ]
    return table(head, body, numeric=range(2, len(head)))


def _unit_values(inp: ReportInputs, lang: str) -> list[str]:
    """One sentence per distinct set of unit values, naming the runs that used it."""
    groups: dict[tuple[float, ...], list[str]] = {}
    for label, run in zip(inp.labels, inp.runs):
        eco = run.scenario.get("economics") or {}
        if all(k in eco for k in _UNIT_VALUES):
            groups.setdefault(tuple(float(eco[k]) for k in _UNIT_VALUES), []).append(label)
    threshold = inp.runs[0].summary.get("perishable_threshold_h") if inp.runs else None
    out = []
    for values, labels in groups.items():
        waiting, reefer, loss, days = (fmt_number(v, lang, 0) for v in values)
        names = ", ".join(labels) if len(groups) > 1 else ""
        out.append(
            t(
                "msg.money_units",
                lang,
                waiting=waiting,
                reefer=reefer,
                loss=loss,
                threshold=fmt_number(threshold, lang, 0),
                days=days,
            )
            + (f" ({names})" if names else "")
        )
    return out


def money_section(inp: ReportInputs, lang: str, whole_system_only: bool = False, level: int = 2) -> str:
    """The value-in-money section: heading, the caveat, the table (or why there is none) and the unit values.

    Page 1 shows it with ``whole_system_only`` (one row per money KPI) under an ``h3``; the
    results section repeats it gate by gate.
    """
    anchor = "money" if whole_system_only else "money_by_gate"
    title = t("h.money" if whole_system_only else "h.money_by_gate", lang)
    heading = f'<h{level} id="{anchor}">{esc(title)}</h{level}>'
    parts = [heading, para(t("msg.money_caveat", lang), "note")]
    rows = [r for r in money_rows(inp, lang) if r.scope == "all" or not whole_system_only]
    if not rows:
        parts.append(para(t("msg.money_absent", lang)))
    else:
        parts.append(money_table(inp, lang, rows))
        note = "msg.money_note_compare" if rows[0].differences else "msg.money_note"
        parts += [para(t(note, lang), "note"), *(para(s, "note") for s in _unit_values(inp, lang))]
    return "".join(parts) if whole_system_only else "<section>" + "".join(parts) + "</section>"
