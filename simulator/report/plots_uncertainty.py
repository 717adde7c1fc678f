"""Charts of an uncertainty folder: KPIs over the input samples, and which inputs matter (no SimPy).

:func:`sample_distribution` draws, per gate, each scenario's capacity (or another KPI) over the
input samples: one point per sample (the mean of its replications), a box of their quartiles and
whiskers at the 5th and 95th percentiles, and the nominal capacity (the plain capacity search) as
a diamond when known. :func:`sensitivity_bars` draws the sensitivity indices of one KPI: first-order
and total Sobol indices side by side, or the absolute standardised rank regression coefficient,
each with its 95% CI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulator.report.i18n import check_lang, kpi_name, t
from simulator.report.plots_base import RUN_COLORS, _localise, display_name, new_figure, styled

__all__ = ["nominal_capacity", "sample_distribution", "sample_means", "sensitivity_bars"]

GROUP = ("what", "scenario", "base", "scope", "key", "kpi")


def nominal_capacity(capacity_table: pd.DataFrame | None) -> dict[tuple[str, str], float]:
    """``(scenario, unit) -> capacity_per_day`` of the capacities found by a plain capacity search."""
    if capacity_table is None or capacity_table.empty:
        return {}
    found = capacity_table[capacity_table.found.astype(bool)]
    return {(str(r.scenario), str(r.unit)): float(r.capacity_per_day) for r in found.itertuples(index=False)}


def sample_means(sample_kpis: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Per scenario, sample, scope and key: the mean of ``kpi`` over the sample's replications."""
    rows = sample_kpis[sample_kpis.kpi == kpi]
    return rows.groupby(["scenario", "scope", "key", "sample"], sort=False, as_index=False)["value"].mean()


def _panel(ax: Any, means: pd.DataFrame, scenarios: Sequence[str], marks: Sequence[float | None]) -> None:
    """One gate: a box and the sample points per scenario, and the nominal value as a diamond."""
    for i, (scenario, mark) in enumerate(zip(scenarios, marks)):
        values = means.loc[means.scenario == scenario, "value"].to_numpy(dtype=float)
        colour = RUN_COLORS[i % len(RUN_COLORS)]
        if len(values):
            ax.boxplot(
                values, positions=[i], widths=0.5, whis=(5, 95), showfliers=False, patch_artist=True,
                boxprops={"facecolor": "none", "edgecolor": colour}, medianprops={"color": colour},
                whiskerprops={"color": colour}, capprops={"color": colour},
            )  # fmt: skip
            offsets = np.linspace(-0.18, 0.18, len(values)) if len(values) > 1 else np.zeros(1)
            ax.scatter(i + offsets, values, s=9, color=colour, alpha=0.55, lw=0, zorder=3)
        if mark is not None:
            ax.scatter([i], [mark], marker="D", s=36, color="red", edgecolor="black", lw=0.5, zorder=4)
    ax.set_xticks(range(len(scenarios)), [display_name(s) for s in scenarios], fontsize=8)
    ax.set_xlim(-0.6, len(scenarios) - 0.4)


