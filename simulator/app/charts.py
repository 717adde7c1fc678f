"""Plotly figures of saved result folders: value and 95% CI on hover. Reads files only; computes no KPI."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from simulator.report.i18n import fmt_ci, kpi_name, t

__all__ = ["backlog_figure", "forest_figure", "kpi_table", "trs_figure", "utilisation_figure"]

_HOVER = "%{y}<br>%{customdata}<extra></extra>"


def kpi_table(summary: dict[str, Any], lang: str) -> pd.DataFrame:
    """Main KPIs of a run's ``summary.json``: overall and per gate, each ``mean (95% CI low to high)``."""
    scopes = {"all": summary["kpis"], **summary.get("by_gate", {})}
    rows = []
    for kpi in summary["kpis"]:
        row = {"kpi": kpi_name(kpi, lang)}
        for scope, values in scopes.items():
            r = values.get(kpi)
            row[scope] = "–" if r is None else fmt_ci(r["mean"], r["ci_low"], r["ci_high"], lang, 1, short=True)
        rows.append(row)
    return pd.DataFrame(rows)


def forest_figure(comparison: pd.DataFrame, lang: str, scope: str = "all") -> go.Figure:
    """Paired differences (alternative − base) with 95% CI, one row per KPI and alternative."""
    rows = comparison[(comparison.scope == scope)].copy()
    rows["label"] = [f"{kpi_name(k, lang)} — {a}" for k, a in zip(rows.kpi, rows.alternative)]
    text = [fmt_ci(m, lo, hi, lang, 2) for m, lo, hi in zip(rows.diff_mean, rows.diff_ci_low, rows.diff_ci_high)]
    fig = go.Figure(
        go.Scatter(
            x=rows.diff_mean,
            y=rows.label,
            mode="markers",
            marker={"color": ["#c0392b" if s else "#7f8c8d" for s in rows.significant], "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rows.diff_ci_high - rows.diff_mean,
                "arrayminus": rows.diff_mean - rows.diff_ci_low,
            },
            customdata=text,
            hovertemplate=_HOVER,
        )
    )
    fig.add_vline(x=0, line_dash="dash", line_color="#555")
    names = ", ".join(sorted({*rows.base, *rows.alternative}))
    base = rows.base.iloc[0] if len(rows) else ""
    fig.update_layout(title=t("chart.forest.title", lang, base=base, names=names), height=max(300, 28 * len(rows)))
    fig.update_xaxes(title=t("chart.forest.xlabel", lang))
    return fig


def backlog_figure(series: dict[str, pd.DataFrame], lang: str) -> go.Figure:
    """Trucks in the system per gate over time (mean over replications), one line per scenario and gate."""
    fig = go.Figure()
    for name, ts in series.items():
        rows = ts[(ts.scope == "gate") & (ts.metric == "in_system")]
        mean = rows.groupby(["key", "time_h"], observed=True).value.agg(["mean", "min", "max"]).reset_index()
        for gate, g in mean.groupby("key", observed=True):
            spread = [f"{m:,.1f} (min {lo:,.1f}, max {hi:,.1f})" for m, lo, hi in zip(g["mean"], g["min"], g["max"])]
            fig.add_trace(
                go.Scatter(
                    x=g.time_h / 24,
                    y=g["mean"],
                    mode="lines",
                    name=f"{name}: {gate}",
                    customdata=spread,
                    hovertemplate="%{x:.2f} d<br>%{customdata}<extra></extra>",
                )
            )
    fig.update_layout(title=t("app.results.backlog", lang), height=380)
    fig.update_xaxes(title=t("app.replay.day", lang))
    return fig


def utilisation_figure(summaries: dict[str, dict[str, Any]], lang: str, top: int = 12) -> go.Figure:
    """Utilisation of each stage (mean and 95% CI) from ``by_stage`` of each scenario's summary."""
    fig = go.Figure()
    for name, summary in summaries.items():
        stages = {k: v["utilisation"] for k, v in summary.get("by_stage", {}).items() if "utilisation" in v}
        keys = sorted(stages, key=lambda k: -float(stages[k]["mean"] or 0))[:top]
        vals = [stages[k] for k in keys]
        fig.add_trace(
            go.Bar(
                x=[v["mean"] for v in vals],
                y=keys,
                orientation="h",
                name=name,
                customdata=[fmt_ci(v["mean"], v["ci_low"], v["ci_high"], lang, 0, percent=True) for v in vals],
                hovertemplate=_HOVER,
            )
        )
    fig.update_layout(title=t("app.results.util", lang), height=420, barmode="group")
    fig.update_xaxes(tickformat=".0%")
    return fig


def trs_figure(trs: dict[str, pd.DataFrame], lang: str) -> go.Figure:
    """Mean hours from arrival to each Time Release Study milestone (all trucks), with 95% CI."""
    fig = go.Figure()
    for name, frame in trs.items():
        rows = frame[(frame.direction == "all") & (frame.cargo_class == "all") & (frame.channel == "all")]
        text = [fmt_ci(m, lo, hi, lang, 1) for m, lo, hi in zip(rows.mean_h, rows.mean_h_ci_low, rows.mean_h_ci_high)]
        fig.add_trace(
            go.Bar(x=rows.milestone, y=rows.mean_h, name=name, customdata=text, hovertemplate="%{x}<br>%{customdata}")
        )
    fig.update_layout(title=t("app.results.trs", lang), height=360, barmode="group")
    fig.update_yaxes(title="h")
    return fig
