"""Time Release Study breakdown: time between milestones by direction and channel (no SimPy)."""

from __future__ import annotations

from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulator.experiments.folders import RunFolder
from simulator.report.i18n import check_lang, fmt_number, t
from simulator.report.plots_base import _localise, display_name, has_event_log, new_figure, styled

__all__ = ["has_trs", "trs_breakdown"]

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


@styled
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
    fig, axes = new_figure(
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
    fig.suptitle(t("chart.trs.milestones_title", lang, name=display_name(run.name)))
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
    fig, ax = new_figure(figsize=(10, height))
    colors = dict(zip(stages, matplotlib.colormaps["tab20"](np.linspace(0, 1, max(len(stages), 2)))))
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
    ax.set_title(t("chart.trs.title", lang, name=display_name(run.name)))
    fig.tight_layout(rect=(0, legend_h / height, 1, 1))
    return _localise(fig, lang)


def _direction(direction: str, lang: str) -> str:
    """``export``/``import`` in ``lang`` (unchanged in English)."""
    return t(f"direction.{direction}", lang) if direction in ("export", "import", "all") else direction
