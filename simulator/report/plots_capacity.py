"""Capacity charts from ``capacity.json``: each scaled gate's own cleared trucks against its offered demand.

One column per scaled gate (``--scale GATE``, or every gate of a ``--scale each`` result), one
line per scenario (baseline and proposals share a colour across columns). Rows: the gate's own
cleared trucks per day, the whole province's when a single gate is scaled, and the target KPI
with the service level. This module never imports SimPy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from simulator.experiments.capacity_target import parse_target
from simulator.experiments.folders import read_json
from simulator.report.i18n import check_lang, fmt_number, kpi_name, t
from simulator.report.plots_base import RUN_COLORS, _localise, display_name, new_figure, styled

__all__ = ["capacity_curve", "load_capacity", "per_gate"]

_PER_GATE_KEYS = ("gates", "per_gate", "results", "entries")  # where a ``--scale each`` result keeps its gates
_SHARED = ("scenario", "target", "target_kpi", "target_value")
_OPS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">"}


def load_capacity(*sources: str | Path | dict[str, Any] | Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Capacity results from ``capacity`` folders, ``capacity.json`` files or already loaded entries, in order.

    A folder or file may hold one result or a list (several scenarios searched side by side);
    a missing file raises :class:`ScenarioError` naming it.
    """
    results: list[dict[str, Any]] = []
    for source in sources:
        if isinstance(source, dict):
            results.append(source)
        elif isinstance(source, str | Path):
            path = Path(source)
            data = read_json(path.parent, path.name) if path.suffix == ".json" else read_json(path, "capacity.json")
            results.extend(data if isinstance(data, list) else [data])
        else:
            results.extend(source)
    return results


def per_gate(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One result per scaled gate: a ``"scale": "each"`` result is split into its gates' results.

    The gates' results (a list, or a mapping from gate to result, under ``gates``, ``per_gate``,
    ``results`` or ``entries``) inherit the scenario and target of their parent; a result
    without ``scale`` counts as ``all``.
    """
    out: list[dict[str, Any]] = []
    for res in entries:
        inner = next((res[k] for k in _PER_GATE_KEYS if isinstance(res.get(k), list | dict)), None)
        if res.get("scale") != "each" or inner is None:
            out.append({"scale": "all", **res})
            continue
        items = inner.items() if isinstance(inner, dict) else ((None, item) for item in inner)
        for gate, item in items:
            shared = {k: res[k] for k in _SHARED if k in res}
            scale = item.get("scale") if item.get("scale") not in (None, "each") else item.get("gate", gate)
            out.append({**shared, **item, "scale": str(scale)})
    return out


def _target_text(res: dict[str, Any], lang: str) -> str:
    """``Time in system, 95th percentile (h) ≤ 24`` (with its scope key), from the registry label."""
    try:
        target = parse_target(str(res["target"]))
    except Exception:  # noqa: BLE001 - an unreadable target is shown by its KPI label and value alone
        kpi, op, value, key = str(res["target_kpi"]), "<=", float(res["target_value"]), "all"
    else:
        kpi, op, value, key = target.kpi, target.op, target.value, target.key
    number = f"{value:g}".replace(".", "," if lang == "vi" else ".")
    where = "" if key == "all" else f" ({display_name(key)})"
    return t("chart.capacity.target", lang, target=f"{kpi_name(kpi, lang)}{where} {_OPS[op]} {number}")


def _series(ev: list[dict[str, Any]], key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Mean, CI low and CI high of ``key`` over the evaluations, or None when some lack it."""
    if not ev or any(not isinstance(e.get(key), dict) for e in ev):
        return None
    cols = [[e[key].get(c, np.nan) for e in ev] for c in ("mean", "ci_low", "ci_high")]
    mean, low, high = (np.array(c, dtype=float) for c in cols)
    return mean, low, high


def _draw(ax: Any, demand: np.ndarray, series: Any, colour: str, label: str | None) -> None:
    mean, low, high = series
    ax.plot(demand, mean, "o-", ms=3, color=colour, label=label)
    ax.fill_between(demand, low, high, color=colour, alpha=0.2, lw=0)


def _mark(ax: Any, res: dict[str, Any], colour: str, label: str | None) -> None:
    """The capacity (dashed) and its 95% CI (shaded), when the search bracketed it."""
    if not res.get("found", True):
        return
    ax.axvline(res["capacity_per_day"], color=colour, ls="--", lw=1, label=label)
    if all(v is not None and v == v for v in res["capacity_ci"]):
        ax.axvspan(*res["capacity_ci"], color=colour, alpha=0.08, lw=0)


