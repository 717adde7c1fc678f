"""The charts a report can draw from its folders, embedded as PNG ``data:`` URIs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from matplotlib.figure import Figure

from . import plots
from .i18n import t
from .report_html import figure_html
from .report_inputs import ReportInputs
from .resultdir import RunFolder

__all__ = ["ChartSpec", "chart_specs", "charts_html"]


@dataclass(frozen=True)
class ChartSpec:
    """One chart: a name, the i18n key of its caption, and a function that draws it."""

    name: str
    caption: str
    make: Callable[[], Figure]


def _has(run: RunFolder, scope: str, metric: str) -> bool:
    ts = run.timeseries
    return bool(((ts.scope == scope) & (ts.metric == metric)).any())


def chart_specs(inp: ReportInputs, lang: str) -> list[ChartSpec]:
    """Every chart for which the folders have data, in report order."""
    runs = inp.runs
    specs = []
    if any(_has(r, "gate", "in_system") for r in runs):
        specs.append(ChartSpec("backlog", "caption.backlog", lambda: plots.backlog_over_time(runs, lang=lang)))
    logged = [r for r in runs if plots.has_event_log(r)]
    if logged:
        specs.append(ChartSpec("time_in_system", "caption.ecdf", lambda: plots.time_in_system_ecdf(logged, lang=lang)))
    for run in logged:
        specs.append(ChartSpec(f"trs:{run.path}", "caption.trs", partial(plots.trs_breakdown, run, lang=lang)))
    for run in runs:
        if _has(run, "stage", "busy"):
            specs.append(
                ChartSpec(f"util:{run.path}", "caption.util", partial(plots.utilisation_heatmap, run, lang=lang))
            )
    if inp.capacity:
        specs.append(ChartSpec("capacity", "caption.capacity", lambda: plots.capacity_curve(inp.capacity, lang=lang)))
    for i, table in enumerate(inp.sensitivity):
        specs.append(ChartSpec(f"tornado:{i}", "caption.tornado", partial(plots.tornado, table, lang=lang)))
    comparison = inp.comparison
    if comparison is not None and (comparison.scope == "all").any():
        specs.append(ChartSpec("forest", "caption.forest", lambda: plots.forest_plot(comparison, lang=lang)))
    return specs


def charts_html(inp: ReportInputs, lang: str) -> str:
    """Every available chart as a ``<figure>`` with an embedded PNG and its caption."""
    return "".join(figure_html(spec.make(), t(spec.caption, lang)) for spec in chart_specs(inp, lang))
