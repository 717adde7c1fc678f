"""Take the README's two screenshots of the web app: compare results and the replay (``docs/images/app_*.png``).

Runs a short ``compare`` of the 2024 baseline and the 2027 smart-gate proposal into
``results/app-screenshots/``, starts ``run_scenario.py app`` on a free port, and photographs the
Results and Replay pages with Playwright and the system Chromium (``/usr/bin/chromium``)::

    python docs/app_screenshots.py
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results" / "app-screenshots"
IMAGES = ROOT / "docs" / "images"
COMPARE = [
    *("scenarios/lang_son_2024.yaml", "scenarios/smart_gate_2027.yaml", "--days", "3", "--replications", "2"),
    *("--set", "run.warmup_days=1"),
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the app did not answer on {url}")


def _shoot(url: str) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(url, wait_until="networkidle")
        page.locator("section[data-testid='stSidebar']").get_by_text("Results", exact=True).click()
        page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(IMAGES / "app_compare.png"))
        page.locator("section[data-testid='stSidebar']").get_by_text("Replay", exact=True).click()
        page.get_by_role("combobox").first.click()
        page.keyboard.type("smart_gate_2027")
        page.keyboard.press("Enter")
        frame = page.frame_locator("iframe").first
        frame.locator(".js-plotly-plot").wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        frame.get_by_text("Play", exact=True).click()
        page.wait_for_timeout(4000)
        frame.get_by_text("Pause", exact=True).click()
        page.screenshot(path=str(IMAGES / "app_replay.png"))
        browser.close()


def main() -> int:
    """Run the compare (unless it is there), start the app, take both screenshots, stop the app."""
    out = RESULTS / "compare"
    if not (out / "comparison.csv").is_file():
        cmd = [sys.executable, "run_scenario.py", "compare", *COMPARE, "--quiet", "--out", str(out), "--overwrite"]
        subprocess.run(cmd, cwd=ROOT, check=True)
    port = _port()
    app = [sys.executable, "run_scenario.py", "app", "--port", str(port), "--results", str(RESULTS)]
    server = subprocess.Popen(app, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/_stcore/health")
        _shoot(f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"wrote {IMAGES / 'app_compare.png'} and {IMAGES / 'app_replay.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
