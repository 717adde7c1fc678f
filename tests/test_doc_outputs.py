"""The console outputs shown in the documentation are regenerated and compared (docs/outputs.py)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _outputs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_outputs", ROOT / "docs" / "outputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


OUT = _outputs()
TABLE = [
    "lang_son_2024: sweep (2 points) (2/3)",
    "┏━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━┓",
    "┃ kpi       ┃  mean ┃ ci_low ┃",
    "┡━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━┩",
    "│ cleared   │ 1,333 │  1,311 │",
    "│ time_in_h │  5.15 │  4.978 │",
    "└───────────┴───────┴────────┘",
    "results in results/sweep-20261202T103200Z (0 replications read from the cache, 8 run)",
]


def test_every_shown_output_is_marked_and_found() -> None:
    """Each console block that shows output is checked or says why not; the parser finds them."""
    found, problems = [], []
    for page in OUT.DOCS:
        shown, bad = OUT.shown_outputs(page)
        found += shown
        problems += bad
    assert not problems, "\n".join(problems)
    pages = {s.file.name for s in found}
    assert {"experiments.md", "dask.md"} <= pages
    assert sum(len(s.steps) for s in found) >= 8
    assert all(any(out for _, out in s.steps) for s in found)  # each shows some output


def test_an_unmarked_output_block_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "page.md"
    monkeypatch.setattr(OUT, "ROOT", tmp_path)
    page.write_text("Text\n\n```console\n$ python run_scenario.py cache-info\n.sim-cache: 1 cached\n```\n")
    shown, problems = OUT.shown_outputs(page)
    assert not shown and len(problems) == 1 and "without an 'output:' marker" in problems[0]


def test_the_same_output_with_other_paths_and_widths_agrees() -> None:
    now = [line.replace("  1,311", " 1,311") for line in TABLE]  # a narrower column
    now[-1] = "results in results/sweep-20991231T000000Z (0 replications read from the cache, 8 run)"
    assert OUT.output_difference(TABLE, now, 0.05) is None


@pytest.mark.parametrize(
    ("old", "new"),
    [("ci_low", "ci_lo"), ("cleared", "cleared/day"), ("(2/3)", "(2/4)"), ("8 run", "8 done")],
)
def test_a_changed_label_or_column_name_fails(old: str, new: str) -> None:
    now = [line.replace(old, new) for line in TABLE]
    assert now != TABLE
    assert OUT.output_difference(TABLE, now, 0.05) is not None


def test_numbers_agree_within_the_stated_tolerance_only() -> None:
    close = [line.replace("5.15 ", "5.30 ") for line in TABLE]  # +2.9%
    far = [line.replace("5.15 ", "5.60 ") for line in TABLE]  # +8.7%
    assert OUT.output_difference(TABLE, close, 0.05) is None
    assert "5.15 is now 5.6" in (OUT.output_difference(TABLE, far, 0.05) or "")
    assert OUT.output_difference(TABLE, close, 0.01) is not None


def test_an_excerpt_skips_lines_but_not_its_own() -> None:
    excerpt = [TABLE[0], "...", TABLE[4], "...", TABLE[-1]]
    assert OUT.output_difference(excerpt, TABLE, 0.05) is None
    assert OUT.output_difference(excerpt, [line for line in TABLE if "cleared" not in line], 0.05) is not None
    assert OUT.output_difference(TABLE[:-1], TABLE, 0.05) is not None  # unshown trailing lines fail


def test_console_steps_join_continuations_and_split_outputs() -> None:
    body = ["$ python run_scenario.py sweep a.yaml \\", "    --days 7", "table", "$ echo done", "done"]
    assert OUT.console_steps(body) == [
        ("python run_scenario.py sweep a.yaml --days 7", ["table"]),
        ("echo done", ["done"]),
    ]


@pytest.mark.slow
def test_shown_outputs_match_their_commands() -> None:
    """``docs/outputs.py`` reruns every shown output (but the manual ones) and finds it as shown."""
    done = subprocess.run(
        [sys.executable, "docs/outputs.py"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("ok ") >= 6, done.stdout
