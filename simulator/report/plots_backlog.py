"""Backlog over time by gate: trucks in the system and the road queue, closures shaded (no SimPy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simulator.experiments.folders import RunFolder
from simulator.report.i18n import check_lang, fmt_date, fmt_number, t
from simulator.report.plots_base import RUN_COLORS, _band, _localise, display_name, new_figure, styled
from simulator.report.texts import text
from simulator.scenario.spans import CalendarSpan, calendar_spans

__all__ = ["backlog_over_time"]

CLOSURE_COLORS = ("tab:red", "tab:pink", "salmon", "firebrick")
DISRUPTION_COLORS = ("tab:orange", "goldenrod", "tab:olive", "darkorange")


def _span_label(span: CalendarSpan, lang: str) -> str:
    """Legend text of a closure or disruption: its name (or side) and, for a disruption, its effect."""
    side = t(f"side.{span.side}", lang)
    name = text(span, "name", lang)
    if span.kind == "closure":
        return t("chart.closure", lang, name=name) if name else t("chart.closure.unnamed", lang, side=side)
    effects = [t("chart.disruption.closed", lang)] if span.closed else []
    if span.cap_per_day is not None:
        effects.append(t("chart.cap.day", lang, n=fmt_number(span.cap_per_day, lang, 0)))
    if span.cap_per_hour is not None:
        effects.append(t("chart.cap.hour", lang, n=fmt_number(span.cap_per_hour, lang, 0)))
    if span.lab_hold:
        effects.append(t("chart.disruption.lab_hold", lang))
    effect = ", ".join(effects)
    if name:
        return t("chart.disruption", lang, name=name, effect=effect)
    return t("chart.disruption.unnamed", lang, side=side, effect=effect)


def _calendar_shading(runs: Sequence[RunFolder], gates: Sequence[str], lang: str) -> dict[str, list[tuple]]:
    """Per gate, ``(start_day, end_day, label, style)`` of every closure and disruption span of the runs.

    A span found in only some of several runs names them in its label. Each closure or
    disruption keeps one colour across gates: closures are filled, disruptions hatched.
    """
    per_gate: dict[str, list[tuple]] = {}
    styles: dict[tuple[str, str], dict[str, Any]] = {}
    for gate in gates:
        found: dict[tuple[str, float, float], tuple[CalendarSpan, list[str]]] = {}
        for run in runs:
            if gate not in run.scenario["gates"]:
                continue
            for span in calendar_spans(run.scenario, gate):
                key = (_span_label(span, lang), span.start_h, span.end_h)
                found.setdefault(key, (span, []))[1].append(run.name)
        rows = []
        for (label, lo, hi), (span, names) in found.items():
            if len(runs) > 1 and len(names) < len(runs):
                label = f"{label} ({', '.join(names)})"
            if (span.kind, label) not in styles:
                taken = sum(1 for kind, _ in styles if kind == span.kind)
                if span.kind == "closure" or span.closed:
                    colour = CLOSURE_COLORS[taken % len(CLOSURE_COLORS)]
                    styles[span.kind, label] = {"color": colour, "alpha": 0.16, "lw": 0}
                else:
                    colour = DISRUPTION_COLORS[taken % len(DISRUPTION_COLORS)]
                    styles[span.kind, label] = {
                        "facecolor": "none",
                        "edgecolor": colour,
                        "hatch": "//",
                        "lw": 0,
                        "alpha": 0.6,
                    }
            rows.append((lo / 24.0, hi / 24.0, label, styles[span.kind, label]))
        per_gate[gate] = rows
    return per_gate


def _road_m_per_truck(runs: Sequence[RunFolder], gate: str) -> float | None:
    """The gate's metres of road per queued truck if every run agrees on it, else None."""
    values = {float(r.scenario["gates"].get(gate, {}).get("road_m_per_truck") or 20.0) for r in runs}
    return values.pop() if len(values) == 1 else None


def _road_gates(runs: Sequence[RunFolder], gates: Sequence[str]) -> tuple[list[str], list[str]]:
    """The gates whose road queue has something to show (some run has trucks on the road there), and
    those whose road queue is saved but zero throughout (left out, with a note); folders that
    predate the road queue give neither."""
    shown: list[str] = []
    empty: list[str] = []
    for gate in gates:
        peaks = []
        for run in runs:
            ts = run.timeseries
            sel = ts[(ts.scope == "gate") & (ts.key == gate) & (ts.metric == "road_km")]
            peaks += [float(sel.value.max())] if not sel.empty else []
        if peaks:
            (shown if max(peaks) > 0 else empty).append(gate)
    return shown, empty


def _gate_name(runs: Sequence[RunFolder], gate: str, lang: str = "en") -> str:
    """The gate's display name (its ``name_vi`` in Vietnamese, else ``name``), else its key made readable."""
    spec = runs[0].scenario["gates"].get(gate, {})
    return spec.get(f"name_{lang}") or spec.get("name") or display_name(gate)


