"""The charts a report can draw from its folders, embedded as PNG ``data:`` URIs.

A chart already saved as PNG with the same data and language (the ``charts/`` that ``run`` and
``compare`` write next to their report) can be embedded as is instead of being drawn again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from matplotlib.figure import Figure

from simulator.experiments.folders import RunFolder
from simulator.report import plots
from simulator.report.html import Raw, figure_html, png_html
from simulator.report.i18n import t
from simulator.report.inputs import ReportInputs

__all__ = ["ChartSpec", "chart_specs", "charts_html", "saved_charts"]


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
    comparison = inp.comparison
    if comparison is not None and (comparison.scope == "all").any():  # the answer first: the paired differences
        specs.append(ChartSpec("forest", "caption.forest", lambda: plots.forest_plot(comparison, lang=lang)))
    if any(_has(r, "gate", "in_system") for r in runs):
        specs.append(ChartSpec("backlog", "caption.backlog", lambda: plots.backlog_over_time(runs, lang=lang)))
    logged = [r for r in runs if plots.has_event_log(r)]
    if logged:
        specs.append(ChartSpec("time_in_system", "caption.ecdf", lambda: plots.time_in_system_ecdf(logged, lang=lang)))
    for run in runs:
        if plots.has_trs(run):
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
    return specs


def saved_charts(written: Mapping[str, Sequence[Path]], run: Path | None = None) -> dict[str, Path]:
    """The PNG files of :func:`plots.standard_charts` (``run``: its folder as given to the report) or
    :func:`plots.comparison_charts`, keyed by the chart names of :func:`chart_specs`."""
    names = {"backlog": "backlog", "time_in_system": "time_in_system", "forest": "forest"}
    if run is not None:
        names |= {"trs_breakdown": f"trs:{run}", "utilisation": f"util:{run}"}
    return {names[k]: p for k, files in written.items() if k in names for p in files if p.suffix == ".png"}


def _embed(path: Path, caption: str) -> Raw:
    """A saved PNG as a figure; its alt text is the title stored in the file."""
    from PIL import Image

    with Image.open(path) as image:
        title = str(getattr(image, "text", {}).get("Title", ""))
    return png_html(path.read_bytes(), title, caption)


def charts_html(inp: ReportInputs, lang: str, saved: Mapping[str, Path] | None = None) -> str:
    """Every available chart as a ``<figure>`` with an embedded PNG and its caption.

    ``saved`` maps chart names to PNG files drawn from the same folders in the same language;
    those are embedded as they are (at their own resolution) instead of being drawn again.
    """
    saved = saved or {}
    return "".join(
        _embed(saved[spec.name], t(spec.caption, lang))
        if spec.name in saved
        else figure_html(spec.make(), t(spec.caption, lang))
        for spec in chart_specs(inp, lang)
    )
