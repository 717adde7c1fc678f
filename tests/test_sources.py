"""The sources register: every [S]/[I] tag of the shipped files resolves in docs/sources.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from simulator.scenario.sources import check_sources, default_files, read_register

from .conftest import ROOT


def test_every_tag_of_the_shipped_files_resolves() -> None:
    result = check_sources()
    assert [str(p) for p in result.problems] == []
    scanned = {c.file for c in result.citations}
    assert {"scenarios/lang_son_2024.yaml", "docs/levers.md", "simulator/levers/catalog.py"} <= scanned
    assert sum(c.kind == "S" for c in result.citations) > 100


def test_no_shipped_file_points_outside_the_repository() -> None:
    for path in [*default_files(), ROOT / "docs" / "sources.md", *sorted((ROOT / "tests").glob("*.py"))]:
        if path.name != "test_sources.py":
            assert "domain.md" not in path.read_text(encoding="utf-8"), path


def test_register_entries_have_publication_date_and_url() -> None:
    entries, issues = read_register()
    assert not issues and len(entries) > 50
    for entry in entries.values():
        assert entry.fact and entry.publication and entry.date and entry.url, entry.id


def test_unknown_id_and_s_without_id_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1 # [S] S-nope-2020 made up\nb: 2 # [S] no id\nc: 3 # [I] model arithmetic\n", encoding="utf-8")
    cmd = [sys.executable, str(ROOT / "run_scenario.py"), "validate", "--sources", str(bad)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        f"error: {bad}:1: unknown source id S-nope-2020",
        f"error: {bad}:2: [S] tag without a source id (write [S] S-<id> of docs/sources.md)",
    ]
    assert "Traceback" not in proc.stderr


def test_report_links_each_id_to_an_entry_inside_the_report() -> None:
    import re

    from simulator.report.appendix import linked, sources_block

    note = linked("[I] 400,000 parking [S S-wait-cost-2021, S-yard-charges-2022] <b>")
    assert "&lt;b&gt;" in note and note.count('href="#src-') == 2
    block = sources_block({"S-wait-cost-2021", "S-yard-charges-2022"}, "vi")
    assert set(re.findall(r'href="#src-([^"]+)"', note)) <= set(re.findall(r'id="src-([^"]+)"', block))
    assert "https://tuoitrenews.vn/" in block and 'href="http' not in block and sources_block(set(), "en") == ""
