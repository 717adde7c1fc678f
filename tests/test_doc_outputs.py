"""The console outputs (docs/outputs.py) and stated figures (docs/figures.py) of the documentation, regenerated.

Each shown output block is one test, so that pytest-xdist spreads them over its workers. A stated
figure read from the ``capacity.csv`` of a ``capacity`` command whose output is shown is checked
against the table that very run wrote (the same command, run once); the other figures run their
own commands.
"""

from __future__ import annotations

import importlib.util
import shlex
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"docs_{name}", ROOT / "docs" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


OUT, FIG = _load("outputs"), _load("figures")
CHECKED = [s for page in OUT.DOCS for s in OUT.shown_outputs(page)[0] if not s.manual]  # what outputs.py reruns
STATED = [f for f in FIG.stated() if f[1] in FIG.CHEAP]  # (page, name, tol, value) of the figures figures.py checks
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


def _capacity_key(shown: object) -> tuple[str, ...] | None:
    """The table key (docs/figures.py) of the ``capacity`` command of a shown block, if it has one."""
    for command, _ in shown.steps:  # type: ignore[attr-defined]
        args = shlex.split(command)
        if args[:3] == ["python", "run_scenario.py", "capacity"]:
            return FIG.capacity_command(args[2:])
    return None


SHOWN_KEYS = {_capacity_key(s) for s in CHECKED} - {None}
UNSHOWN_KEYS = sorted({FIG.CHEAP[name].key for _, name, _, _ in STATED} - SHOWN_KEYS)


def _check_figures(key: tuple[str, ...]) -> None:
    """Every stated figure of the ``capacity`` table ``key`` agrees with it within its tolerance."""
    lines = [
        FIG.verdict(p, name, tol, value, FIG.CHEAP[name]())
        for p, name, tol, value in STATED
        if FIG.CHEAP[name].key == key
    ]
    assert all(ok for ok, _ in lines), "\n".join(line for _, line in lines)


def test_outputs_and_figures_to_check_are_found() -> None:
    """The blocks and figures the slow tests below check are there (a parser that finds nothing would pass)."""
    assert len(CHECKED) >= 6
    assert len(STATED) >= 2 and all(isinstance(FIG.CHEAP[f[1]], FIG.CapacityFigure) for f in STATED)
    assert SHOWN_KEYS and UNSHOWN_KEYS  # figures of shown capacity runs, and the README's own capacity run
    names = {name for _, name, _, _ in FIG.stated()}
    assert names <= set(FIG.CHEAP) | set(FIG.SPEED), names - set(FIG.CHEAP) - set(FIG.SPEED)


def test_the_outputs_script_reports_agreement_and_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python docs/outputs.py`` runs each marked block and exits 1 when one differs."""
    page = tmp_path / "page.md"
    marked = "<!-- output: tol=5% -->\n```console\n$ echo {}\n{}\n```\n"
    page.write_text(marked.format("cleared 100", "cleared 102") + "\n" + marked.format("a", "a"), encoding="utf-8")
    monkeypatch.setattr(OUT, "ROOT", tmp_path)
    monkeypatch.setattr(OUT, "DOCS", [page])
    assert OUT.main([]) == 0
    assert capsys.readouterr().out.count("ok ") == 2
    page.write_text(marked.format("cleared 100", "cleared 110"), encoding="utf-8")
    assert OUT.main([]) == 1
    assert "110 is now 100" in capsys.readouterr().out


def test_the_figures_script_reports_agreement_and_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python docs/figures.py`` compares each marked figure within its tolerance; an unknown one is exit 2."""
    page = tmp_path / "page.md"
    monkeypatch.setattr(FIG, "ROOT", tmp_path)
    monkeypatch.setattr(FIG, "DOCS", [page])
    monkeypatch.setattr(FIG, "CHEAP", {"cap": lambda: 1_030.0})
    page.write_text("<!-- figure: cap tol=3% --> **1,000 trucks**", encoding="utf-8")
    assert FIG.main([]) == 0 and "ok    cap: text 1000, now 1030" in capsys.readouterr().out
    page.write_text("<!-- figure: cap tol=2% --> **1,000 trucks**", encoding="utf-8")
    assert FIG.main([]) == 1 and "FAIL  cap" in capsys.readouterr().out
    page.write_text("<!-- figure: other tol=2% --> 1", encoding="utf-8")
    assert FIG.main([]) == 2


def test_a_shown_capacity_command_is_the_key_of_its_figures() -> None:
    command = 'python run_scenario.py capacity a.yaml --target "x<=1" --jobs 2 --days 10'
    assert FIG.capacity_command(shlex.split(command)[2:]) == ("capacity", "a.yaml", "--target", "x<=1", "--days", "10")
    assert FIG.CapacityFigure("x<=1", options=("--days", "10"), scenarios=("a.yaml",)).key == FIG.capacity_command(
        ["capacity", "a.yaml", "--target", "x<=1", "--jobs=2", "--days", "10"]
    )


@pytest.mark.slow
@pytest.mark.parametrize("shown", CHECKED, ids=lambda s: s.where)
def test_shown_output_matches_its_command(shown: object, tmp_path: Path) -> None:
    """One shown output (docs/outputs.py) rerun as written; the figures stated from its capacity.csv checked on it."""
    folder = tmp_path / "work"
    folder.mkdir()
    why = OUT.check(shown, folder)
    assert why is None, f"{shown.where}: {why}"  # type: ignore[attr-defined]
    key = _capacity_key(shown)
    if key in {FIG.CHEAP[name].key for _, name, _, _ in STATED}:
        tables = sorted(folder.glob("results/**/capacity.csv"))
        assert len(tables) == 1, tables
        FIG.read_capacity_table(key, tables[0])
        _check_figures(key)  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("key", UNSHOWN_KEYS, ids=" ".join)
def test_stated_figures_match_their_commands(key: tuple[str, ...]) -> None:
    """``docs/figures.py`` runs a capacity command whose output no page shows; its stated figures agree with it."""
    _check_figures(key)
