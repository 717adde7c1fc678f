"""The report leads with the answer: page 1's capacity table, the claim, key differences, money; a readable appendix.

A two-gate baseline and a proposal that adds a server at gate ``a`` (with a ``claim:`` of ×2–3
at that gate) are compared and searched for capacity with short settings; the report is built
from the compare and capacity folders, and every figure of page 1 is checked against the
saved ``capacity.csv`` it was read from.
"""

from __future__ import annotations

import html as html_module
import re
from pathlib import Path

import pandas as pd
import pytest

from simulator.cli.commands import main
from simulator.report.answer import CAPACITY_HEADING, claim_verdict
from simulator.report.build import build_report
from simulator.report.i18n import fmt_number, t

BASE = """\
name: {name}
description: two independent gates
description_vi: hai cửa khẩu độc lập
run: {{start_date: 2024-01-01, days: 12, warmup_days: 2, replications: 4, seed: 5}}
cargo_classes: {{general: {{description: any cargo, description_vi: mọi loại hàng}}}}
gates:
  a:
    name: Gate A
    stages: {{server: {{servers: {servers}, service: {{dist: exponential, mean_min: 30}}}}}}
    flows: {{arrivals: {{direction: export, trucks_per_day: 40, class_mix: {{general: 1.0}}, route: [server]}}}}
  b:
    name: Gate B
    stages: {{server: {{servers: 3, service: {{dist: exponential, mean_min: 20}}}}}}
    flows: {{arrivals: {{direction: export, trucks_per_day: 120, class_mix: {{general: 1.0}}, route: [server]}}}}
{claim}"""
CLAIM = """\
claim: {text: capacity ×2–3 at gate A, text_vi: năng lực gấp 2–3 lần tại cửa khẩu A, capacity_ratio_min: 2,
        capacity_ratio_max: 3, scope: a}
"""
QUICK = ["--quiet", "--no-cache"]
TARGET = ["--target", "time_in_system_h_mean<=0.75", "--tolerance", "0.05"]


