"""The report's "How sure are we" section, its charts and the capacity table's interval over the assumptions.

A two-gate baseline and a proposal are compared with short settings; beside that compare folder the
test writes a capacity folder (``capacity.csv``) and an uncertainty folder of ``capacity`` with made-up
but consistent numbers: per-sample capacities from a known formula of the sampled inputs, the summary
computed from them, and sensitivity shares chosen so that exactly two inputs reach 80%.
"""

from __future__ import annotations

import html as html_module
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.cli.commands import main
from simulator.report.answer import answer_section
from simulator.report.build import build_report
from simulator.report.i18n import fmt_number, fmt_percent, t
from simulator.report.inputs import ReportInputs, load_inputs
from simulator.report.plots_base import save_figure
from simulator.report.plots_uncertainty import sample_distribution, sensitivity_bars
from simulator.report.uncertainty import explaining_inputs, uncertainty_section

from .test_report_vi import english_left

SCENARIO = """\
name: {name}
description: two independent gates
description_vi: hai cửa khẩu độc lập
run: {{start_date: 2024-01-01, days: 2, warmup_days: 0, replications: 2, seed: 5}}
cargo_classes: {{general: {{description: any cargo, description_vi: mọi loại hàng}}}}
gates:
  a:
    name: Gate A
    name_vi: Cửa khẩu A
    stages: {{server: {{servers: {servers}, service: {{dist: exponential, mean_min: 30}}}}}}
    flows: {{arrivals: {{direction: export, trucks_per_day: 40, class_mix: {{general: 1.0}}, route: [server]}}}}
  b:
    name: Gate B
    name_vi: Cửa khẩu B
    stages: {{server: {{servers: 3, service: {{dist: exponential, mean_min: 20}}}}}}
    flows: {{arrivals: {{direction: export, trucks_per_day: 120, class_mix: {{general: 1.0}}, route: [server]}}}}
"""
BASE, PROP = "co_so", "de_xuat"
N, REPS = 20, 2
INPUTS = [
    {"path": "gates.a.stages.server.servers", "dist": "integer_uniform(2, 4)", "tag": "A",
     "why": "no public count of booths", "why_vi": "không có số liệu công khai về số buồng"},
    {"path": "gates.a.stages.server.service.mean_min", "dist": "triangular(20, 30, 45)", "tag": "I",
     "why": "inferred from the clearance times", "why_vi": "suy ra từ thời gian thông quan"},
    {"path": "gates.b.flows.arrivals.trucks_per_day", "dist": "uniform(100, 140)", "tag": "A",
     "why": "judgement", "why_vi": "nhận định của nhóm"},
]  # fmt: skip
SHARES = (0.55, 0.30, 0.10)  # two inputs reach 80%: 85%
CLAIM = "gate:a:capacity_ratio>=2"
EXTRA_NAMES = {"monte", "carlo", "sobol", "srrc", "latin", "saltelli"}  # method names kept in Vietnamese


