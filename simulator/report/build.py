"""One self-contained HTML decision report (English or Vietnamese) built from saved result folders.

The report never reruns the model and never imports SimPy: it reads ``run`` folders and
``compare`` folders (see :mod:`simulator.report.inputs`) and writes one HTML file whose CSS is
inline and whose charts are embedded PNG ``data:`` URIs, so it can be mailed or archived as is
and prints cleanly on A4. Sections: the answer first (page 1: capacity gate by gate, the
proposal's claim against it, key differences, money), "How sure are we" when an uncertainty folder
is given (the answer's spread over the assumptions, see :mod:`simulator.report.uncertainty`), results
with confidence intervals and charts, scenario and proposal, the method as a STRESS-DES checklist,
and an appendix with every parameter and its [S]/[I]/[A] source tag, every value read from the files.

``write_report(..., pdf=True)`` also prints the HTML to PDF with headless Chromium or Chrome.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from simulator.experiments.files import atomic_write_text
from simulator.report.answer import answer_section
from simulator.report.appendix import appendix_section
from simulator.report.charts import charts_html
from simulator.report.html import CSS, esc
from simulator.report.i18n import check_lang, t
from simulator.report.inputs import ReportInputs, load_inputs
from simulator.report.money import money_section
from simulator.report.scenario_section import method_section, scenario_section
from simulator.report.sections import results_section
from simulator.report.uncertainty import uncertainty_section

__all__ = ["BROWSERS", "PdfUnavailable", "build_report", "find_browser", "render", "write_report"]

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


class PdfUnavailable(RuntimeError):
    """The PDF could not be made (no headless Chromium or Chrome, or it failed); the HTML was written."""


def build_report(
    folders: Sequence[str | Path],
    lang: str = "en",
    saved_charts: Mapping[str, Path] | None = None,
    allow_mixed: bool = False,
) -> str:
    """The HTML report of one or more ``run`` and/or ``compare`` folders (and study folders).

    ``saved_charts`` (chart name → PNG, see :func:`simulator.report.charts.saved_charts`) are
    embedded instead of being drawn again; they must come from the same folders and language.
    ``folders`` may include ``capacity`` and uncertainty folders; a capacity folder searched on other
    scenarios than the runs is refused unless ``allow_mixed``, which puts a warning on page 1 instead.

    Raises
    ------
    ValueError
        ``lang`` is not a supported language (the message lists them).
    ScenarioError
        A folder is missing or incomplete (the missing file is named), or the folders hold
        scenarios with different sets of gates, or a capacity folder of other scenarios
        (without ``allow_mixed``).
    """
    check_lang(lang)
    return render(load_inputs(folders, allow_mixed), lang, saved_charts)


def render(inp: ReportInputs, lang: str, saved_charts: Mapping[str, Path] | None = None) -> str:
    """The HTML of already loaded inputs."""
    names = ", ".join(inp.labels)
    created = max((str(r.manifest.get("created_utc", "")) for r in inp.runs), default="") or "–"
    folders = ", ".join(str(f) for f in inp.folders)
    sure = uncertainty_section(inp, lang)
    toc = [("answer", "h.answer"), *([("sure", "h.sure")] if sure else []), ("results", "h.results")]
    toc += [("charts", "h.charts")]
    toc += [("scenario", "h.scenario"), ("method", "h.method"), ("appendix", "h.appendix")]
    nav = " · ".join(f'<a href="#{anchor}">{esc(t(key, lang))}</a>' for anchor, key in toc)
    header = (
        f"<header><h1>{esc(t('report.title', lang, names=names))}</h1>"
        f'<p class="subtitle">{esc(t("report.subtitle", lang, folders=folders, created=created))}</p></header>'
    )
    contents = f'<nav class="contents"><b>{esc(t("h.contents", lang))}</b>: {nav}</nav>'
    body = (
        answer_section(inp, lang, money_section(inp, lang, whole_system_only=True, level=3))
        + contents
        + sure
        + results_section(inp, lang, charts_html(inp, lang, saved_charts))
        + money_section(inp, lang)
        + scenario_section(inp, lang)
        + method_section(inp, lang)
        + appendix_section(inp, lang)
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(t('report.title', lang, names=names))}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{header}\n<main>{body}</main>\n</body>\n</html>\n"
    )


def write_report(
    folders: Sequence[str | Path],
    out: str | Path,
    lang: str = "en",
    pdf: bool = False,
    saved_charts: Mapping[str, Path] | None = None,
    allow_mixed: bool = False,
) -> list[Path]:
    """Write the report to ``out`` (HTML) and, with ``pdf``, next to it as ``.pdf``; returns the files written.

    The HTML is written first, so it exists even when :class:`PdfUnavailable` is raised.
    ``saved_charts`` is as for :func:`build_report`.
    """
    html = build_report(folders, lang, saved_charts, allow_mixed)
    out = Path(out)
    atomic_write_text(out, html)
    written = [out]
    if pdf:
        written.append(print_pdf(out, out.with_suffix(".pdf")))
    return written


def find_browser() -> str | None:
    """The first headless-capable Chromium or Chrome on ``PATH``, or None."""
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def print_pdf(html: Path, pdf: Path, timeout: float = 180.0) -> Path:
    """Print ``html`` to ``pdf`` (A4, from the page's own ``@page`` rule) with headless Chromium or Chrome."""
    browser = find_browser()
    if browser is None:
        raise PdfUnavailable(
            f"PDF output needs headless Chromium or Chrome ({', '.join(BROWSERS)} on PATH) and none was found; "
            f"the HTML report was written to {html} (open it in a browser and print it to PDF)"
        )
    with tempfile.TemporaryDirectory(prefix="report-chrome-") as profile:
        command = [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--print-to-pdf-no-header",
            f"--print-to-pdf={pdf.resolve()}",
            html.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            message = f"{browser} could not print the PDF ({exc}); the HTML report was written to {html}"
            raise PdfUnavailable(message) from None
    if proc.returncode != 0 or not pdf.is_file():
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise PdfUnavailable(f"{browser} could not print the PDF ({detail[0]}); the HTML report was written to {html}")
    return pdf