@styled
def backlog_over_time(runs: Sequence[RunFolder], level: float = 0.90, lang: str = "en") -> Figure:
    """Backlog by gate over time: trucks in the system and the road queue in km.

    Each panel shows the replication mean and the central ``level`` band of replications
    (``timeseries.csv``: ``in_system`` and ``road_km`` per gate), with the warm-up shaded grey
    and the closures and disruptions of ``scenario.resolved.yaml`` shaded and named in the
    legend (:mod:`simulator.scenario.spans`). A gate's road-queue panel is drawn only when some
    run had trucks waiting on its road (a gate without a yard, or one whose yard never filled,
    has nothing to show there); the panels left out are named in a note at the bottom of the
    figure, and the whole column is left out when no gate needs it (or the folders predate the
    road queue). The panel's right-hand axis gives trucks on the road when the runs share the
    gate's ``road_m_per_truck``.
    """
    check_lang(lang)
    gates = list(runs[0].scenario["gates"])
    road, empty = _road_gates(runs, gates)
    columns = [("in_system", t("chart.backlog.ylabel", lang))]
    if road:
        columns.append(("road_km", t("chart.backlog.km_ylabel", lang)))
    shading = _calendar_shading(runs, gates, lang)
    labels = {s[2] for rows in shading.values() for s in rows}
    note = t("chart.backlog.omitted", lang, gates=", ".join(_gate_name(runs, g, lang) for g in empty)) if empty else ""
    legend_h = 0.2 + 0.19 * -(-(len(runs) + 2 + len(labels)) // 2) + 0.3 * bool(note)
    height = 1.0 + 2.6 * len(gates) + legend_h
    fig, axes = new_figure(
        len(gates),
        len(columns),
        figsize=(6.5 * len(columns) + 3.5 * (len(columns) == 1), height),
        sharex=True,
        squeeze=False,
    )
    warmup = runs[0].summary["warmup_days"]
    for row, gate in enumerate(gates):
        display = _gate_name(runs, gate, lang)
        for col, (metric, ylabel) in enumerate(columns):
            ax = axes[row, col]
            if metric == "road_km" and gate not in road:
                ax.remove()  # nothing on the road here: named in the note instead
                continue
            for colour, run in zip(RUN_COLORS * len(runs), runs):
                ts = run.timeseries
                sel = ts[(ts.scope == "gate") & (ts.key == gate) & (ts.metric == metric)]
                if sel.empty:
                    continue
                band = _band(sel, level)
                days = band.index.to_numpy() / 24.0
                ax.plot(days, band["mean"], lw=1.2, color=colour, label=display_name(run.name))
                ax.fill_between(days, band["low"], band["high"], color=colour, alpha=0.2, lw=0)
            ax.axvspan(0, warmup, color="0.9", zorder=0, label=t("chart.warmup", lang))
            for lo, hi, label, style in shading[gate]:
                ax.axvspan(lo, hi, zorder=0.5, label=label, **style)
            ax.set_ylim(bottom=0)
            ax.set_ylabel(ylabel)
            title = display if metric == "in_system" else t("chart.backlog.road", lang, gate=display)
            ax.set_title(title, loc="left", fontsize=10)
            metres = _road_m_per_truck(runs, gate) if metric == "road_km" else None
            if metres:
                factor = 1000.0 / metres
                sec = ax.secondary_yaxis("right", functions=(lambda km, f=factor: km * f, lambda n, f=factor: n / f))
                sec.set_ylabel(t("chart.backlog.road_trucks", lang), fontsize=8)
    date = fmt_date(runs[0].summary["start_date"], lang)
    drawn = [[ax for ax in axes[:, col] if ax in fig.axes] for col in range(len(columns))]
    for column in drawn:
        column[-1].xaxis.set_tick_params(labelbottom=True)
        column[-1].set_xlabel(t("chart.backlog.xlabel", lang, date=date))
    handles: dict[str, Any] = {}
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    band_label = t("chart.backlog.band", lang, level=f"{level:.0%}")
    band_patch = Patch(color=RUN_COLORS[0], alpha=0.2, lw=0, label=band_label)
    names = [display_name(r.name) for r in runs]
    ordered = [handles[n] for n in names if n in handles] + [band_patch]
    ordered += [h for label, h in handles.items() if label not in names]
    fig.legend(handles=ordered, loc="lower center", ncol=2, fontsize=8, frameon=False)
    if note:
        fig.text(0.01, (legend_h - 0.27) / height, note, fontsize=8, style="italic", va="bottom")
    fig.suptitle(t("chart.backlog.title", lang, level=f"{level:.0%}", names=", ".join(names)))
    fig.tight_layout(rect=(0, legend_h / height, 1, 1))
    return _localise(fig, lang)
