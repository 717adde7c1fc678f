"""Utilisation by stage and hour of day, with closed hours hatched (no SimPy).

The opening hours are those the model used: each stage's (or mode's) hours, closed weekdays
and calendar closures, computed by the same pure function as the engine's resources
(:func:`simulator.engine.hours.stage_schedules`).
"""

from __future__ import annotations

import logging
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from simulator.engine.clock import OpenSchedule
from simulator.engine.hours import stage_schedules
from simulator.experiments.folders import RunFolder
from simulator.report.i18n import t
from simulator.report.plots_base import _localise, display_name, new_figure, styled
from simulator.scenario.models import Scenario

__all__ = ["open_share", "utilisation_heatmap"]

log = logging.getLogger(__name__)

CLOSED_HATCH = "////"
PART_CLOSED_HATCH = ".."


def _schedules(run: RunFolder) -> dict[str, OpenSchedule | None]:
    """The run's resource schedules, or none (every hour open) when its scenario no longer validates."""
    try:
        return stage_schedules(Scenario.model_validate(run.scenario))
    except Exception as exc:  # noqa: BLE001 - an older folder still gets its heatmap, without hatching
        log.warning("%s: opening hours not drawn (%s)", run.path, exc)
        return {}


def open_share(schedule: OpenSchedule | None, hours: np.ndarray) -> np.ndarray:
    """Share of each hour of day (0-23) that ``schedule`` is open, over the model ``hours`` measured."""
    if schedule is None:
        return np.ones(24)
    share = np.array([schedule.open_minutes(h * 60.0, h * 60.0 + 60.0) / 60.0 for h in hours])
    frame = pd.Series(share).groupby(hours.astype(int) % 24).mean()
    return frame.reindex(range(24), fill_value=1.0).to_numpy()


def _hatch(ax: Any, shares: np.ndarray) -> None:
    """Hatch every cell closed on every measured day, and (lightly) those closed on some days."""
    for (row, hour), share in np.ndenumerate(shares):
        hatch = CLOSED_HATCH if share <= 0 else PART_CLOSED_HATCH if share < 1 else None
        if hatch:
            ax.add_patch(
                Rectangle((hour - 0.5, row - 0.5), 1, 1, fill=False, hatch=hatch, edgecolor="0.45", lw=0, zorder=2)
            )


@styled
def utilisation_heatmap(run: RunFolder, lang: str = "en") -> Figure:
    """Mean busy servers ÷ servers, per stage and model hour of day, after the warm-up.

    Hours a stage is closed on every measured day are hatched (and shown light grey when
    nobody worked in them), hours it is closed on some days lightly dotted; idle open hours
    keep the colour of 0.
    """
    ts = run.timeseries
    sel = ts[(ts.scope == "stage") & (ts.metric == "busy") & (ts.time_h >= run.summary["warmup_days"] * 24)]
    servers = run.stage_servers()
    sel = sel.assign(hour=(sel.time_h % 24).astype(int), util=sel.value / sel.key.map(servers))
    matrix = sel.pivot_table(index="key", columns="hour", values="util", aggfunc="mean")
    matrix = matrix.reindex([k for k in servers if k in matrix.index]).reindex(columns=range(24))
    schedules = _schedules(run)
    measured = np.unique(sel.time_h.to_numpy(dtype=float))
    shares = np.array([open_share(schedules.get(k), measured) for k in matrix.index]).reshape(len(matrix), 24)
    values = matrix.to_numpy(dtype=float, copy=True)
    values[(shares <= 0) & ~(values > 0)] = np.nan  # closed and nobody working: no colour
    fig, ax = new_figure(figsize=(10, 1.5 + 0.28 * len(matrix)))
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="0.92")
    image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=cmap, vmin=0, vmax=1)
    _hatch(ax, shares)
    ax.set_yticks(range(len(matrix)), matrix.index, fontsize=7)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel(t("chart.util.xlabel", lang))
    ax.set_ylabel(t("chart.util.ylabel", lang))
    fig.colorbar(image, ax=ax, label=t("chart.util.colorbar", lang))
    ax.set_title(t("chart.util.title", lang, name=display_name(run.name)))
    handles = [
        Patch(facecolor="0.92", edgecolor="0.45", hatch=CLOSED_HATCH, lw=0, label=t("chart.util.closed", lang)),
        Patch(
            facecolor="white", edgecolor="0.45", hatch=PART_CLOSED_HATCH, lw=0, label=t("chart.util.part_closed", lang)
        ),
    ]
    legend_h = 0.35
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, legend_h / fig.get_figheight(), 1, 1))
    return _localise(fig, lang)
