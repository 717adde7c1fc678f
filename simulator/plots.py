"""Charts built from saved result folders (never by rerunning the model).

Every function returns a matplotlib ``Figure`` with a title naming the scenario(s), axis
labels with units, and its confidence interval or replication band; :func:`save_figure`
writes it as PNG (200 dpi) and SVG. The font is DejaVu Sans, which has every Vietnamese
diacritic. Every chart takes ``lang`` ("en" or "vi") for its titles, labels, legends and tick
numbers (:mod:`simulator.i18n`). This module never imports SimPy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import ScalarFormatter  # noqa: E402

from .calendar_spans import CalendarSpan, calendar_spans  # noqa: E402
from .i18n import check_lang, fmt_date, fmt_number, fmt_percent, kpi_name, t  # noqa: E402
from .resultdir import RunFolder, read_json  # noqa: E402

__all__ = [
    "backlog_over_time",
    "capacity_curve",
    "comparison_charts",
    "figure_title",
    "forest_plot",
    "has_event_log",
    "has_trs",
    "load_capacity",
    "save_figure",
    "standard_charts",
    "time_in_system_ecdf",
    "tornado",
    "trs_breakdown",
    "utilisation_heatmap",
]

plt.rcParams.update({"font.family": "DejaVu Sans", "axes.spines.top": False, "axes.spines.right": False})


def figure_title(fig: Figure) -> str:
    """The figure's title: its suptitle, else the first axes title."""
    return fig.get_suptitle() or next((ax.get_title() for ax in fig.axes if ax.get_title()), "")


