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
from simulator.report.i18n import check_lang, fmt_number, fmt_percent, kpi_name, t

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
    RUN_COLORS,
    _kpi_label,
    _localise,
    figure_title,
    has_event_log,
    new_figure,
    save_figure,
    styled,
)
from simulator.report.plots_trs import has_trs, trs_breakdown


@styled
def time_in_system_ecdf(runs: Sequence[RunFolder], lang: str = "en") -> Figure:
    """Empirical CDF of the time in the system (hours) of trucks that arrived after the warm-up."""
    fig, ax = new_figure(figsize=(8, 4.5))
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


@styled
def utilisation_heatmap(run: RunFolder, lang: str = "en") -> Figure:
    """Mean busy servers ÷ servers, per stage and model hour of day, after the warm-up."""
    ts = run.timeseries
    sel = ts[(ts.scope == "stage") & (ts.metric == "busy") & (ts.time_h >= run.summary["warmup_days"] * 24)]
    servers = run.stage_servers()
    sel = sel.assign(hour=(sel.time_h % 24).astype(int), util=sel.value / sel.key.map(servers))
    matrix = sel.pivot_table(index="key", columns="hour", values="util", aggfunc="mean")
    matrix = matrix.reindex([k for k in servers if k in matrix.index])
    fig, ax = new_figure(figsize=(10, 1.0 + 0.28 * len(matrix)))
    image = ax.imshow(matrix.to_numpy(), aspect="auto", cmap="viridis", vmin=0, vmax=1)
    ax.set_yticks(range(len(matrix)), matrix.index, fontsize=7)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel(t("chart.util.xlabel", lang))
    ax.set_ylabel(t("chart.util.ylabel", lang))
    fig.colorbar(image, ax=ax, label=t("chart.util.colorbar", lang))
    ax.set_title(t("chart.util.title", lang, name=run.name))
    fig.tight_layout()
    return _localise(fig, lang)


@styled
def tornado(table: pd.DataFrame, title: str = "", lang: str = "en") -> Figure:
    """One-at-a-time sensitivity: the KPI at the low and high setting of each parameter, around the base."""
    table = table.sort_values("swing")
    base = float(table.base_mean.iloc[0])
    kpi = _kpi_label(str(table.kpi.iloc[0]), lang)
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


@styled
@styled
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
    fig, (top, bottom) = new_figure(2, 1, figsize=(9, 7.5), sharex=True)
    for colour, res in zip(RUN_COLORS * len(entries), entries):
        ev = sorted(res["evaluations"], key=lambda e: e["multiplier"])
        demand = np.array([e["multiplier"] for e in ev]) * res["base_demand_per_day"]
        for ax, key in ((top, "throughput_per_day"), (bottom, "kpi")):
            mean = np.array([e[key]["mean"] for e in ev], dtype=float)
            low = np.array([e[key].get("ci_low", np.nan) for e in ev], dtype=float)
            high = np.array([e[key].get("ci_high", np.nan) for e in ev], dtype=float)
            ax.plot(demand, mean, "o-", ms=3, color=colour, label=res["scenario"] if ax is top else None)
            ax.fill_between(demand, low, high, color=colour, alpha=0.2, lw=0)
            if not res.get("found", True):  # no capacity bracketed: the curves only
                continue
            marker = t(
                "chart.capacity.marker", lang, name=res["scenario"], value=fmt_number(res["capacity_per_day"], lang, 0)
            )
            ax.axvline(res["capacity_per_day"], color=colour, ls="--", lw=1, label=marker if ax is top else None)
            if all(v is not None and v == v for v in res["capacity_ci"]):
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
