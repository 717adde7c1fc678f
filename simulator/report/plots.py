"""Charts built from saved result folders (never by rerunning the model).

Every function returns a matplotlib ``Figure`` with a title naming the scenario(s), axis
labels with units, and its confidence interval or replication band; :func:`save_figure`
writes it as PNG (200 dpi) and SVG. The font is DejaVu Sans, which has every Vietnamese
diacritic. Every chart takes ``lang`` ("en" or "vi") for its titles, labels, legends and tick
numbers (:mod:`simulator.report.i18n`). This module never imports SimPy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulator.analysis.registry import VIEWS
from simulator.experiments.folders import RunFolder, read_json
from simulator.report.i18n import fmt_percent, kpi_name, t

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
from simulator.report.plots_backlog import backlog_over_time
from simulator.report.plots_base import (
    _kpi_label,
    _localise,
    display_name,
    figure_title,
    has_event_log,
    is_money,
    money_axis,
    new_figure,
    save_figure,
    styled,
)
from simulator.report.plots_capacity import capacity_curve, load_capacity
from simulator.report.plots_trs import has_trs, trs_breakdown
from simulator.report.plots_util import utilisation_heatmap


@styled
def time_in_system_ecdf(runs: Sequence[RunFolder], lang: str = "en") -> Figure:
    """Empirical CDF of the time in the system (hours) of trucks that arrived after the warm-up."""
    fig, ax = new_figure(figsize=(8, 4.5))
    for run in runs:
        log = run.trucks().drop_duplicates(["replication", "truck"])
        warm = run.summary["warmup_days"] * 1440.0
        done = log[(log.t_arrive_min >= warm) & log.t_exit_min.notna()]
        hours = np.sort((done.t_exit_min - done.t_arrive_min).to_numpy() / 60.0)
        ax.step(hours, np.arange(1, len(hours) + 1) / max(len(hours), 1), where="post", label=display_name(run.name))
        p95 = run.summary["kpis"]["time_in_system_h_p95"]["mean"]
        if p95 is not None and p95 == p95:  # no truck finished after the warm-up: no p95 to mark
            ax.axvline(p95, ls=":", lw=1, color=ax.lines[-1].get_color())
    ax.set_xlabel(t("chart.ecdf.xlabel", lang))
    ax.set_ylabel(t("chart.ecdf.ylabel", lang))
    ax.set_title(t("chart.ecdf.title", lang, names=", ".join(display_name(r.name) for r in runs)))
    ax.legend()
    fig.tight_layout()
    return _localise(fig, lang)


@styled
def tornado(table: pd.DataFrame, title: str = "", lang: str = "en") -> Figure:
    """One-at-a-time sensitivity: the KPI at the low and high setting of each parameter, around the base."""
    table = table.sort_values("swing")
    base = float(table.base_mean.iloc[0])
    key = str(table.kpi.iloc[0])
    kpi = _kpi_label(key, lang)
    fig, ax = new_figure(figsize=(9, 1.2 + 0.45 * len(table)))
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
    xlabel = t("chart.tornado.xlabel", lang, kpi=kpi)
    if is_money(key):
        bounds = table[["low_ci_low", "low_ci_high", "high_ci_low", "high_ci_high", "base_mean"]].abs()
        xlabel = t("chart.money.in", lang, label=xlabel, unit=money_axis(ax.xaxis, float(np.nanmax(bounds)), lang))
    ax.set_xlabel(xlabel)
    ax.set_title(title or t("chart.tornado.title", lang, kpi=kpi))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _localise(fig, lang)


FOREST_KPIS = VIEWS["key_differences"]  # the registry's view, in its order


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


@styled
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
    fig, axes = new_figure(
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
    names = ", ".join(display_name(a) for a in dict.fromkeys(rows.alternative.astype(str)))
    bases = ", ".join(display_name(b) for b in dict.fromkeys(rows.base.astype(str)))
    fig.suptitle(t("chart.forest.title", lang, base=bases, names=names))
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
    labels = [
        f"{display_name(str(a))} vs {display_name(str(b))}" if several_bases else display_name(str(a))
        for a, b in zip(part.alternative, part.base)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, len(part) - 0.3)
    ax.set_ylabel(t("chart.forest.ylabel", lang), fontsize=8)
    title = kpi_name(kpi, lang)
    if is_money(kpi):
        largest = float(
            np.nanmax(np.abs([*diff, *part.diff_ci_low.to_numpy(float), *part.diff_ci_high.to_numpy(float)]))
        )
        title = t("chart.money.in", lang, label=title, unit=money_axis(ax.xaxis, largest, lang))
    ax.set_title(title, loc="left", fontsize=9)
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