def _capacities(u: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    """Per (scenario, gate) and sample: the capacity of each replication (a known formula of the inputs)."""
    out = {}
    for factor, scenario in ((np.ones(len(u)), BASE), (1.8 + 0.5 * u[:, 2], PROP)):
        a = factor * (100 + 60 * u[:, 0] + 25 * u[:, 1])
        b = 300 * (1 + 0.1 * (factor - 1) * u[:, 0]) + 20 * u[:, 2]
        wobble = np.array([-2.0, 2.0])  # replication noise, the same in every sample
        out[(scenario, "a")], out[(scenario, "b")] = a[:, None] + wobble, b[:, None] + wobble
        out[(scenario, "all")] = out[(scenario, "a")] + out[(scenario, "b")]
    return out


def _stats(values: np.ndarray, reps: np.ndarray | None = None) -> dict[str, float]:
    """Summary columns of per-sample values (their mean over replications when ``reps`` is given)."""
    mean = values.mean()
    half = 2.093 * values.std(ddof=1) / np.sqrt(len(values))
    p05, p50, p95 = np.quantile(values, [0.05, 0.5, 0.95])
    mc = float(reps.std(ddof=1, axis=1).mean()) if reps is not None else 0.0
    sd = float(values.std(ddof=1))
    return {"n_samples": len(values), "mean": mean, "mean_ci_low": mean - half, "mean_ci_high": mean + half,
            "p05": p05, "p50": p50, "p95": p95, "input_sd": sd, "mc_sd": mc,
            "input_share": sd**2 / (sd**2 + mc**2)}  # fmt: skip


def _summary(caps: dict[tuple[str, str], np.ndarray]) -> pd.DataFrame:
    rows = []
    for (scenario, unit), reps in caps.items():
        scope, key = ("all", "all") if unit == "all" else ("gate", unit)
        where = {"scenario": scenario, "scope": scope, "key": key}
        rows.append({"what": "value", "base": "", **where, "kpi": "capacity_per_day", **_stats(reps.mean(1), reps)})
        if scenario == PROP:
            ratio = reps.mean(1) / caps[(BASE, unit)].mean(1)
            rows.append({"what": "ratio", "base": BASE, **where, "kpi": "capacity_ratio", **_stats(ratio)})
    tis = np.linspace(1.0, 2.0, N)
    for scenario, values in ((BASE, tis), (PROP, tis * 0.6)):
        rows.append({"what": "value", "scenario": scenario, "base": "", "scope": "all", "key": "all",
                     "kpi": "time_in_system_h_mean", **_stats(values)})  # fmt: skip
    diff = {"what": "difference", "scenario": PROP, "base": BASE, "scope": "all", "key": "all"}
    rows.append({**diff, "kpi": "time_in_system_h_mean", **_stats(-0.4 * tis), "p_improves": 0.95})
    return pd.DataFrame(rows)


def _sensitivity() -> pd.DataFrame:
    rows = []
    for unit in ("all", "a", "b"):
        scope, key = ("all", "all") if unit == "all" else ("gate", unit)
        group = {"what": "ratio", "scenario": PROP, "base": BASE, "scope": scope, "key": key, "kpi": "capacity_ratio"}
        for entry, share in zip(INPUTS, SHARES):
            index = np.sqrt(share)
            rows.append({**group, "input": entry["path"], "method": "srrc", "index": index,
                         "ci_low": index - 0.1, "ci_high": index + 0.1, "share": share, "n_samples": N})  # fmt: skip
    group = {"what": "value", "scenario": BASE, "base": "", "scope": "gate", "key": "a", "kpi": "capacity_per_day"}
    for entry, share in zip(INPUTS, SHARES):
        for method, index in (("sobol_s1", share), ("sobol_st", share + 0.04)):
            rows.append({**group, "input": entry["path"], "method": method, "index": index,
                         "ci_low": index - 0.05, "ci_high": index + 0.05, "share": share, "n_samples": N})  # fmt: skip
    return pd.DataFrame(rows)


def write_uncertainty_folder(folder: Path) -> None:
    """A synthetic ``capacity --uncertainty 20`` folder of the two scenarios."""
    folder.mkdir(parents=True)
    u = (np.arange(N)[:, None] * np.array([7, 11, 13]) % N + 0.5) / N  # a stratified design
    caps = _capacities(u)
    info = {"kind": "uncertainty", "command": "capacity", "samples": N, "method": "lhs", "seed": 3,
            "replications": REPS, "days": 2, "scenarios": [BASE, PROP], "base": BASE,
            "inputs": [{**e, "scenarios": [BASE, PROP]} for e in INPUTS], "claims": [CLAIM], "level": 0.90}  # fmt: skip
    (folder / "uncertainty.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    _summary(caps).to_csv(folder / "uncertainty_summary.csv", index=False)
    holds = int((caps[(PROP, "a")].mean(1) / caps[(BASE, "a")].mean(1) >= 2).sum())
    p, z = holds / N, 1.96
    centre, half = (p + z * z / (2 * N)) / (1 + z * z / N), z * np.sqrt(p * (1 - p) / N + z * z / (4 * N * N))
    robustness = {"claim": CLAIM, "scenario": PROP, "base": BASE, "probability": p, "n_samples": N, "holds": holds,
                  "ci_low": centre - half / (1 + z * z / N), "ci_high": centre + half / (1 + z * z / N)}  # fmt: skip
    pd.DataFrame([robustness]).to_csv(folder / "robustness.csv", index=False)
    _sensitivity().to_csv(folder / "sensitivity.csv", index=False)
    samples = [{"sample": s, "scenario": sc, "input": e["path"], "u": u[s, i], "value": u[s, i]}
               for s in range(N) for sc in (BASE, PROP) for i, e in enumerate(INPUTS)]  # fmt: skip
    pd.DataFrame(samples).to_csv(folder / "samples.csv", index=False)
    kpis = [{"sample": s, "scenario": sc, "replication": r, "scope": "all" if unit == "all" else "gate",
             "key": unit, "kpi": "capacity_per_day", "value": reps[s, r]}
            for (sc, unit), reps in caps.items() for s in range(N) for r in range(REPS)]  # fmt: skip
    pd.DataFrame(kpis).to_csv(folder / "sample_kpis.csv", index=False)


def write_capacity_folder(folder: Path) -> None:
    """A plain capacity search's ``capacity.csv`` (the nominal inputs)."""
    folder.mkdir(parents=True)
    rows = []
    for scenario, cap_a in ((BASE, 140.0), (PROP, 290.0)):
        for unit, cap in (("a", cap_a), ("b", 310.0), ("province", cap_a + 310.0)):
            paired = scenario == PROP
            rows.append({"scenario": scenario, "unit": unit, "method": "gate" if unit != "province"
                         else "sum of independent gates", "demand_per_day": 40.0 if unit == "a" else 120.0,
                         "capacity_per_day": cap, "capacity_ci_low": cap - 5, "capacity_ci_high": cap + 5,
                         "ratio_to_demand": cap / 40.0, "ratio_to_demand_ci_low": nan, "ratio_to_demand_ci_high": nan,
                         "binding_stage": f"{unit}.server", "found": True, "met_at_base": True,
                         "baseline": BASE, "vs_baseline": cap / 140.0 if paired else nan,
                         "vs_baseline_ci_low": nan, "vs_baseline_ci_high": nan, "note": ""})  # fmt: skip
    pd.DataFrame(rows).to_csv(folder / "capacity.csv", index=False)


nan = float("nan")


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sure")
    paths = []
    for name, servers in ((BASE, 2), (PROP, 3)):
        path = root / f"{name}.yaml"
        path.write_text(SCENARIO.format(name=name, servers=servers), encoding="utf-8")
        paths.append(str(path))
    assert main(["compare", *paths, "--out", str(root / "compare"), "--no-report", "--quiet", "--no-cache"]) == 0
    write_capacity_folder(root / "capacity")
    write_uncertainty_folder(root / "uncertainty")
    return {"root": root, "compare": root / "compare", "capacity": root / "capacity", "sure": root / "uncertainty"}


@pytest.fixture(scope="module")
def inputs(folders: dict[str, Path]) -> ReportInputs:
    return load_inputs([folders["compare"], folders["capacity"], folders["sure"]])


@pytest.fixture(scope="module")
def reports(inputs: ReportInputs) -> dict[str, str]:
    """Per language, the answer page and the section "How sure are we" (the whole page is drawn once, below)."""
    return {lang: answer_section(inputs, lang) + uncertainty_section(inputs, lang) for lang in ("en", "vi")}


def test_section_follows_the_answer_page(folders: dict[str, Path]) -> None:
    page = build_report([folders["compare"], folders["capacity"], folders["sure"]], lang="en")
    assert page.index('<section class="answer">') < page.index('id="sure"') < page.index('id="results"')
    assert f'<a href="#sure">{t("h.sure", "en")}</a>' in page


def _section(page: str, start: str, end: str = "</section>") -> str:
    begin = page.index(start)
    return page[begin : page.index(end, begin)]


def _text(fragment: str) -> str:
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_how_sure_section(reports: dict[str, str], folders: dict[str, Path], lang: str) -> None:
    page = reports[lang]
    section = _section(page, '<section class="sure">')
    text = _text(section)
    assert t("h.sure", lang) in text and t("h.sure_matters", lang) in text
    # the 80% sentence names exactly the two inputs whose shares (55% + 30%) reach it, by SRRC
    sentence = next(s for s in re.findall(r"<li>(.*?)</li>", section) if "servers" in s)
    assert [html_module.unescape(c) for c in re.findall(r"<code>(.*?)</code>", sentence)] == [
        INPUTS[0]["path"],
        INPUTS[1]["path"],
    ]
    values = {"count": 2, "share": fmt_percent(0.85, lang), "what": "\x00", "inputs": "", "method": ""}
    start = t("msg.sure_explain", lang, **values).split("\x00")[0]
    assert start in _text(sentence) and t("lbl.method_srrc", lang) in _text(sentence)
    # the claim's robustness probability, with the samples it rests on
    robustness = pd.read_csv(folders["sure"] / "robustness.csv").iloc[0]
    probability = fmt_percent(robustness.probability, lang)
    assert f" {robustness.holds} " in text and probability in text and fmt_percent(robustness.ci_low, lang) in text
    # the combined interval of the proposal's capacity at gate a, and the paired difference's P(improves)
    summary = pd.read_csv(folders["sure"] / "uncertainty_summary.csv")
    row = summary[(summary.what == "value") & (summary.scenario == PROP) & (summary.key == "a")].iloc[0]
    interval = t("sure.range", lang, low=fmt_number(row.p05, lang, 0), high=fmt_number(row.p95, lang, 0))
    assert interval in text
    assert fmt_percent(0.95, lang) in text
    # honest about N: 20 samples is few, and the Monte-Carlo error is named
    assert t("msg.sure_n_small", lang, n=N, option="\x00").split("\x00")[0] in text
    # the ranked table carries every input's tag and why, in the report's language
    for entry in INPUTS:
        assert (entry["why"] if lang == "en" else entry["why_vi"]) in text
    assert t("tag.A", lang) in text and t("tag.I", lang) in text
    assert section.count("data:image/png;base64,") == 2  # the sensitivity bars and the capacity distribution


def test_capacity_table_shows_the_interval_over_the_assumptions(
    reports: dict[str, str], folders: dict[str, Path]
) -> None:
    summary = pd.read_csv(folders["sure"] / "uncertainty_summary.csv")
    for lang, page in reports.items():
        answer = _text(_section(page, '<section class="answer">'))
        for what, kpi, key, decimals, prefix in (
            ("value", "capacity_per_day", "a", 0, ""),
            ("ratio", "capacity_ratio", "a", 2, "×"),
            ("value", "capacity_per_day", "all", 0, ""),
        ):
            row = summary[(summary.what == what) & (summary.kpi == kpi) & (summary.key == key)].iloc[-1]
            low, high = prefix + fmt_number(row.p05, lang, decimals), prefix + fmt_number(row.p95, lang, decimals)
            assert t("lbl.sure_cell", lang, level=fmt_percent(0.9, lang), low=low, high=high) in answer, (lang, what)
        assert t("msg.sure_capacity_note", lang, level=fmt_percent(0.9, lang), n=N) in answer


def test_without_an_uncertainty_folder_nothing_changes(folders: dict[str, Path]) -> None:
    plain = load_inputs([folders["compare"], folders["capacity"]])
    assert uncertainty_section(plain, "en") == ""
    assert "assumptions, 90%" not in answer_section(plain, "en")


def test_no_english_left_in_the_vietnamese_section(reports: dict[str, str]) -> None:
    en, vi = (_section(reports[lang], '<section class="sure">') for lang in ("en", "vi"))
    left = [w for w in english_left(en, vi) if w.lower() not in EXTRA_NAMES]
    assert not left, f"English words left in the Vietnamese section: {', '.join(left)}"
    assert english_left(en, en)  # the check is not vacuous


def test_charts_are_written(folders: dict[str, Path], tmp_path: Path) -> None:
    kpis = pd.read_csv(folders["sure"] / "sample_kpis.csv")
    sens = pd.read_csv(folders["sure"] / "sensitivity.csv", keep_default_na=False)
    nominal = {(BASE, "a"): 140.0, (PROP, "a"): 290.0}
    ratio = {"what": "ratio", "scenario": PROP, "base": BASE, "scope": "all", "key": "all", "kpi": "capacity_ratio"}
    sobol = {"what": "value", "scenario": BASE, "base": "", "scope": "gate", "key": "a", "kpi": "capacity_per_day"}
    figures = {
        "distribution": sample_distribution(kpis, gates={"a": "Gate A", "b": "Gate B"}, nominal=nominal),
        "srrc": sensitivity_bars(sens, ratio, lang="vi"),
        "sobol": sensitivity_bars(sens, sobol),
    }
    assert len(figures["distribution"].axes) == 2
    assert len(figures["sobol"].axes[0].patches) == 2 * len(INPUTS)  # S1 and ST per input
    for name, fig in figures.items():
        for path in save_figure(fig, tmp_path / name):
            assert path.stat().st_size > 1000, path


def test_explaining_inputs() -> None:
    assert explaining_inputs(pd.Series([0.85, 0.1])) == (1, True)
    assert explaining_inputs(pd.Series([0.15] * 7)) == (5, False)  # 80% needs a sixth


def test_incomplete_uncertainty_folder_is_one_clear_line(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(folders["sure"], broken)
    (broken / "robustness.csv").unlink()
    assert main(["report", str(folders["compare"]), str(broken), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {broken}: incomplete uncertainty folder: robustness.csv missing"]
    info = json.loads((broken / "uncertainty.json").read_text(encoding="utf-8"))
    (broken / "uncertainty.json").write_text(json.dumps({**info, "kind": "sweep"}), encoding="utf-8")
    assert main(["report", str(folders["compare"]), str(broken), "--out", str(tmp_path / "r.html")]) == 2
    assert "uncertainty.json: kind: must be 'uncertainty', got 'sweep'" in capsys.readouterr().err


def _blank_srrc(folder: Path, copy: Path, n_samples: int | None = None) -> Path:
    """A copy of the uncertainty ``folder`` whose SRRC rows have no indices (and ``n_samples``, when given)."""
    shutil.copytree(folder, copy)
    sens = pd.read_csv(copy / "sensitivity.csv")
    rows = sens.method == "srrc"
    sens.loc[rows, ["index", "ci_low", "ci_high", "share"]] = nan
    if n_samples is not None:
        sens.loc[rows, "n_samples"] = n_samples
    sens.to_csv(copy / "sensitivity.csv", index=False)
    return copy


def test_too_few_samples_for_the_rank_regression_say_so(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An SRRC left blank (fewer than 2 d + 2 samples for d inputs) is named as not ranked: report, console, app."""
    from simulator.app.page_uncertainty import not_ranked_note
    from simulator.cli.uncertainty import print_study
    from simulator.report.uncertainty_files import load_uncertainty

    blank = _blank_srrc(folders["sure"], tmp_path / "blank", n_samples=4)  # of the 20 samples, 4 had a value
    inputs = load_inputs([folders["compare"], folders["capacity"], blank])
    for lang in ("en", "vi"):
        section = _section(uncertainty_section(inputs, lang), '<section class="sure">')
        words = t("msg.sure_not_ranked", lang, what="\x00", inputs=len(INPUTS), need=2 * len(INPUTS) + 2, n=4)
        assert words.split("\x00")[1] in _text(section), lang
        assert t("msg.sure_unranked", lang, what="\x00").split("\x00")[1] in _text(section)
        assert section.count("data:image/png;base64,") == 1  # the capacity distribution, no empty bars
    from rich.console import Console

    print_study(Console(width=200), blank, "capacity")
    out = capsys.readouterr().out
    assert "a rank regression on 3 inputs needs at least 8 samples with a value, this study has 4 of 20" in out
    assert "(use --uncertainty 40 or more;" in out  # 8 with a value at the rate of 4 in 20
    assert "SRRC²" not in out  # no ranking of blank shares
    study = load_uncertainty(blank)
    assert not_ranked_note(study, "en") == t("app.results.unc.not_ranked", "en", n=4, inputs=3, need=8)
    assert not_ranked_note(load_uncertainty(folders["sure"]), "en") is None


def test_a_kpi_the_same_in_every_sample_is_not_called_too_few_samples(
    folders: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Blank SRRC shares from enough samples mean the KPI did not vary (a gate the proposal leaves alone)."""
    from rich.console import Console

    from simulator.app.page_uncertainty import not_ranked_note
    from simulator.cli.uncertainty import print_study
    from simulator.report.uncertainty_files import load_uncertainty

    flat = _blank_srrc(folders["sure"], tmp_path / "flat")  # n_samples stays 20
    section = uncertainty_section(load_inputs([folders["compare"], folders["capacity"], flat]), "en")
    text = _text(section)
    assert t("msg.sure_flat", "en", what="\x00").split("\x00")[1] in text
    assert t("msg.sure_not_ranked", "en", what="\x00", inputs=3, need=8, n=20).split("\x00")[1] not in text
    print_study(Console(width=200), flat, "capacity")
    assert "capacity_ratio: none ranked (it is the same in every sample" in capsys.readouterr().out
    assert not_ranked_note(load_uncertainty(flat), "en") is None
