"""HTML building blocks of the report: escaping, tables, figures as embedded PNG, KPI cells, print CSS."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from typing import Any

from matplotlib.figure import Figure

from simulator.analysis.registry import KPIS, STUDY_KPIS
from simulator.report.i18n import fmt_ci, fmt_number, fmt_percent, t

__all__ = [
    "CSS",
    "PERCENT_KPIS",
    "Raw",
    "breakable",
    "bullets",
    "compact",
    "esc",
    "figure_html",
    "kpi_ci",
    "kpi_decimals",
    "kpi_number",
    "kpi_range",
    "para",
    "table",
]

PERCENT_KPIS = frozenset(k for k, entry in KPIS.items() if entry.percent)

CSS = """
@page { size: A4; margin: 15mm }
html { font-family: "DejaVu Sans", "Noto Sans", "Segoe UI", Arial, sans-serif; font-size: 10.5pt; color: #1a1a1a }
body { max-width: 180mm; margin: 0 auto; padding: 6mm 4mm; line-height: 1.4 }
h1 { font-size: 17pt; color: #1f4e79; margin: 0 0 4pt }
h2 { font-size: 13.5pt; color: #1f4e79; border-bottom: 1.2pt solid #1f4e79; padding-bottom: 2pt; margin: 18pt 0 6pt }
h3 { font-size: 11.5pt; margin: 12pt 0 4pt }
h4 { font-size: 10pt; margin: 8pt 0 3pt }
p, li { margin: 3pt 0 }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 10pt; font-size: 8.5pt }
th, td { border: 0.5pt solid #c8c8c8; padding: 2pt 4pt; text-align: left; vertical-align: top;
  overflow-wrap: break-word }
table.fixed { table-layout: fixed }
th { background: #eef2f7; font-weight: bold }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums }
figure { margin: 8pt 0 12pt }
figure img { width: 100%; height: auto; display: block }
figcaption { font-size: 8.5pt; color: #555; margin-top: 2pt }
.subtitle, .note { color: #555; font-size: 9pt }
.warn { color: #a40000; font-weight: bold }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 8pt; word-break: break-all }
nav ol { margin: 2pt 0 }
nav.contents { font-size: 9pt; margin: 10pt 0 }
.claim { font-weight: bold; color: #1f4e79 }
table.capacity td.num { white-space: normal }
@media print {
  html { font-size: 9.5pt }
  body { max-width: none; padding: 0 }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid }
  figure, table, tr, ul.findings, .keep { break-inside: avoid; page-break-inside: avoid }
  table.long { break-inside: auto; page-break-inside: auto }
  thead { display: table-header-group }
  section.major { break-before: page; page-break-before: always }
  a { color: inherit; text-decoration: none }
}
"""


class Raw(str):
    """Text that is already HTML and must not be escaped again."""


def esc(value: Any) -> str:
    """HTML-escape ``value`` unless it is :class:`Raw`."""
    return value if isinstance(value, Raw) else html.escape(str(value), quote=True)


def para(text: Any, cls: str = "") -> Raw:
    """A ``<p>``, with a class when given."""
    attr = f' class="{cls}"' if cls else ""
    return Raw(f"<p{attr}>{esc(text)}</p>")


def bullets(items: Iterable[Any], cls: str = "") -> Raw:
    """A ``<ul>`` of escaped items (empty string when there are none)."""
    items = list(items)
    if not items:
        return Raw("")
    attr = f' class="{cls}"' if cls else ""
    return Raw(f"<ul{attr}>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")


def table(
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    numeric: Iterable[int] = (),
    cls: str = "",
    widths: Sequence[int] = (),
) -> Raw:
    """A table with a header row; ``numeric`` columns are right-aligned, ``widths`` (percent) fix the layout."""
    right = set(numeric)
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if i in right else ''}>{esc(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    cols = "".join(f'<col style="width:{w}%">' for w in widths)
    classes = " ".join(filter(None, [cls, "fixed" if widths else ""]))
    attr = f' class="{classes}"' if classes else ""
    colgroup = f"<colgroup>{cols}</colgroup>" if cols else ""
    return Raw(f"<table{attr}>{colgroup}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def breakable(path: str) -> Raw:
    """A dotted key path that may wrap after each dot."""
    return Raw(esc(path).replace(".", ".<wbr>"))


def figure_html(fig: Figure, caption: str, dpi: int = 110) -> Raw:
    """The figure as an embedded PNG (a ``data:`` URI) with its caption."""
    title = fig.get_suptitle() or next((ax.get_title() for ax in fig.axes if ax.get_title()), "")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return png_html(buffer.getvalue(), title, caption)


def png_html(png: bytes, title: str, caption: str) -> Raw:
    """PNG bytes as an embedded image (a ``data:`` URI) with ``title`` as its alt text and its caption."""
    data = base64.b64encode(png).decode("ascii")
    return Raw(
        f'<figure><img src="data:image/png;base64,{data}" alt="{esc(title)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def kpi_decimals(kpi: str) -> int:
    """Decimals a KPI is shown with (of its percentage, for a share), from the KPI registry; 1 if unknown."""
    entry = KPIS.get(kpi) or STUDY_KPIS.get(kpi)
    return entry.decimals if entry is not None else 1


def kpi_ci(kpi: str, entry: dict[str, Any] | None, lang: str, short: bool = True) -> str:
    """``{mean, ci_low, ci_high}`` of a KPI as text (shares as percentages); a dash when absent."""
    if not entry:
        return "–"
    percent = kpi in PERCENT_KPIS
    decimals = kpi_decimals(kpi)
    return fmt_ci(entry.get("mean"), entry.get("ci_low"), entry.get("ci_high"), lang, decimals, short, percent)


def kpi_range(kpi: str, entry: dict[str, Any] | None, lang: str) -> str:
    """The 95% CI of a KPI alone, ``95% CI 1.2 to 3.4``; a dash without finite bounds."""
    entry = entry or {}
    low, high = kpi_number(kpi, entry.get("ci_low"), lang), kpi_number(kpi, entry.get("ci_high"), lang)
    return "–" if "–" in (low, high) else t("ci.range", lang, low=low, high=high)


def kpi_number(kpi: str, value: Any, lang: str) -> str:
    """One KPI value as text (shares as percentages)."""
    if kpi in PERCENT_KPIS:
        return fmt_percent(value, lang, kpi_decimals(kpi))
    return fmt_number(value, lang, kpi_decimals(kpi))


def compact(value: Any, limit: int = 90) -> str:
    """A scenario value in one short line: mappings as ``k: v``, lists comma-separated, cut at ``limit``."""
    if isinstance(value, dict):
        text = ", ".join(f"{k}: {compact(v, limit)}" for k, v in value.items()) or "{}"
    elif isinstance(value, list):
        text = "[" + ", ".join(compact(v, limit) for v in value) + "]"
    elif isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
