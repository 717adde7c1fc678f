"""The web app in a real browser: ``run_scenario.py app`` on a free port, driven by Playwright with Debian's Chromium.

Each page in English and Vietnamese, a short run to its end, the report and the changed YAML
downloaded, the replay played for a few seconds (and a day of more than 1,500 trucks timed);
no console errors; screenshots in ``test-artifacts/app/``. Outside CI the test skips when
Chromium, Playwright or Streamlit is missing; in CI (``CI`` set) it fails instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.cli.commands import main as cli
from simulator.report.build import write_report

from .conftest import ROOT, SMALL, require_module, require_tool

ARTIFACTS = ROOT / "test-artifacts" / "app"
BIG = ["--set", "gates.huu_nghi.flows.export.trucks_per_day=1600", "--set", "gates.huu_nghi.stages.customs.servers=40"]
IGNORED = ("favicon", "Failed to load resource")  # the app serves no favicon


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app serving a results folder with a small run and a 1,600-truck-a-day run of the small scenario."""
    chromium = require_tool("chromium", "the app is opened in headless Chromium")
    for module in ("playwright", "streamlit", "plotly"):
        require_module(module, "the browser test drives the app with Playwright")
    root = tmp_path_factory.mktemp("app")
    results, small = root / "results", root / "small.yaml"
    small.write_text(SMALL, encoding="utf-8")
    port = _free_port()
    command = [sys.executable, "run_scenario.py", "app", "--port", str(port), "--results", str(results)]
    env = dict(os.environ, BORDER_SIM_CACHE=str(root / "cache"))
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    # The result folders are made by the CLI while the app starts: the big run (its replay is timed) and the
    # small run with its report (for the Results page), this one into the app's cache so that the short
    # job in the browser reads its replications from there. The report is written without the PNG charts.
    common = ["--days", "2", "--replications", "2", "--quiet", "--no-report"]
    run_a = results / "small" / "run-a"
    try:
        assert cli(["run", str(small), *common, *BIG, "--no-cache", "--out", str(results / "small" / "big")]) == 0
        assert cli(["run", str(small), *common, "--cache-dir", str(root / "cache"), "--out", str(run_a)]) == 0
        write_report([run_a], run_a / "report.html")  # the pages open the newest folder, run-a, first
        _wait_http(url + "/_stcore/health", process)
        yield {"url": url, "chromium": chromium, "results": results, "small": small}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, (process.stdout.read() if process.stdout else b"").decode()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the app did not answer on {url}")


def _goto(page: Any, label: str) -> None:
    page.locator("section[data-testid='stSidebar']").get_by_text(label, exact=True).click()
    page.get_by_role("heading", name=label).first.wait_for(timeout=30_000)
    _settled(page)
    assert not page.locator("[data-testid='stException']").count(), f"a traceback on the page {label}"


def _settled(page: Any) -> None:
    """Wait for the page's script run to end: no element left over from the last page, no running icon."""
    page.wait_for_function(_IDLE, timeout=60_000, polling=100)


_IDLE = (
    "() => !document.querySelector(\"[data-stale='true']\")"
    " && !document.querySelector(\"[data-testid^='stStatusWidgetRunning']\")"
)


