"""The Vietnamese report is Vietnamese all the way: no English word outside names, no fallback mark.

Each shipped scenario is run for 2 days and 2 replications (the 2025 baseline and the 2027 pilot as a
comparison, every other one as a plain run); its English and Vietnamese reports are built, and every
word of 3 or more ASCII letters of the Vietnamese report's visible text that also appears in the English
report is listed, unless it is a name (:data:`ALLOWED`). Visible text leaves out tags, scripts, styles,
``<code>`` (identifiers of the scenario file, key paths, commands and values as written), path-like
tokens (file names, ``1088/2–1089``, dates) and identifiers (``huu_nghi.handover``, ``capacity.json``).
The fallback of an untranslated scenario text is checked too.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from simulator.cli.commands import main
from simulator.report.build import build_report
from simulator.report.texts import UNTRANSLATED

from .conftest import ROOT

pytestmark = pytest.mark.slow

SHORT = ["--days", "2", "--replications", "2", "--set", "run.warmup_days=0", "--quiet"]
ALONE = ["lang_son_2024", "lang_son_2024_jan_apr", "smart_gate_2030"]
EXAMPLES = ["mm1", "tandem"]
#: Days of the Tết closure and the pre-registered-only disruption, which must fall in the run.
EXTRA = {"lang_son_2024_jan_apr": ["--set", "run.start_date=2024-02-13", "--days", "3"]}

#: Names a Vietnamese text keeps: ASCII parts of place names, acronyms and units, software, method names.
ALLOWED = {
    # places, organisations and proper names (ASCII parts of Vietnamese names)
    *("chi", "nam", "thanh", "youyiguan", "pingxiang", "viettel", "hanoi", "guangxi", "hoa"),  # "hoa": Hoa Lư
    # acronyms and units
    *("vnd", "km", "trs", "kpi", "kpis", "pdf", "mser", "stress", "des", "utc", "anpr", "vnaccs", "aeo", "agv"),
    *("tntx", "wco", "ecdf", "html", "png", "svg", "csv", "json", "yaml", "sha", "crc", "pcg", "cpu", "cpus"),
    # software and methods
    *("simpy", "numpy", "scipy", "pandas", "pydantic", "pyyaml", "matplotlib", "python", "git", "linux"),
    *("seedsequence", "seed", "spawn", "key", "poisson", "fifo", "student", "erlang", "gamma", "logic"),
    *("border", "gate", "sim"),  # the package name border-gate-sim
    *("rho", "capacity", "tandem"),  # a Greek letter, a command, a scenario name
    # Vietnamese words written in ASCII letters, and loanwords of Vietnamese
    *("sang", "khu", "phi", "quan", "long", "container", "logistics", "byte"),
}

_PATHLIKE = re.compile(r"\S*/\S*|\S*\w[._]\w\S*")
_WORD = re.compile(r"(?<![\w])[A-Za-z]{3,}(?![\w])")


def visible_text(page: str) -> str:
    """The text a reader sees, without tags, scripts, styles, ``<code>`` and path-like tokens."""
    page = re.sub(r"<(script|style|code)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return _PATHLIKE.sub(" ", page)


def english_left(en: str, vi: str) -> list[str]:
    """The words of the Vietnamese page that are words of the English page and not allowed names."""
    english = {w.lower() for w in _WORD.findall(visible_text(en))}
    left = {w for w in _WORD.findall(visible_text(vi)) if w.lower() in english and w.lower() not in ALLOWED}
    return sorted(left)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """``name -> (English HTML, Vietnamese HTML)`` of every shipped scenario's short run."""
    out = tmp_path_factory.mktemp("vi")
    folders: dict[str, Path] = {}
    base, alt = ROOT / "scenarios/lang_son_2025.yaml", ROOT / "scenarios/smart_gate_2027.yaml"
    assert main(["compare", str(base), str(alt), "--out", str(out / "compare"), *SHORT, "--no-report"]) == 0
    folders["compare"] = out / "compare"
    paths = [ROOT / f"scenarios/{n}.yaml" for n in ALONE] + [ROOT / f"scenarios/examples/{n}.yaml" for n in EXAMPLES]
    for path in paths:
        args = ["run", str(path), "--out", str(out / path.stem), *SHORT, *EXTRA.get(path.stem, []), "--no-report"]
        assert main(args) == 0
        folders[path.stem] = out / path.stem
    return {name: (build_report([d], lang="en"), build_report([d], lang="vi")) for name, d in folders.items()}


@pytest.mark.parametrize("name", ["compare", *ALONE, *EXAMPLES])
def test_no_english_left_in_vietnamese_report(reports: dict[str, tuple[str, str]], name: str) -> None:
    en, vi = reports[name]
    left = english_left(en, vi)
    assert not left, f"English words left in the Vietnamese report of {name}: {', '.join(left)}"
    assert UNTRANSLATED.strip() not in vi, f"an untranslated scenario text in the Vietnamese report of {name}"


def test_checker_finds_english(reports: dict[str, tuple[str, str]]) -> None:
    """The word check is not vacuous: the English report checked against itself is full of English."""
    en, _ = reports["lang_son_2024"]
    left = english_left(en, en)
    assert {"customs", "quarantine", "trucks"} <= {w.lower() for w in left}


def test_scenario_texts_translated(reports: dict[str, tuple[str, str]]) -> None:
    """Descriptions, notes, lever texts and class terms of the shipped files reach the Vietnamese report."""
    _, vi = reports["lang_son_2024"]
    assert "Trái cây tươi xuất khẩu" in vi and "Kiểm dịch thực vật" in vi
    assert "Na Hình và Nà Nưa không thông quan hàng hóa" in vi
    _, vi = reports["compare"]
    assert "Làn xe tự hành (AGV) trên tuyến đường chuyên dụng 1119–1120" in vi
    assert "luồng xanh" in vi


def _short(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios/examples/mm1.yaml'}\n{body}", encoding="utf-8")
    return path


def test_missing_translation_is_marked(tmp_path: Path) -> None:
    path = _short(tmp_path, 'description: An M/M/1 queue written in English only\ndescription_vi: ""\n')
    assert main(["run", str(path), "--out", str(tmp_path / "r"), *SHORT, "--no-report"]) == 0
    vi = build_report([tmp_path / "r"], lang="vi")
    assert "An M/M/1 queue written in English only" + UNTRANSLATED in vi
    en = build_report([tmp_path / "r"], lang="en")
    assert UNTRANSLATED.strip() not in en


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("description_vi: " + "x" * 2001 + "\n", "description_vi: text of 2,001 characters; the limit is 2,000"),
        (
            "gates:\n  gate:\n    stages:\n      server:\n        description: " + "y" * 2500 + "\n",
            "gates.gate.stages.server.description: text of 2,500 characters",
        ),
        ("notes: [one]\nnotes_vi: [một, hai]\n", "notes_vi.1: translates no entry of notes (it has 1)"),
    ],
)
def test_bad_texts_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, expected: str) -> None:
    path = _short(tmp_path, body)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert f"{path}:" in err