def _write(folder: Path, name: str, servers: int, claim: str = "") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(BASE.format(name=name, servers=servers, claim=claim), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("answer")
    base, prop = _write(root, "base", 2), _write(root, "more", 3, CLAIM)
    other = _write(root, "other", 2).read_text(encoding="utf-8").replace("trucks_per_day: 40", "trucks_per_day: 20")
    (root / "other.yaml").write_text(other, encoding="utf-8")
    assert main(["compare", str(base), str(prop), "--out", str(root / "compare"), "--no-report", *QUICK]) == 0
    assert main(["capacity", str(base), str(prop), *TARGET, "--out", str(root / "capacity"), *QUICK]) == 0
    assert main(["capacity", str(root / "other.yaml"), *TARGET, "--out", str(root / "other_cap"), *QUICK]) == 0
    changed = ["--set", "gates.b.stages.server.servers=4"]
    assert main(["capacity", str(base), *TARGET, *changed, "--out", str(root / "changed_cap"), *QUICK]) == 0
    return {
        "root": root,
        "compare": root / "compare",
        "capacity": root / "capacity",
        "other": root / "other_cap",
        "changed": root / "changed_cap",
    }


def _answer(html: str) -> str:
    """The visible text of the answer section (page 1), whitespace collapsed."""
    start = html.index('<section class="answer">')
    section = html[start : html.index("</section>", start)]
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", section)).split())


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_page_one_is_the_capacity_table(folders: dict[str, Path], lang: str) -> None:
    html = build_report([folders["compare"], folders["capacity"]], lang=lang)
    assert html.index('<section class="answer">') < html.index('id="results"') < html.index('id="appendix"')
    text = _answer(html)
    assert CAPACITY_HEADING[lang] in text and t("lbl.binding_stage", lang) in text
    table = pd.read_csv(folders["capacity"] / "capacity.csv")
    for r in table.itertuples(index=False):
        low, high = fmt_number(r.capacity_ci_low, lang, 0), fmt_number(r.capacity_ci_high, lang, 0)
        assert f"{fmt_number(r.capacity_per_day, lang, 0)} [{low}; {high}]" in text, (r.scenario, r.unit)
    prop_a = table[(table.scenario == "more") & (table.unit == "a")].iloc[0]
    ratio = f"×{fmt_number(prop_a.vs_baseline, lang, 2)} [{fmt_number(prop_a.vs_baseline_ci_low, lang, 2)};"
    assert ratio in text
    assert t("lbl.province", lang) in text and t("msg.province_sum", lang) in text
    # the claim of the proposal (×2–3 at gate a) against the paired ratio, in the report's language
    verdict = claim_verdict(prop_a.vs_baseline_ci_low, prop_a.vs_baseline_ci_high, 2.0, 3.0)
    claim = "capacity ×2–3 at gate A" if lang == "en" else "năng lực gấp 2–3 lần tại cửa khẩu A"
    assert (
        claim in text
        and t(
            f"msg.claim_{verdict}",
            lang,
            scenario="more",
            claim=claim,
            where="Gate A",
            ratio="\x00",
            minimum=fmt_number(2.0, lang, 1),
        ).split("\x00")[0]
        in text
    )
    # three to five key differences, each naming its scope
    differences = html[html.index('<ul class="findings">') : html.index("</ul>", html.index('<ul class="findings">'))]
    items = re.findall(r"<li>(.*?)</li>", differences, re.S)
    assert 3 <= len(items) <= 5
    scopes = (t("lbl.all_gates", lang), "Gate A", "Gate B")
    assert all(item.startswith(scopes) for item in items), items
    assert t("h.money", lang) in text


def test_claim_verdicts() -> None:
    assert claim_verdict(1.3, 1.5, 2.0, 3.0) == "not_supported"
    assert claim_verdict(2.0, 2.4, 2.0, 3.0) == "supported"
    assert claim_verdict(1.9, 2.1, 2.0) == "undecided"
    assert claim_verdict(3.2, 3.5, 2.0, 3.0) == "above"
    assert claim_verdict(float("nan"), 2.0, 2.0) == "untestable"


@pytest.mark.slow
def test_appendix_is_readable_tables(folders: dict[str, Path]) -> None:
    html = build_report([folders["compare"], folders["capacity"]])
    appendix = html[html.index('id="appendix"') :]
    visible = re.sub(r"<[^>]+>", " ", appendix)
    assert not re.search(r"[{}\[\]]|': |\": ", visible.replace("[S]", "").replace("[I]", "").replace("[A]", ""))
    chunks = [c for c in re.split(r"\s*<[^>]+>\s*", appendix.replace("<wbr>", "")) if c]
    assert "a" in chunks and "server" in chunks and "servers" in chunks  # gate, stage, parameter columns


@pytest.mark.slow
def test_mismatched_capacity_folders_are_refused(folders: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out = folders["root"] / "mixed.html"
    for study, why in (("other", "capacity search of other is not on a scenario"), ("changed", "different model")):
        status = main(["report", str(folders["compare"]), str(folders[study]), "--out", str(out), "--quiet"])
        err = capsys.readouterr().err.strip().splitlines()
        assert status == 2 and len(err) == 1 and why in err[0] and "--allow-mixed" in err[0], err
        assert not out.exists()
    args = ["report", str(folders["compare"]), str(folders["other"]), "--out", str(out), "--allow-mixed", "--quiet"]
    assert main(args) == 0
    text = _answer(out.read_text(encoding="utf-8"))
    assert "Warning (--allow-mixed): the capacity search of other is not on a scenario of this report" in text


def test_report_help_names_capacity_folders(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "run, compare, capacity or uncertainty result folders" in help_text and "--allow-mixed" in help_text


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("claim: {text: x2, capacity_ratio_min: 2, scope: nowhere}", "claim.scope: no gate 'nowhere'"),
        ("claim: {text: x2, capacity_ratio_min: 3, capacity_ratio_max: 2}", "claim"),
        ("claim: {text: x2, capacity_ratio_min: -1}", "claim.capacity_ratio_min"),
    ],
)
def test_bad_claim_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], claim: str, expected: str
) -> None:
    path = _write(tmp_path, "bad", 2, claim + "\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{path}:" in err[0] and expected in err[0] and "Traceback" not in err[0], err