@pytest.mark.slow
def test_app_in_chromium(app: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    from simulator.report.i18n import t

    errors: list[str] = []
    timings: dict[str, float] = {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=app["chromium"], args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page.on("console", lambda m: errors.append(f"{m.text} at {m.location}") if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            mark = time.perf_counter()
            phases: dict[str, float] = {}
            page.goto(app["url"], wait_until="domcontentloaded")
            page.get_by_role("heading", name="Scenario").wait_for(timeout=30_000)
            # The language is switched on the light Run page (a switch reruns the page shown).
            for lang, name, keys in (
                ("vi", "Tiếng Việt", ("scenario", "replay", "results", "run")),
                ("en", "English", ("run", "scenario", "results", "replay")),
            ):
                page.get_by_text(name, exact=True).click()
                for key in keys:
                    began = time.perf_counter()
                    _goto(page, t(f"app.page.{key}", lang))
                    shown = time.perf_counter()
                    page.screenshot(path=str(ARTIFACTS / f"{key}.{lang}.png"), full_page=True)
                    phases[f"page_{key}_{lang}_s"] = round(shown - began, 2)
                    phases[f"shot_{key}_{lang}_s"] = round(time.perf_counter() - shown, 2)
                    if (key, lang) == ("scenario", "en"):  # the changed YAML while the page is open
                        began = time.perf_counter()
                        _scenario_download(page)
                        phases["yaml_s"] = round(time.perf_counter() - began, 2)
                        _upload(page, app)  # the short run's scenario, for the pages that follow
            phases["pages_s"] = round(time.perf_counter() - mark, 2)
            for name, step in (
                ("run", lambda p: _short_run(p, app)),
                ("results", _results),
            ):
                mark = time.perf_counter()
                step(page)
                phases[f"{name}_s"] = round(time.perf_counter() - mark, 2)
            timings = {**phases, **_replay(page)}
        finally:
            browser.close()
    (ARTIFACTS / "timings.json").write_text(json.dumps(timings, indent=2), encoding="utf-8")
    real = [e for e in errors if not any(x in e for x in IGNORED)]
    assert real == [], real
    assert timings["replay_load_s"] < 20 and timings["frames_advanced"] > 0


def _scenario_download(page: Any) -> None:
    _goto(page, "Scenario")
    page.get_by_text("gates.huu_nghi", exact=True).click()
    field = page.get_by_label("stages.customs_export.servers", exact=True).first  # Hữu Nghị, the first gate
    field.fill("11")
    field.press("Enter")
    page.get_by_role("button", name="OK").click()
    button = page.get_by_role("button", name="Download the changed scenario (YAML)")
    button.wait_for(timeout=30_000)
    with page.expect_download() as download:
        button.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "extends: lang_son_2024.yaml" in text and "servers: 11" in text


def _upload(page: Any, app: dict[str, Any]) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    _settled(page)  # a file set while the page is being redrawn can be lost
    page.locator("input[type='file']").set_input_files(str(app["small"]))
    try:
        page.get_by_text("Scenario: small ·").wait_for(timeout=60_000)
    except PlaywrightTimeout:
        page.screenshot(path=str(ARTIFACTS / "upload-failed.png"), full_page=True)
        shown = page.locator("[data-testid='stMain']").inner_text()[:1500]
        raise AssertionError(f"the uploaded scenario was not shown; the page said:\n{shown}") from None


def _short_run(page: Any, app: dict[str, Any]) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    _goto(page, "Run & compare")
    page.get_by_text("Scenario: small").first.wait_for(timeout=30_000)
    page.get_by_text("Write the charts and the report", exact=True).click()  # the Results page opens run-a's
    page.locator("code", has_text="--no-report").first.wait_for(timeout=30_000)
    for label, value, shown in (
        ("Days", "2", "--days 2 "),
        ("Replications", "2", "--replications 2 "),
        ("warm-up days", "1", "--replications 2 "),  # the scenario's own: no --set
        ("Result folder name (under the results folder)", "small/app-run", "small/app-run"),
    ):
        box = page.get_by_label(label, exact=True)
        box.fill(value)
        box.press("Enter")
        page.locator("code", has_text=shown).first.wait_for(timeout=30_000)  # the rerun took the value
    page.get_by_role("button", name="Start").click()
    finished = page.get_by_text("Finished; results in")
    with contextlib.suppress(PlaywrightTimeout):
        finished.wait_for(timeout=120_000)  # the job list follows the progress by itself
    page.screenshot(path=str(ARTIFACTS / "run-finished.png"), full_page=True)
    assert finished.count(), "the short run did not finish"
    manifest = json.loads((app["results"] / "small" / "app-run" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["cached_replications"] == 2  # the app's jobs use the replication cache (run-a filled it)


def _results(page: Any) -> None:
    _goto(page, "Results")
    page.get_by_role("combobox").first.click()
    page.keyboard.type("small/run-a")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Report (HTML)", exact=True).wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 3
    with page.expect_download() as download:
        page.get_by_role("button", name="Report (HTML)", exact=True).click()
    assert b"<html" in Path(download.value.path()).read_bytes()[:2000].lower()
    page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)


def _replay(page: Any) -> dict[str, float]:
    _goto(page, "Replay")
    began = time.perf_counter()
    page.get_by_role("combobox").first.click()
    page.keyboard.type("small/big")
    page.keyboard.press("Enter")
    page.get_by_text("1,6", exact=False).first.wait_for(timeout=30_000)  # the caption: 1,6xx trucks this day
    frame = page.frame_locator("iframe").first
    frame.locator(".js-plotly-plot").wait_for(timeout=30_000)
    frame.locator(".updatemenu-button").first.wait_for()
    loaded = time.perf_counter() - began
    clock = frame.locator("text", has_text="local time 20").first
    title = clock.text_content()
    frame.get_by_text("Play", exact=True).click()
    page.wait_for_timeout(3000)
    frame.get_by_text("Pause", exact=True).click()
    later = clock.text_content()
    page.screenshot(path=str(ARTIFACTS / "replay.png"), full_page=True)
    caption = page.get_by_text("trucks this day").first.inner_text()
    return {"replay_load_s": round(loaded, 2), "frames_advanced": float(title != later), "caption": caption}  # type: ignore[dict-item]
