"""Charts built from saved result folders (never by rerunning the model).

Every function returns a matplotlib ``Figure`` with a title naming the scenario(s), axis
labels with units, and its confidence interval or replication band; :func:`save_figure`
writes it as PNG (200 dpi) and SVG. The font is DejaVu Sans, which has every Vietnamese
diacritic. This module never imports SimPy.
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

from .resultdir import RunFolder  # noqa: E402

__all__ = [
    "backlog_over_time",
    "capacity_curve",
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


def _band(frame: pd.DataFrame, level: float) -> pd.DataFrame:
    """Mean and central ``level`` band across replications, per time."""
    wide = frame.pivot_table(index="time_h", columns="replication", values="value")
    lo, hi = (1 - level) / 2, (1 + level) / 2
    return pd.DataFrame(
        {"mean": wide.mean(axis=1), "low": wide.quantile(lo, axis=1), "high": wide.quantile(hi, axis=1)}
    )


def backlog_over_time(runs: Sequence[RunFolder], level: float = 0.90) -> Figure:
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
        ax.axvspan(0, runs[0].summary["warmup_days"], color="0.9", zorder=0, label="warm-up")
        ax.set_title(runs[0].scenario["gates"][gate].get("name") or gate, loc="left", fontsize=10)
        ax.set_ylabel("trucks in system")
    axes[-1, 0].set_xlabel(f"days since {runs[0].summary['start_date']}")
    axes[0, 0].legend(loc="upper right", fontsize=8)
    names = ", ".join(r.name for r in runs)
    fig.suptitle(f"Backlog by gate: mean and {level:.0%} replication band — {names}")
    fig.tight_layout()
    return fig


def trs_breakdown(run: RunFolder) -> Figure:
    """Time Release Study view: mean time per stage (queue + service, hours) per truck, by direction."""
    log = run.trucks()
    warm = run.summary["warmup_days"] * 1440.0
    log = log[(log.t_arrive_min >= warm) & log.t_exit_min.notna()]
    log = log.assign(hours=(log.t_end_min - log.t_queue_min) / 60.0, offset=log.t_queue_min - log.t_arrive_min)
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.9 * log.direction.nunique()))
    directions = sorted(log.direction.unique())
    stages = list(dict.fromkeys(log.sort_values("offset").stage))
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
        ax.text(left, y, f" {left:.1f} h", va="center", fontsize=9)
    ax.set_yticks(range(len(directions)), directions)
    ax.set_ylabel("direction")
    ax.set_xlabel("mean time per truck (hours, queue + service)")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    ax.set_title(f"Time Release Study breakdown by stage — {run.name}")
    fig.tight_layout()
    return fig


def time_in_system_ecdf(runs: Sequence[RunFolder]) -> Figure:
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
    ax.set_xlabel("time in system (hours)")
    ax.set_ylabel("share of trucks")
    ax.set_title("Time in system, ECDF (dotted: p95) — " + ", ".join(r.name for r in runs))
    ax.legend()
    fig.tight_layout()
    return fig


def utilisation_heatmap(run: RunFolder) -> Figure:
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
    ax.set_xlabel("hour of day (model clock)")
    ax.set_ylabel("stage")
    fig.colorbar(image, ax=ax, label="utilisation (busy servers ÷ servers)")
    ax.set_title(f"Utilisation by stage and hour — {run.name}")
    fig.tight_layout()
    return fig


def tornado(table: pd.DataFrame, title: str = "") -> Figure:
    """One-at-a-time sensitivity: the KPI at the low and high setting of each parameter, around the base."""
    table = table.sort_values("swing")
    base = float(table.base_mean.iloc[0])
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.45 * len(table)))
    y = np.arange(len(table))
    ax.barh(y, table.low_mean - base, left=base, color="tab:blue", label="parameter lowered")
    ax.barh(y, table.high_mean - base, left=base, color="tab:orange", alpha=0.8, label="parameter raised")
    for col in ("low", "high"):
        mean = table[f"{col}_mean"].to_numpy()
        err = np.vstack((mean - table[f"{col}_ci_low"], table[f"{col}_ci_high"] - mean))
        ax.errorbar(mean, y, xerr=err, fmt="none", ecolor="0.2", capsize=2, lw=0.8)
    ax.axvline(base, color="k", lw=0.8)
    ax.set_yticks(y, table.parameter, fontsize=8)
    ax.set_ylabel("parameter (-/+ change)")
    ax.set_xlabel(f"{table.kpi.iloc[0]} (95% CI whiskers)")
    ax.set_title(title or f"Sensitivity of {table.kpi.iloc[0]}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def capacity_curve(results: Sequence[dict[str, Any]]) -> Figure:
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
    bottom.axhline(results[0]["target_value"], color="red", lw=1, label=f"target {results[0]['target']}")
    top.set_ylabel("cleared per day (trucks)")
    bottom.set_ylabel(results[0]["target_kpi"])
    bottom.set_xlabel("demand (trucks per day)")
    top.legend(fontsize=8)
    bottom.legend(fontsize=8)
    top.set_title(
        "Capacity at the service level (dashed: capacity, shaded: its 95% CI) — "
        + ", ".join(r["scenario"] for r in results)
    )
    fig.tight_layout()
    return fig


def standard_charts(run: RunFolder, out: str | Path) -> dict[str, list[Path]]:
    """Write the charts a ``run`` folder supports into ``out``; returns the files by chart name."""
    out = Path(out)
    written = {
        "backlog": save_figure(backlog_over_time([run]), out / "backlog"),
        "utilisation": save_figure(utilisation_heatmap(run), out / "utilisation"),
    }
    if (run.path / "trucks.csv.gz").is_file() and pd.read_csv(run.path / "trucks.csv.gz", nrows=1).shape[0]:
        written["trs_breakdown"] = save_figure(trs_breakdown(run), out / "trs_breakdown")
        written["time_in_system"] = save_figure(time_in_system_ecdf([run]), out / "time_in_system")
    return written
