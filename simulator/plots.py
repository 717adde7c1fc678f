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
from matplotlib.ticker import ScalarFormatter  # noqa: E402

from .i18n import check_lang, fmt_date, fmt_number, fmt_percent, kpi_name, t  # noqa: E402
from .resultdir import RunFolder  # noqa: E402

__all__ = [
    "backlog_over_time",
    "capacity_curve",
    "forest_plot",
    "has_event_log",
    "save_figure",
    "standard_charts",
    "time_in_system_ecdf",
    "tornado",
    "trs_breakdown",
    "utilisation_heatmap",
]

plt.rcParams.update({"font.family": "DejaVu Sans", "axes.spines.top": False, "axes.spines.right": False})


def save_figure(fig: Figure, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` (200 dpi) and ``stem.svg``; returns the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.savefig(paths[0], dpi=200, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return paths


class _CommaFormatter(ScalarFormatter):
    """Matplotlib's default tick labels with a decimal comma (Vietnamese)."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return super().__call__(x, pos).replace(".", ",")


def _localise(fig: Figure, lang: str) -> Figure:
    """Vietnamese tick numbers (decimal comma) on every numeric axis; English is left as drawn."""
    if check_lang(lang) == "vi":
        for ax in fig.axes:
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


def backlog_over_time(runs: Sequence[RunFolder], level: float = 0.90, lang: str = "en") -> Figure:
    """Trucks in the system by gate over time: replication mean with a ``level`` replication band."""
    gates = list(runs[0].scenario["gates"])
    fig, axes = plt.subplots(len(gates), 1, figsize=(10, 2.6 * len(gates)), sharex=True, squeeze=False)
    for ax, gate in zip(axes[:, 0], gates):
        for run in runs:
            ts = run.timeseries
            sel = ts[(ts.scope == "gate") & (ts.key == gate) & (ts.metric == "in_system")]
            if sel.empty:
                continue
            band = _band(sel, level)
            days = band.index.to_numpy() / 24.0
            line = ax.plot(days, band["mean"], lw=1.2, label=run.name)[0]
            ax.fill_between(days, band["low"], band["high"], color=line.get_color(), alpha=0.2, lw=0)
        ax.axvspan(0, runs[0].summary["warmup_days"], color="0.9", zorder=0, label=t("chart.warmup", lang))
        ax.set_title(runs[0].scenario["gates"][gate].get("name") or gate, loc="left", fontsize=10)
        ax.set_ylabel(t("chart.backlog.ylabel", lang))
    axes[-1, 0].set_xlabel(t("chart.backlog.xlabel", lang, date=fmt_date(runs[0].summary["start_date"], lang)))
    axes[0, 0].legend(loc="upper right", fontsize=8)
    names = ", ".join(r.name for r in runs)
    fig.suptitle(t("chart.backlog.title", lang, level=f"{level:.0%}", names=names))
    fig.tight_layout()
    return _localise(fig, lang)


def trs_breakdown(run: RunFolder, lang: str = "en") -> Figure:
    """Time Release Study view: mean time per stage (queue + service, hours) per truck, by direction."""
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
    return t(f"direction.{direction}", lang) if direction in ("export", "import") else direction


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


def capacity_curve(results: Sequence[dict[str, Any]], lang: str = "en") -> Figure:
    """Cleared per day and the target KPI against demand, with 95% CI bands, the target and the capacity marked."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for res in results:
        ev = sorted(res["evaluations"], key=lambda e: e["multiplier"])
        demand = np.array([e["multiplier"] for e in ev]) * res["base_demand_per_day"]
        for ax, key in ((top, "throughput_per_day"), (bottom, "kpi")):
            mean = np.array([e[key]["mean"] for e in ev], dtype=float)
            low = np.array([e[key].get("ci_low", np.nan) for e in ev], dtype=float)
            high = np.array([e[key].get("ci_high", np.nan) for e in ev], dtype=float)
            line = ax.plot(demand, mean, "o-", ms=3, label=res["scenario"])[0]
            ax.fill_between(demand, low, high, color=line.get_color(), alpha=0.2, lw=0)
            ax.axvline(res["capacity_per_day"], color=line.get_color(), ls="--", lw=1)
            ax.axvspan(*res["capacity_ci"], color=line.get_color(), alpha=0.08, lw=0)
    target = t("chart.capacity.target", lang, target=results[0]["target"])
    bottom.axhline(results[0]["target_value"], color="red", lw=1, label=target)
    top.set_ylabel(t("chart.capacity.ylabel", lang))
    bottom.set_ylabel(_kpi_label(results[0]["target_kpi"], lang))
    bottom.set_xlabel(t("chart.capacity.xlabel", lang))
    top.legend(fontsize=8)
    bottom.legend(fontsize=8)
    top.set_title(t("chart.capacity.title", lang, names=", ".join(r["scenario"] for r in results)))
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
    if has_event_log(run):
        written["trs_breakdown"] = save_figure(trs_breakdown(run, lang=lang), out / "trs_breakdown")
        written["time_in_system"] = save_figure(time_in_system_ecdf([run], lang=lang), out / "time_in_system")
    return written


def has_event_log(run: RunFolder) -> bool:
    """Whether the folder has a non-empty ``trucks.csv.gz`` (needed by the TRS breakdown and the ECDF)."""
    path = run.path / "trucks.csv.gz"
    return path.is_file() and pd.read_csv(path, nrows=1).shape[0] > 0