def _column(axes: Sequence[Any], results: list[dict[str, Any]], colours: dict[str, str], lang: str) -> None:
    """One scaled gate: its throughput, the province's (when drawn) and the KPI panel."""
    gate_ax, *middle, kpi_ax = axes
    missing = False
    for res in results:
        colour, name = colours[res["scenario"]], display_name(str(res["scenario"]))
        ev = sorted(res["evaluations"], key=lambda e: e["multiplier"])
        demand = np.array([e["multiplier"] for e in ev], dtype=float) * float(res["base_demand_per_day"])
        own = _series(ev, "scaled_throughput_per_day")
        if own is None and res["scale"] == "all":
            own = _series(ev, "throughput_per_day")  # every gate scaled: the province is the scaled part
        if own is not None:
            _draw(gate_ax, demand, own, colour, name)
        missing |= own is None
        if middle and (province := _series(ev, "throughput_per_day")) is not None:
            _draw(middle[0], demand, province, colour, None)
        _draw(kpi_ax, demand, _series(ev, "kpi"), colour, None)
        value = fmt_number(res.get("capacity_per_day"), lang, 0)
        for ax in axes:
            _mark(ax, res, colour, t("chart.capacity.marker", lang, name=name, value=value) if ax is gate_ax else None)
    if missing:
        note = t("chart.capacity.no_gate_series", lang)
        gate_ax.text(0.02, 0.95, note, transform=gate_ax.transAxes, fontsize=7, va="top")
    top = max((float(np.nanmax(line.get_xdata())) for line in gate_ax.lines if len(line.get_xdata())), default=0.0)
    if top > 0:
        gate_ax.plot([0, top], [0, top], ls=":", color="0.5", lw=1, label=t("chart.capacity.diagonal", lang))
    targets = {_target_text(r, lang): float(r["target_value"]) for r in results}
    for style, (label, level) in zip(("-", "--", ":", "-."), targets.items()):
        kpi_ax.axhline(level, color="red", lw=1, ls=style, label=label)
    scale = results[0]["scale"]
    gate_ax.set_title(t("chart.capacity.all_gates", lang) if scale == "all" else display_name(scale), loc="left")
    gate_ax.legend(fontsize=7)
    kpi_ax.legend(fontsize=7)
    kpi_ax.set_xlabel(t("chart.capacity.offered", lang))


@styled
def capacity_curve(
    results: Sequence[dict[str, Any]] | str | Path, *more: str | Path | dict[str, Any], lang: str = "en"
) -> Figure:
    """Each scaled gate's own cleared trucks per day and the target KPI against the demand offered to it.

    ``results`` is the content of a ``capacity.json`` (a list of entries, possibly ``--scale each``
    results holding one entry per gate), or a capacity folder or file; ``more`` adds further
    folders, files or entries to the same figure, e.g.
    ``capacity_curve("results/capacity_2024", "results/capacity_2027")``. One column per scaled
    gate, one colour per scenario: its 95% CI bands, its capacity (dashed line, named in the
    legend with its value) and the 95% CI of the capacity (shaded). The top row is the gate's
    own throughput (the dotted diagonal: everything offered is cleared); the middle row, drawn
    when a single gate is scaled, the whole province's; the bottom row the target KPI with the
    service level in red.
    """
    check_lang(lang)
    entries = load_capacity(results, *more) if isinstance(results, str | Path) or more else list(results)
    entries = per_gate(entries)
    if not entries:
        raise ValueError("no capacity result to draw")
    scales = list(dict.fromkeys(str(r["scale"]) for r in entries))
    scenarios = list(dict.fromkeys(str(r["scenario"]) for r in entries))
    colours = dict(zip(scenarios, RUN_COLORS * len(scenarios)))
    province = any(s != "all" for s in scales) and any(
        isinstance(e.get("throughput_per_day"), dict) for r in entries for e in r["evaluations"]
    )
    rows = 3 if province else 2
    size = (4.6 * len(scales) + 3.4, 2.7 * rows + 0.8)
    fig, axes = new_figure(rows, len(scales), figsize=size, squeeze=False, sharex="col")
    for col, scale in enumerate(scales):
        _column(axes[:, col], [r for r in entries if str(r["scale"]) == scale], colours, lang)
    kpis = {str(r["target_kpi"]) for r in entries}
    axes[0, 0].set_ylabel(t("chart.capacity.gate_ylabel", lang))
    if province:
        axes[1, 0].set_ylabel(t("chart.capacity.province_ylabel", lang))
    axes[-1, 0].set_ylabel(kpi_name(kpis.pop(), lang) if len(kpis) == 1 else t("chart.capacity.kpi_ylabel", lang))
    names = ", ".join(display_name(s) for s in scenarios)
    fig.suptitle(t("chart.capacity.title" if len(scales) == 1 else "chart.capacity.each_title", lang, names=names))
    fig.tight_layout()
    return _localise(fig, lang)