def save_figure(fig: Figure, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` (200 dpi, its title in the PNG's ``Title`` text) and ``stem.svg``; returns the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    title = figure_title(fig)
    fig.savefig(paths[0], dpi=200, bbox_inches="tight", metadata={"Title": title} if title else None)
    fig.savefig(paths[1], bbox_inches="tight", metadata={"Date": None, "Title": title or None})
    plt.close(fig)
    return paths


class _CommaFormatter(ScalarFormatter):
    """Matplotlib's default tick labels with a decimal comma (Vietnamese)."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return super().__call__(x, pos).replace(".", ",")


def _localise(fig: Figure, lang: str) -> Figure:
    """Vietnamese tick numbers (decimal comma) on every numeric axis; English is left as drawn."""
    if check_lang(lang) == "vi":
        for ax in [*fig.axes, *(child for parent in fig.axes for child in parent.child_axes)]:
            for axis in (ax.xaxis, ax.yaxis):
                if type(axis.get_major_formatter()) is ScalarFormatter:
                    axis.set_major_formatter(_CommaFormatter())
    return fig


def _kpi_label(kpi: str, lang: str) -> str:
    """A KPI on an axis: its raw name in English (as before), its display name in other languages."""
    return kpi if lang == "en" else kpi_name(kpi, lang)


def _band(frame: pd.DataFrame, level: float) -> pd.DataFrame:
    """Mean and central ``level`` band across replications, per time."""
    wide = frame.pivot_table(index="time_h", columns="replication", values="value")
    lo, hi = (1 - level) / 2, (1 + level) / 2
    return pd.DataFrame(
        {"mean": wide.mean(axis=1), "low": wide.quantile(lo, axis=1), "high": wide.quantile(hi, axis=1)}
    )


RUN_COLORS = ("tab:blue", "tab:green", "tab:purple", "black", "tab:brown", "tab:gray")
CLOSURE_COLORS = ("tab:red", "tab:pink", "salmon", "firebrick")
DISRUPTION_COLORS = ("tab:orange", "goldenrod", "tab:olive", "darkorange")


def _span_label(span: CalendarSpan, lang: str) -> str:
    """Legend text of a closure or disruption: its name (or side) and, for a disruption, its effect."""
    side = t(f"side.{span.side}", lang)
    if span.kind == "closure":
        return t("chart.closure", lang, name=span.name) if span.name else t("chart.closure.unnamed", lang, side=side)
    effects = [t("chart.disruption.closed", lang)] if span.closed else []
    if span.cap_per_day is not None:
        effects.append(t("chart.cap.day", lang, n=fmt_number(span.cap_per_day, lang, 0)))
    if span.cap_per_hour is not None:
        effects.append(t("chart.cap.hour", lang, n=fmt_number(span.cap_per_hour, lang, 0)))
    effect = ", ".join(effects)
    if span.name:
        return t("chart.disruption", lang, name=span.name, effect=effect)
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


def _has_road(runs: Sequence[RunFolder]) -> bool:
    """Whether the road queue can be drawn: the metric is saved and some gate has a yard."""
    saved = any(((r.timeseries.scope == "gate") & (r.timeseries.metric == "road_km")).any() for r in runs)
    yards = any(gate.get("yards") for r in runs for gate in r.scenario["gates"].values())
    return saved and yards


def backlog_over_time(runs: Sequence[RunFolder], level: float = 0.90, lang: str = "en") -> Figure:
    """Backlog by gate over time: trucks in the system and the road queue in km.

    Each panel shows the replication mean and the central ``level`` band of replications
    (``timeseries.csv``: ``in_system`` and ``road_km`` per gate), with the warm-up shaded grey
    and the closures and disruptions of ``scenario.resolved.yaml`` shaded and named in the
    legend (:mod:`simulator.calendar_spans`). The road-queue column is left out when no gate has
    a yard (there is no road queue then) or the folders predate it; its right-hand axis gives
    trucks on the road when the runs share the gate's ``road_m_per_truck``.
    """
    check_lang(lang)
    gates = list(runs[0].scenario["gates"])
    road = _has_road(runs)
    columns = [("in_system", t("chart.backlog.ylabel", lang))]
    if road:
        columns.append(("road_km", t("chart.backlog.km_ylabel", lang)))
    shading = _calendar_shading(runs, gates, lang)
    labels = {s[2] for rows in shading.values() for s in rows}
    legend_h = 0.2 + 0.19 * -(-(len(runs) + 2 + len(labels)) // 2)
    height = 1.0 + 2.6 * len(gates) + legend_h
    fig, axes = plt.subplots(
        len(gates),
        len(columns),
        figsize=(6.5 * len(columns) + 3.5 * (len(columns) == 1), height),
        sharex=True,
        squeeze=False,
    )
    warmup = runs[0].summary["warmup_days"]
    for row, gate in enumerate(gates):
        display = runs[0].scenario["gates"][gate].get("name") or gate
        for col, (metric, ylabel) in enumerate(columns):
            ax = axes[row, col]
            for colour, run in zip(RUN_COLORS * len(runs), runs):
                ts = run.timeseries
                sel = ts[(ts.scope == "gate") & (ts.key == gate) & (ts.metric == metric)]
                if sel.empty:
                    continue
                band = _band(sel, level)
                days = band.index.to_numpy() / 24.0
                ax.plot(days, band["mean"], lw=1.2, color=colour, label=run.name)
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
    for ax in axes[-1]:
        ax.set_xlabel(t("chart.backlog.xlabel", lang, date=date))
    handles: dict[str, Any] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    band_label = t("chart.backlog.band", lang, level=f"{level:.0%}")
    band_patch = Patch(color=RUN_COLORS[0], alpha=0.2, lw=0, label=band_label)
    names = [r.name for r in runs]
    ordered = [handles[n] for n in names if n in handles] + [band_patch]
    ordered += [h for label, h in handles.items() if label not in names]
    fig.legend(handles=ordered, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(t("chart.backlog.title", lang, level=f"{level:.0%}", names=", ".join(names)))
    fig.tight_layout(rect=(0, legend_h / height, 1, 1))
    return _localise(fig, lang)


MILESTONES = ("yard_entry", "customs_release", "quarantine_release", "handover", "exit")
CHANNELS = ("all", "green", "yellow", "red")
MILESTONE_COLORS = dict(zip(MILESTONES, ("tab:gray", "tab:blue", "tab:green", "tab:orange", "tab:purple")))


def _trs_table(run: RunFolder) -> pd.DataFrame | None:
    """The all-class rows of ``trs.csv``, or None without the file or rows."""
    path = run.path / "trs.csv"
    if not path.is_file():
        return None
    table = pd.read_csv(path)
    table = table[(table.cargo_class == "all") & table.milestone.isin(MILESTONES)]
    return None if table.empty else table


def has_trs(run: RunFolder) -> bool:
    """Whether a TRS breakdown can be drawn: a ``trs.csv`` with rows, or a non-empty event log."""
    return _trs_table(run) is not None or has_event_log(run)


def trs_breakdown(run: RunFolder, lang: str = "en") -> Figure:
    """Time Release Study view of one run, by direction and customs channel.

    From ``trs.csv`` (the WCO milestones yard entry, customs release, quarantine release,
    hand-over and exit, in mean hours after arrival): one panel per direction, one stacked bar
    per channel, whose segments are the increments between consecutive milestones in the order
    the trucks reach them (a milestone only some trucks pass, such as quarantine, is the mean
    over those trucks, and is left out of a bar it would end after the exit), and a whisker
    for the 95% CI of the time to exit. Without a ``trs.csv`` that has a milestone besides exit, and with an event
    log, the breakdown is the mean time per stage (queue + service) by direction instead.
    """
    check_lang(lang)
    table = _trs_table(run)
    if table is not None and (set(table.milestone) != {"exit"} or not has_event_log(run)):
        return _trs_milestones(run, table, lang)
    return _trs_stages(run, lang)


def _trs_segments(group: pd.DataFrame) -> list[tuple[str, float, float]]:
    """``(milestone, left, width)`` per segment of one group's bar; the bar ends at the time to exit."""
    means = dict(zip(group.milestone, group.mean_h.astype(float)))
    end = means.pop("exit", max(means.values(), default=0.0))
    reached = sorted((v, MILESTONES.index(m), m) for m, v in means.items() if v == v and v <= end)
    segments, left = [], 0.0
    for value, _, milestone in [*reached, (end, len(MILESTONES), "exit")]:
        segments.append((milestone, left, max(value - left, 0.0)))
        left = max(left, value)
    return segments


def _trs_milestones(run: RunFolder, table: pd.DataFrame, lang: str) -> Figure:
    """The ``trs.csv`` view: a panel per direction, a stacked bar of milestone segments per channel."""
    present = set(table.direction)
    directions = [d for d in ("export", "import") if d in present] or sorted(present)
    rows = {d: [c for c in CHANNELS if c in set(table[table.direction == d].channel)] for d in directions}
    legend_h = 0.6
    height = 1.3 + sum(0.45 + 0.42 * len(r) for r in rows.values()) + legend_h
    fig, axes = plt.subplots(
        len(directions),
        1,
        figsize=(10, height),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": [max(len(r), 1) + 0.6 for r in rows.values()]},
    )
    for ax, direction in zip(axes[:, 0], directions):
        ticks = []
        for y, channel in enumerate(rows[direction]):
            group = table[(table.direction == direction) & (table.channel == channel)]
            for milestone, left, width in _trs_segments(group):
                label = t(f"chart.trs.to.{milestone}", lang)
                ax.barh(y, width, left=left, color=MILESTONE_COLORS[milestone], label=label, height=0.7)
            exit_row = group[group.milestone == "exit"]
            trucks = float(group.trucks_per_replication.max())
            if not exit_row.empty:
                r = exit_row.iloc[0]
                total = float(r.mean_h)
                lo, hi = float(r.mean_h_ci_low), float(r.mean_h_ci_high)
                if lo == lo and hi == hi:
                    err = [[max(total - max(lo, 0.0), 0.0)], [max(hi - total, 0.0)]]
                    ax.errorbar(
                        total, y, xerr=err, fmt="none", ecolor="k", capsize=3, lw=0.9, label=t("chart.trs.ci", lang)
                    )
                    total_x = max(hi, total)
                else:
                    total_x = total
                text = t("chart.trs.total", lang, value=fmt_number(total, lang, 1))
                ax.text(total_x, y, text, va="center", fontsize=8)
            name = t(f"channel.{channel}", lang) if channel in CHANNELS else channel
            ticks.append(t("chart.trs.trucks", lang, channel=name, n=fmt_number(trucks, lang, 0)))
        ax.set_yticks(range(len(ticks)), ticks, fontsize=8)
        ax.set_ylim(len(ticks) - 0.5, -0.5)  # "all channels" on top
        ax.set_xlim(left=0)
        ax.set_ylabel(t("chart.trs.channel_ylabel", lang))
        ax.set_title(_direction(direction, lang), loc="left", fontsize=10)
    axes[-1, 0].set_xlabel(t("chart.trs.milestones_xlabel", lang))
    handles: dict[str, Any] = {}
    for ax in axes[:, 0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    fig.legend(handles.values(), handles.keys(), fontsize=7, ncol=3, loc="lower center", frameon=False)
    fig.suptitle(t("chart.trs.milestones_title", lang, name=run.name))
    fig.tight_layout(rect=(0, legend_h / height, 1, 1))
    return _localise(fig, lang)


def _trs_stages(run: RunFolder, lang: str) -> Figure:
    """The event-log view: mean time per stage (queue + service, hours) per truck, by direction."""
    log = run.trucks()
    warm = run.summary["warmup_days"] * 1440.0
    log = log[(log.t_arrive_min >= warm) & log.t_exit_min.notna()]
    log = log.assign(hours=(log.t_end_min - log.t_queue_min) / 60.0, offset=log.t_queue_min - log.t_arrive_min)
    directions = sorted(log.direction.unique())
    stages = list(dict.fromkeys(log.sort_values("offset").stage))
    legend_h = 0.2 + 0.18 * -(-len(stages) // 4)  # inches below the axes for the stage legend
    height = 1.6 + 0.9 * len(directions) + legend_h
    fig, ax = plt.subplots(figsize=(10, height))
    colors = dict(zip(stages, plt.get_cmap("tab20")(np.linspace(0, 1, max(len(stages), 2)))))
    for y, direction in enumerate(directions):
        part = log[log.direction == direction]
        trucks = part.groupby(["replication", "truck"]).ngroups
        per_truck = part.groupby("stage")["hours"].sum() / trucks
        order = part.groupby("stage")["offset"].mean().sort_values().index
        left = 0.0
        for stage in order:
            width = float(per_truck[stage])
            ax.barh(y, width, left=left, color=colors[stage], label=stage)
            left += width
        ax.text(left, y, t("chart.trs.total", lang, value=fmt_number(left, lang, 1)), va="center", fontsize=9)
    ax.set_yticks(range(len(directions)), [_direction(d, lang) for d in directions])
    ax.set_ylabel(t("chart.trs.ylabel", lang))
    ax.set_xlabel(t("chart.trs.xlabel", lang))
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    fig.legend(unique.values(), unique.keys(), fontsize=7, ncol=4, loc="lower center", frameon=False)
    ax.set_title(t("chart.trs.title", lang, name=run.name))
    fig.tight_layout(rect=(0, legend_h / height, 1, 1))
    return _localise(fig, lang)


def _direction(direction: str, lang: str) -> str:
    """``export``/``import`` in ``lang`` (unchanged in English)."""
    return t(f"direction.{direction}", lang) if direction in ("export", "import", "all") else direction


def time_in_system_ecdf(runs: Sequence[RunFolder], lang: str = "en") -> Figure:
    """Empirical CDF of the time in the system (hours) of trucks that arrived after the warm-up."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for run in runs:
        log = run.trucks().drop_duplicates(["replication", "truck"])
        warm = run.summary["warmup_days"] * 1440.0
        done = log[(log.t_arrive_min >= warm) & log.t_exit_min.notna()]
        hours = np.sort((done.t_exit_min - done.t_arrive_min).to_numpy() / 60.0)
        ax.step(hours, np.arange(1, len(hours) + 1) / max(len(hours), 1), where="post", label=run.name)
        p95 = run.summary["kpis"]["time_in_system_h_p95"]
        ax.axvline(p95["mean"], ls=":", lw=1, color=ax.lines[-1].get_color())
    ax.set_xlabel(t("chart.ecdf.xlabel", lang))
    ax.set_ylabel(t("chart.ecdf.ylabel", lang))
    ax.set_title(t("chart.ecdf.title", lang, names=", ".join(r.name for r in runs)))
    ax.legend()
    fig.tight_layout()
    return _localise(fig, lang)


def utilisation_heatmap(run: RunFolder, lang: str = "en") -> Figure:
    """Mean busy servers ÷ servers, per stage and model hour of day, after the warm-up."""
    ts = run.timeseries
    sel = ts[(ts.scope == "stage") & (ts.metric == "busy") & (ts.time_h >= run.summary["warmup_days"] * 24)]
    servers = run.stage_servers()
    sel = sel.assign(hour=(sel.time_h % 24).astype(int), util=sel.value / sel.key.map(servers))
    matrix = sel.pivot_table(index="key", columns="hour", values="util", aggfunc="mean")
    matrix = matrix.reindex([k for k in servers if k in matrix.index])
    fig, ax = plt.subplots(figsize=(10, 1.0 + 0.28 * len(matrix)))
    image = ax.imshow(matrix.to_numpy(), aspect="auto", cmap="viridis", vmin=0, vmax=1)
    ax.set_yticks(range(len(matrix)), matrix.index, fontsize=7)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel(t("chart.util.xlabel", lang))
    ax.set_ylabel(t("chart.util.ylabel", lang))
    fig.colorbar(image, ax=ax, label=t("chart.util.colorbar", lang))
    ax.set_title(t("chart.util.title", lang, name=run.name))
    fig.tight_layout()
    return _localise(fig, lang)


def tornado(table: pd.DataFrame, title: str = "", lang: str = "en") -> Figure:
    """One-at-a-time sensitivity: the KPI at the low and high setting of each parameter, around the base."""
    table = table.sort_values("swing")
    base = float(table.base_mean.iloc[0])
    kpi = _kpi_label(str(table.kpi.iloc[0]), lang)
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.45 * len(table)))
    y = np.arange(len(table))
    ax.barh(y, table.low_mean - base, left=base, color="tab:blue", label=t("chart.tornado.low", lang))
    ax.barh(y, table.high_mean - base, left=base, color="tab:orange", alpha=0.8, label=t("chart.tornado.high", lang))
    for col in ("low", "high"):
        mean = table[f"{col}_mean"].to_numpy()
        err = np.vstack((mean - table[f"{col}_ci_low"], table[f"{col}_ci_high"] - mean))
        ax.errorbar(mean, y, xerr=err, fmt="none", ecolor="0.2", capsize=2, lw=0.8)
    ax.axvline(base, color="k", lw=0.8)
    ax.set_yticks(y, table.parameter, fontsize=8)
    ax.set_ylabel(t("chart.tornado.ylabel", lang))
    ax.set_xlabel(t("chart.tornado.xlabel", lang, kpi=kpi))
    ax.set_title(title or t("chart.tornado.title", lang, kpi=kpi))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _localise(fig, lang)


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


def capacity_curve(
    results: Sequence[dict[str, Any]] | str | Path, *more: str | Path | dict[str, Any], lang: str = "en"
) -> Figure:
    """Cleared per day and the target KPI against demand, for one or more scenarios (baseline and proposal).

    ``results`` is the content of a ``capacity.json`` (a list of entries), or a capacity
    folder or file; ``more`` adds further folders, files or entries to the same figure, e.g.
    ``capacity_curve("results/capacity_2024", "results/capacity_2027")``. Each scenario gets
    its 95% CI bands, its capacity (dashed line, named in the legend with its value) and the
    95% CI of the capacity (shaded); the service level is the red line on the lower panel.
    """
    check_lang(lang)
    entries = load_capacity(results, *more) if isinstance(results, str | Path) or more else list(results)
    if not entries:
        raise ValueError("no capacity result to draw")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7.5), sharex=True)
    for colour, res in zip(RUN_COLORS * len(entries), entries):
        ev = sorted(res["evaluations"], key=lambda e: e["multiplier"])
        demand = np.array([e["multiplier"] for e in ev]) * res["base_demand_per_day"]
        for ax, key in ((top, "throughput_per_day"), (bottom, "kpi")):
            mean = np.array([e[key]["mean"] for e in ev], dtype=float)
            low = np.array([e[key].get("ci_low", np.nan) for e in ev], dtype=float)
            high = np.array([e[key].get("ci_high", np.nan) for e in ev], dtype=float)
            ax.plot(demand, mean, "o-", ms=3, color=colour, label=res["scenario"] if ax is top else None)
            ax.fill_between(demand, low, high, color=colour, alpha=0.2, lw=0)
            marker = t(
                "chart.capacity.marker", lang, name=res["scenario"], value=fmt_number(res["capacity_per_day"], lang, 0)
            )
            ax.axvline(res["capacity_per_day"], color=colour, ls="--", lw=1, label=marker if ax is top else None)
            ax.axvspan(*res["capacity_ci"], color=colour, alpha=0.08, lw=0)
    targets = dict.fromkeys((str(r["target"]), float(r["target_value"])) for r in entries)
    for style, (target, value) in zip(("-", "--", ":", "-."), targets):
        bottom.axhline(value, color="red", lw=1, ls=style, label=t("chart.capacity.target", lang, target=target))
    kpis = {str(r["target_kpi"]) for r in entries}
    top.set_ylabel(t("chart.capacity.ylabel", lang))
    bottom.set_ylabel(_kpi_label(kpis.pop(), lang) if len(kpis) == 1 else t("chart.capacity.kpi_ylabel", lang))
    bottom.set_xlabel(t("chart.capacity.xlabel", lang))
    top.legend(fontsize=8)
    bottom.legend(fontsize=8)
    names = ", ".join(dict.fromkeys(str(r["scenario"]) for r in entries))
    top.set_title(t("chart.capacity.title", lang, names=names))
    fig.tight_layout()
    return _localise(fig, lang)


FOREST_KPIS = (
    "throughput_per_day",
    "time_in_system_h_mean",
    "time_in_system_h_p95",
    "queue_mean",
    "in_system_mean",
    "backlog_at_clock",
    "road_km_max",
    "perishable_late_share",
    "fees_vnd_total",
    "diverted_per_day",
)


def _forest_rows(comparison: pd.DataFrame, kpis: Sequence[str] | None) -> pd.DataFrame:
    """Whole-system rows of a comparison table for ``kpis`` (default: the main KPIs present), in that order."""
    rows = comparison[comparison.scope == "all"]
    wanted = list(kpis) if kpis is not None else [k for k in FOREST_KPIS if k in set(rows.kpi)]
    if kpis is None and not wanted:
        wanted = list(dict.fromkeys(rows.kpi))
    rows = rows[rows.kpi.isin(wanted)]
    if rows.empty:
        raise ValueError(f"the comparison has no whole-system rows for the KPIs {', '.join(wanted) or '(none)'}")
    order = {k: i for i, k in enumerate(wanted)}
    return rows.assign(_order=rows.kpi.map(order)).sort_values("_order", kind="stable")


def _significant(rows: pd.DataFrame) -> np.ndarray:
    """The ``significant`` column as booleans (text or bool), or CI-excludes-zero when it is absent."""
    if "significant" in rows:
        return rows["significant"].astype(str).str.lower().isin(["true", "1", "yes"]).to_numpy()
    return ((rows.diff_ci_low > 0) | (rows.diff_ci_high < 0)).to_numpy()


def forest_plot(comparison: pd.DataFrame, kpis: Sequence[str] | None = None, lang: str = "en") -> Figure:
    """Paired differences (alternative − base) with 95% CIs: one panel per KPI, one row per alternative.

    ``comparison`` is a ``comparison.csv`` table (``base, alternative, scope, key, kpi, n, base_mean, alt_mean,
    diff_mean, diff_ci_low, diff_ci_high, rel_change, significant``); its whole-system rows are drawn. Each KPI
    keeps its own unit on its own x axis; the zero line marks no change, and the relative change is written
    on the right.
    """
    rows = _forest_rows(comparison, kpis)
    kpi_order = list(dict.fromkeys(rows.kpi))
    heights = [0.55 + 0.32 * rows[rows.kpi == k].shape[0] for k in kpi_order]
    height = 1.3 + sum(heights)
    fig, axes = plt.subplots(
        len(kpi_order), 1, figsize=(9, height), squeeze=False, gridspec_kw={"height_ratios": heights}
    )
    several_bases = rows.base.nunique() > 1
    for ax, kpi in zip(axes[:, 0], kpi_order):
        _forest_panel(ax, rows[rows.kpi == kpi], kpi, several_bases, lang)
    axes[-1, 0].set_xlabel(t("chart.forest.xlabel", lang))
    handles = [
        Line2D([], [], marker="o", color="tab:blue", mfc=face, label=t(key, lang))
        for face, key in (("tab:blue", "chart.forest.significant"), ("white", "chart.forest.not_significant"))
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False)
    names = ", ".join(dict.fromkeys(rows.alternative.astype(str)))
    fig.suptitle(t("chart.forest.title", lang, base=", ".join(dict.fromkeys(rows.base.astype(str))), names=names))
    fig.tight_layout(rect=(0, 0.3 / height, 1, 1))
    return _localise(fig, lang)


def _forest_panel(ax: Any, part: pd.DataFrame, kpi: str, several_bases: bool, lang: str) -> None:
    """One KPI: a point and CI per alternative, the zero line, the relative change on the right."""
    y = np.arange(len(part))[::-1]
    diff = part.diff_mean.to_numpy(dtype=float)
    err = np.nan_to_num(np.vstack((diff - part.diff_ci_low.to_numpy(float), part.diff_ci_high.to_numpy(float) - diff)))
    significant = _significant(part)
    for flag in (True, False):
        sel = significant == flag
        if sel.any():
            face = "tab:blue" if flag else "white"
            ax.errorbar(diff[sel], y[sel], xerr=err[:, sel], fmt="o", color="tab:blue", mfc=face, capsize=3)
    ax.axvline(0, color="k", lw=0.8)
    labels = [f"{a} vs {b}" if several_bases else str(a) for a, b in zip(part.alternative, part.base)]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, len(part) - 0.3)
    ax.set_ylabel(t("chart.forest.ylabel", lang), fontsize=8)
    ax.set_title(kpi_name(kpi, lang), loc="left", fontsize=9)
    base = part.base_mean.to_numpy(dtype=float)
    for yy, d, b in zip(y, diff, base):
        rel = fmt_percent(d / b, lang, 1) if b == b and b != 0 else "–"
        ax.annotate(rel, xy=(1.01, yy), xycoords=("axes fraction", "data"), va="center", fontsize=8)


def standard_charts(run: RunFolder, out: str | Path, lang: str = "en") -> dict[str, list[Path]]:
    """Write the charts a ``run`` folder supports into ``out``; returns the files by chart name."""
    out = Path(out)
    written = {
        "backlog": save_figure(backlog_over_time([run], lang=lang), out / "backlog"),
        "utilisation": save_figure(utilisation_heatmap(run, lang=lang), out / "utilisation"),
    }
    if has_trs(run):
        written["trs_breakdown"] = save_figure(trs_breakdown(run, lang=lang), out / "trs_breakdown")
    if has_event_log(run):
        written["time_in_system"] = save_figure(time_in_system_ecdf([run], lang=lang), out / "time_in_system")
    return written


def comparison_charts(folder: str | Path, out: str | Path, lang: str = "en") -> dict[str, list[Path]]:
    """Write the standard charts of a ``compare`` folder into ``out``: forest plot, backlog and time in system.

    The scenarios are the folder's run sub-folders, base first (``comparison.json``); the
    per-scenario charts (TRS breakdown, utilisation) are in the report and can be drawn from
    each sub-folder with :func:`standard_charts`.
    """
    folder, out = Path(folder), Path(out)
    info = read_json(folder, "comparison.json")
    runs = [RunFolder.load(folder / label) for label in [info["base"], *info["alternatives"]]]
    written: dict[str, list[Path]] = {}
    table = pd.read_csv(folder / "comparison.csv")
    if (table.scope == "all").any():
        written["forest"] = save_figure(forest_plot(table, lang=lang), out / "forest")
    written["backlog"] = save_figure(backlog_over_time(runs, lang=lang), out / "backlog")
    logged = [r for r in runs if has_event_log(r)]
    if logged:
        written["time_in_system"] = save_figure(time_in_system_ecdf(logged, lang=lang), out / "time_in_system")
    return written


def has_event_log(run: RunFolder) -> bool:
    """Whether the folder has a non-empty ``trucks.csv.gz`` (needed by the ECDF and the stage-level TRS view)."""
    path = run.path / "trucks.csv.gz"
    return path.is_file() and pd.read_csv(path, nrows=1).shape[0] > 0