@styled
def sample_distribution(
    sample_kpis: pd.DataFrame,
    kpi: str = "capacity_per_day",
    gates: Mapping[str, str] | None = None,
    nominal: Mapping[tuple[str, str], float] | None = None,
    names: Mapping[str, str] | None = None,
    lang: str = "en",
) -> Figure:
    """Each gate's ``kpi`` over the input samples, one panel per gate, baseline beside the proposals.

    ``gates`` maps gate ids to display names (in panel order; default: the ids found); ``nominal``
    maps ``(scenario name, gate)`` to the plain search's capacity, drawn as a red diamond;
    ``names`` maps the folder's scenario labels to scenario names. Without per-gate rows the KPI of
    all gates together is drawn in one panel.
    """
    check_lang(lang)
    means = sample_means(sample_kpis, kpi)
    if means.empty:
        raise ValueError(f"sample_kpis has no rows of {kpi}")
    scenarios = list(dict.fromkeys(means.scenario.astype(str)))
    per_gate = means[means.scope == "gate"]
    found = list(dict.fromkeys(per_gate.key.astype(str)))
    labels = dict(gates or {g: display_name(g) for g in found})
    units = [g for g in labels if g in found] or ["all"]
    fig, axes = new_figure(1, len(units), figsize=(2.4 * len(units) + 1.6, 3.6), squeeze=False, sharey=False)
    nominal, names = nominal or {}, names or {}
    for ax, unit in zip(axes[0], units):
        mine = per_gate[per_gate.key == unit] if unit != "all" else means[means.scope == "all"]
        key = unit if unit != "all" else "province"
        marks = [nominal.get((names.get(s, s), key)) for s in scenarios]
        _panel(ax, mine, scenarios, marks)
        ax.set_title(labels.get(unit, t("lbl.all_gates", lang)), loc="left", fontsize=9)
    axes[0, 0].set_ylabel(kpi_name(kpi, lang))
    handles = [
        axes[0, 0].scatter([], [], s=9, color="0.4", label=t("chart.sure.sample", lang)),
        axes[0, 0].scatter([], [], marker="D", s=36, color="red", edgecolor="black", lw=0.5,
                           label=t("chart.sure.nominal", lang)),
    ]  # fmt: skip
    shown = handles if nominal else handles[:1]
    fig.legend(handles=shown, loc="lower center", ncol=2, fontsize=7, frameon=False)
    title = "chart.sure.capacity_title" if kpi == "capacity_per_day" else "chart.sure.kpi_title"
    fig.suptitle(t(title, lang, kpi=kpi_name(kpi, lang), names=", ".join(display_name(s) for s in scenarios)))
    fig.tight_layout(rect=(0, 0.35 / fig.get_figheight(), 1, 1))
    return _localise(fig, lang)


def _abs_interval(index: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, ...]:
    """``|index|`` and the interval of ``|x|`` for x in [low, high] (from 0 when it spans 0)."""
    top = np.maximum(np.abs(low), np.abs(high))
    bottom = np.where((low <= 0) & (high >= 0), 0.0, np.minimum(np.abs(low), np.abs(high)))
    return np.abs(index), bottom, top


def _bars(ax: Any, y: np.ndarray, value: np.ndarray, low: np.ndarray, high: np.ndarray, **style: Any) -> None:
    err = np.vstack((np.clip(value - low, 0, None), np.clip(high - value, 0, None)))
    ax.barh(y, value, height=style.pop("height", 0.38), **style)
    ax.errorbar(value, y, xerr=np.nan_to_num(err), fmt="none", ecolor="0.2", capsize=2, lw=0.8)


@styled
def sensitivity_bars(sensitivity: pd.DataFrame, group: Mapping[str, Any], title: str = "", lang: str = "en") -> Figure:
    """The sensitivity indices of one KPI (one ``group``: what, scenario, base, scope, key, kpi) per input.

    With Sobol indices, S1 and ST side by side; otherwise ``|SRRC|``; each with its 95% CI
    whisker. Inputs are sorted by their share, the largest at the top.
    """
    check_lang(lang)
    rows = sensitivity[(sensitivity[list(GROUP)] == pd.Series(dict(group))).all(axis=1)]
    if rows.empty:
        raise ValueError("no sensitivity indices for this KPI")
    sobol = rows.method.str.startswith("sobol").any()
    first = rows[rows.method == ("sobol_s1" if sobol else "srrc")]
    first = first if not first.empty else rows[rows.method == rows.method.iloc[0]]
    order = list(first.sort_values("share", kind="stable").input)
    fig, ax = new_figure(figsize=(8, 1.4 + 0.42 * len(order)))
    y = np.arange(len(order), dtype=float)

    def series(method: str) -> tuple[np.ndarray, ...]:
        mine = rows[rows.method == method].set_index("input").reindex(order)
        return tuple(mine[c].to_numpy(dtype=float) for c in ("index", "ci_low", "ci_high"))

    if sobol:
        _bars(ax, y + 0.2, *series("sobol_s1"), color="tab:blue", label=t("chart.sure.s1", lang))
        _bars(ax, y - 0.2, *series("sobol_st"), color="tab:orange", alpha=0.8, label=t("chart.sure.st", lang))
        ax.set_xlabel(t("chart.sure.sobol_xlabel", lang))
    else:
        _bars(ax, y, *_abs_interval(*series("srrc")), height=0.6, color="tab:blue", label=t("chart.sure.srrc", lang))
        ax.set_xlabel(t("chart.sure.srrc_xlabel", lang))
    ax.set_yticks(y, order, fontsize=7)
    ax.axvline(0, color="k", lw=0.6)
    ax.set_title(title or t("chart.sure.sens_title", lang, kpi=kpi_name(str(group["kpi"]), lang)), fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return _localise(fig, lang)
