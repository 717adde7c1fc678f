"""The report in a real browser: the system Chromium through Playwright, and its PDF's first page.

Outside CI these tests skip when Chromium, Playwright or pypdf is missing; in CI (``CI`` set,
``.ci/run`` installs them) they fail instead. Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.cli.commands import main
from simulator.report.answer import CAPACITY_HEADING
from simulator.report.build import print_pdf, write_report
from simulator.report.i18n import t

from .conftest import ROOT, SMALL, require_module, require_tool

LANGS = ("en", "vi")
ARTIFACTS = ROOT / "test-artifacts" / "browser"


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium (Debian's ``chromium``), which Playwright drives through ``executable_path``."""
    return require_tool("chromium", "the browser test opens the report in headless Chromium")


@pytest.fixture(scope="session")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The English and Vietnamese reports of a small two-scenario ``compare`` folder (3 days, 2 replications)."""
    root = tmp_path_factory.mktemp("browser")
    base, alt = root / "small.yaml", root / "small_fast.yaml"
    base.write_text(SMALL, encoding="utf-8")
    data = yaml.safe_load(SMALL)
    data["name"], data["gates"]["huu_nghi"]["stages"]["customs"]["servers"] = "small_fast", 4
    alt.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = root / "compare"
    args = ["compare", str(base), str(alt), "--days", "3", "--replications", "2", "--quiet", "--no-cache"]
    assert main([*args, "--out", str(out), "--no-report"]) == 0
    return {lang: write_report([out], out / f"report.{lang}.html", lang=lang)[0] for lang in LANGS}


@pytest.fixture(scope="session")
def pdfs(reports: dict[str, Path], chromium: str) -> dict[str, Path]:
    """Each report printed to PDF by the project's own :func:`print_pdf` (headless Chromium)."""
    return {lang: print_pdf(html, html.with_suffix(".pdf")) for lang, html in reports.items()}


def _open(chromium: str, html: Path, shot: Path) -> dict[str, Any]:
    """Load ``html`` in Chromium; the console errors, page errors, image sizes; a full-page screenshot."""
    require_module("playwright", "the browser test drives Chromium with Playwright for Python")
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(html.resolve().as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => ({alt: e.alt, complete: e.complete, width: e.naturalWidth}))"
            )
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    return {"errors": errors, "images": images}


@pytest.mark.parametrize("lang", LANGS)
def test_report_opens_in_chromium(reports: dict[str, Path], chromium: str, lang: str) -> None:
    shot = ARTIFACTS / f"report.{lang}.png"
    seen = _open(chromium, reports[lang], shot)
    assert seen["errors"] == [], f"console errors in the {lang} report: {seen['errors']}"
    images = seen["images"]
    assert len(images) >= 3  # the forest plot, the backlog and the time in system at least
    broken = [img["alt"] for img in images if not (img["complete"] and img["width"] > 0)]
    assert not broken, f"images that do not decode in the {lang} report: {broken}"
    assert shot.stat().st_size > 20_000


def _page_texts(pdf: Path) -> list[str]:
    require_module("pypdf", "the PDF's text is read with pypdf")
    from pypdf import PdfReader

    # NFKC undoes the PDF's ligatures ("ﬀ" → "ff")
    return [unicodedata.normalize("NFKC", page.extract_text() or "") for page in PdfReader(pdf).pages]


@pytest.mark.parametrize("lang", LANGS)
def test_report_prints_to_pdf(pdfs: dict[str, Path], lang: str) -> None:
    pdf = pdfs[lang]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = _page_texts(pdf)
    text = "".join(pages)
    assert len(pages) >= 2 and ("small_fast" in text or "Small Fast" in text)
    (ARTIFACTS / pdf.name).parent.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / pdf.name).write_bytes(pdf.read_bytes())


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_page_one_holds_the_capacity_table(pdfs: dict[str, Path], lang: str) -> None:
    first = " ".join(_page_texts(pdfs[lang])[0].split())
    assert CAPACITY_HEADING[lang] in first
    assert t("h.answer", lang) in first and t("lbl.binding_stage", lang) in first
    assert t("h.key_differences", lang) in first  # the key differences follow the table on page 1
