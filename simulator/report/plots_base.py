"""Shared parts of the charts: style, localisation, bands and saving (no SimPy).

Charts are plain :class:`matplotlib.figure.Figure` objects made without pyplot, so drawing them
needs no GUI backend and never touches the caller's: importing this package, or calling a chart
function, leaves ``matplotlib.get_backend()`` and ``matplotlib.rcParams`` as they were. The
house style (:data:`STYLE`) applies only inside each chart function (:func:`styled`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, ScalarFormatter

from simulator.analysis.registry import KPIS
from simulator.experiments.folders import RunFolder
from simulator.report.i18n import check_lang, fmt_number, kpi_name, t

__all__ = [
    "RUN_COLORS",
    "STYLE",
    "display_name",
    "figure_title",
    "has_event_log",
    "is_money",
    "money_axis",
    "new_figure",
    "save_figure",
    "styled",
]

STYLE: Any = {"font.family": "DejaVu Sans", "axes.spines.top": False, "axes.spines.right": False}
_F = TypeVar("_F", bound=Callable[..., Any])


def styled(fn: _F) -> _F:
    """Run a chart function inside ``matplotlib.rc_context(STYLE)``: the style never leaks out."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(*args: Any, figsize: tuple[float, float] | None = None, **kwargs: Any) -> tuple[Figure, Any]:
    """``pyplot.subplots`` without pyplot: a new figure and its axes (no backend involved)."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*args, **kwargs)


def figure_title(fig: Figure) -> str:
    """The figure's title: its suptitle, else the first axes title."""
    return fig.get_suptitle() or next((ax.get_title() for ax in fig.axes if ax.get_title()), "")


def save_figure(fig: Figure, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` (200 dpi, its title in the PNG's ``Title`` text) and ``stem.svg``; returns the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    title = figure_title(fig)
    with matplotlib.rc_context(STYLE):
        fig.savefig(paths[0], dpi=200, bbox_inches="tight", metadata={"Title": title} if title else None)
        fig.savefig(paths[1], bbox_inches="tight", metadata={"Date": None, "Title": title or None})
    return paths


class _CommaFormatter(ScalarFormatter):
    """Matplotlib's default tick labels with a decimal comma (Vietnamese)."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return super().__call__(x, pos).replace(".", ",")


def _localise(fig: Figure, lang: str) -> Figure:
    """Vietnamese tick numbers (decimal comma) on every numeric axis; English is left as drawn."""
    if check_lang(lang) == "vi":
        for ax in [*fig.axes, *(child for parent in fig.axes for child in parent.child_axes)]:
            for axis in (ax.xaxis, ax.yaxis):
                if type(axis.get_major_formatter()) is ScalarFormatter:
                    axis.set_major_formatter(_CommaFormatter())
    return fig


def _kpi_label(kpi: str, lang: str) -> str:
    """A KPI on an axis: its display name from the KPI registry, never its raw key."""
    return kpi_name(kpi, lang)


def display_name(name: str) -> str:
    """A scenario or gate identifier as a reader sees it: ``lang_son_2024`` → ``Lang Son 2024``, ``mm1`` → ``MM1``.

    Words of letters are capitalised, words mixing letters and digits upper-cased; a name that
    already has capitals or spaces is kept as written.
    """
    if name != name.lower() or " " in name:
        return name
    words = [w for w in name.replace("-", "_").replace(".", "_").split("_") if w]
    return " ".join(w.upper() if not w.isalpha() and not w.isdigit() else w.capitalize() for w in words) or name


def is_money(kpi: str) -> bool:
    """Whether the KPI is an amount of money (its registry unit is VND or VND/...)."""
    entry = KPIS.get(kpi)
    return entry is not None and entry.unit.split("/")[0] == "VND"


def money_axis(axis: Any, largest: float, lang: str) -> str:
    """Tick labels in millions or billions of VND (no offset text); returns the unit for the axis label.

    ``largest`` is the largest absolute value the axis shows; from a billion up the ticks are in
    billions, else in millions.
    """
    factor, key = (1e9, "chart.money.billion") if abs(largest) >= 1e9 else (1e6, "chart.money.million")
    span = abs(largest) / factor
    decimals = 0 if span >= 10 else 1 if span >= 1 else 2

    def tick(x: float, pos: int | None = None) -> str:
        return fmt_number(x / factor, lang, decimals)

    axis.set_major_formatter(FuncFormatter(tick))
    return t(key, lang)


def _band(frame: pd.DataFrame, level: float) -> pd.DataFrame:
    """Mean and central ``level`` band across replications, per time."""
    wide = frame.pivot_table(index="time_h", columns="replication", values="value")
    lo, hi = (1 - level) / 2, (1 + level) / 2
    return pd.DataFrame(
        {"mean": wide.mean(axis=1), "low": wide.quantile(lo, axis=1), "high": wide.quantile(hi, axis=1)}
    )


RUN_COLORS = ("tab:blue", "tab:green", "tab:purple", "black", "tab:brown", "tab:gray")


def has_event_log(run: RunFolder) -> bool:
    """Whether the folder has a non-empty event log (``trucks.parquet`` or ``trucks.csv.gz``), which the
    ECDF and the stage-level TRS view need."""
    path = run.log_path()
    if path is None:
        return False
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return bool(pq.ParquetFile(path).metadata.num_rows > 0)
    return bool(pd.read_csv(path, nrows=1).shape[0] > 0)
