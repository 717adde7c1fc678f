"""The web app driven headless by Streamlit's AppTest: every page, en and vi, the CLI's numbers and messages.

The app runs the CLI's own commands as background processes; a job here is the 2024 baseline
against a copy with one more customs officer line at Hữu Nghị, 2 days and 2 replications, and
its numbers are checked against the same ``compare`` run by the CLI.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simulator.app import jobs
from simulator.app.forms import changed_yaml
from simulator.app.page_results import differences_table
from simulator.cli.commands import main as cli
from simulator.levers.load import load_scenario

from .conftest import ROOT, require_module

if importlib.util.find_spec("streamlit") is None and not os.environ.get("CI"):  # in CI a missing app extra fails
    pytest.skip("Python module streamlit not installed: pip install -e '.[app]'", allow_module_level=True)
from streamlit.testing.v1 import AppTest  # noqa: E402

ENTRY = str(ROOT / "simulator" / "app" / "main.py")
STAGE = "gates.huu_nghi.stages.customs_export.servers"


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty results folder that the app uses, and the repository as working folder."""
    require_module("plotly", "the app draws its charts with Plotly")
    folder = tmp_path / "results"
    monkeypatch.setenv("BORDER_SIM_APP_RESULTS", str(folder))
    monkeypatch.delenv("BORDER_SIM_APP_PASSWORD_FILE", raising=False)
    monkeypatch.chdir(ROOT)
    return folder


def _app() -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def _page(at: AppTest, page: str, lang: str = "en") -> AppTest:
    at.sidebar.radio(key="lang").set_value(lang)
    at.sidebar.radio(key="page").set_value(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _wait(root: Path, timeout: float = 240.0) -> jobs.Job:
    job = jobs.jobs(root)[0]
    deadline = time.monotonic() + timeout
    while job.status() == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
    return job


def test_pages_open_in_both_languages(results: Path) -> None:
    at = _app()
    for lang in ("en", "vi"):
        for page in ("scenario", "run", "results", "replay"):
            at = _page(at, page, lang)
            assert not at.error, [e.value for e in at.error]
            assert at.header[0].value


@pytest.mark.slow
def test_change_run_compare_equals_the_cli(results: Path, tmp_path: Path) -> None:
    at = _app()
    assert at.selectbox(key="shipped").value == "lang_son_2024.yaml"
    servers = next(w for w in at.number_input if w.key.endswith(f":{STAGE}"))
    assert servers.value == 10
    servers.set_value(11)
    at.button[0].click().run()  # the form's OK
    assert not at.error, [e.value for e in at.error]
    download = next(b for b in at.get("download_button") if b.proto.label.startswith("Download"))
    assert download is not None
    working = Path(at.session_state["working_path"])
    assert yaml.safe_load(working.read_text())["gates"]["huu_nghi"]["stages"]["customs_export"]["servers"] == 11

    at = _page(at, "run")
    at.radio(key="kind").set_value("compare").run()
    at.number_input(key="days").set_value(2).run()
    at.number_input(key="reps").set_value(2)
    at.number_input(key="seed").set_value(5)
    at.number_input(key="warmup").set_value(1)
    at.checkbox(key="report").uncheck()
    at.text_input(key="out").set_value("compare/app").run()
    command = at.code[0].value
    assert command.startswith("python run_scenario.py compare scenarios/lang_son_2024.yaml ")
    at.button(key="start").click().run()
    job = _wait(results)
    assert job.status() == "finished", job.errors()
    assert (results / "compare" / "app" / "comparison.csv").is_file()

    reference = tmp_path / "cli"
    assert job.info["argv"][-2:] == ["--out", str(results / "compare" / "app")]
    assert cli([*job.info["argv"][:-2], "--out", str(reference)]) == 0  # the same command, run by the CLI
    at = _page(at, "results")
    at.selectbox(key="folder").set_value("compare/app").run()
    shown = at.dataframe[0].value  # the paired differences, first on a compare folder
    expected = differences_table(pd.read_csv(reference / "comparison.csv"), "en")
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected)
    assert len(at.get("plotly_chart")) >= 3


def test_changed_scenario_extends_the_original_and_validates(tmp_path: Path) -> None:
    (tmp_path / "lang_son_2024.yaml").write_bytes((ROOT / "scenarios" / "lang_son_2024.yaml").read_bytes())
    text = changed_yaml("lang_son_2024.yaml", "x_changed", {tuple(STAGE.split(".")): 12}, None)
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    assert yaml.safe_load(text)["extends"] == "lang_son_2024.yaml"
    sc = load_scenario(tmp_path / "x.yaml")
    assert sc.gates["huu_nghi"].stages["customs_export"].servers == 12
    assert sc.name == "x_changed"


BOMB = b"a: &a [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n".encode() for p, c in zip("abcdefgh", "bcdefghi")
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name: [unclosed\n", "x.yaml"),
        (BOMB, "aliases expand"),
        (b"#" * (50 * 2**20), "is larger than 10 MiB"),
        (b"extends: ../../../../etc/passwd\nname: x\n", "must name a shipped scenario"),
    ],
    ids=["invalid-yaml", "yaml-bomb", "50MB", "extends-traversal"],
)
def test_bad_upload_gives_the_cli_message(results: Path, data: bytes, message: str) -> None:
    at = _app()
    at.file_uploader(key="upload").set_value(("x.yaml", data, "application/x-yaml")).run()
    assert not at.exception, at.exception
    lines = "\n".join(e.value for e in at.error).splitlines()
    assert lines and all(line.startswith("error: x.yaml") for line in lines), lines
    assert any(message in line for line in lines), lines
    assert not at.dataframe  # nothing of the bad file is shown


def test_path_traversal_in_a_field_is_refused(results: Path) -> None:
    at = _page(_app(), "results")
    at.text_input(key="folder_path").set_value("../../etc").run()
    assert not at.exception
    assert at.error and "outside the results folder" in at.error[0].value
    at = _page(at, "run")
    at.text_input(key="out").set_value("../escape").run()
    assert at.error and at.error[0].value.startswith("error: --out: ")
    assert not [b for b in at.button if b.key == "start"]


def test_app_command_without_streamlit_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "streamlit" else real(name, *a))
    assert cli(["app", "--port", "8999"]) == 2
    assert capsys.readouterr().err.strip() == "error: install the app extra: pip install -e '.[app]'"


def test_app_command_binds_to_this_machine(tmp_path: Path) -> None:
    from simulator.cli.app import app_command
    from simulator.cli.commands import build_parser

    command, env = app_command(build_parser().parse_args(["app", "--results", str(tmp_path)]))
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8501"
    assert env["BORDER_SIM_APP_RESULTS"] == str(tmp_path.resolve())


def test_password(tmp_path: Path) -> None:
    from simulator.app.safety import check_password

    secret = tmp_path / "pw"
    secret.write_text("s3cret\n", encoding="utf-8")
    assert check_password("s3cret", secret) and not check_password("s3cre", secret) and check_password("", None)


def test_importing_the_app_loads_no_simpy() -> None:
    code = (
        "import sys; import simulator.app.jobs, simulator.app.forms, simulator.app.replay, simulator.app.charts, "
        "simulator.app.page_results, simulator.app.page_scenario; print('simpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_uncertainty_run_shows_the_folder_numbers(results: Path) -> None:
    from simulator.app.page_uncertainty import claims_table, intervals_table
    from simulator.report.i18n import kpi_name
    from simulator.report.uncertainty_files import load_uncertainty

    from .conftest import SMALL
    from .test_uncertainty_cli import RANGES

    data = yaml.safe_load(SMALL)
    data["uncertainty"] = RANGES
    (results / "small.yaml").parent.mkdir(parents=True)
    (results / "small.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    plain = ["--days", "2", "--replications", "2", "--no-report", "--quiet", "--no-cache"]
    assert cli(["run", str(results / "small.yaml"), *plain, "--out", str(results / "small" / "run")]) == 0
    at = _app()
    upload = ("small.yaml", yaml.safe_dump(data).encode(), "application/x-yaml")
    at.file_uploader(key="upload").set_value(upload).run()
    assert not at.error, [e.value for e in at.error]
    at = _page(at, "run")
    at.number_input(key="days").set_value(2).run()
    at.number_input(key="reps").set_value(2)
    at.number_input(key="warmup").set_value(0)
    at.checkbox(key="report").uncheck()
    at.number_input(key="uncertainty").set_value(2)
    at.text_area(key="claims").set_value("time_in_system_h_mean<=5\n")
    at.text_input(key="out").set_value("small/unc").run()
    command = at.code[0].value
    assert " --uncertainty 2 --claim 'time_in_system_h_mean<=5' " in command, command
    at.button(key="start").click().run()
    job = _wait(results)
    assert job.status() == "finished", job.errors()
    folder = results / "small" / "unc"
    assert (folder / "uncertainty.json").is_file() and not (folder / "manifest.json").exists()

    at = _page(at, "results")
    at.selectbox(key="folder").set_value("small/unc").run()
    assert not at.error, [e.value for e in at.error]
    study = load_uncertainty(folder)
    shown = at.dataframe[0].value.reset_index(drop=True)
    pd.testing.assert_frame_equal(shown, intervals_table(study, "en"))
    csv = pd.read_csv(folder / "uncertainty_summary.csv")
    row = csv[(csv.scope == "all") & (csv.kpi == "time_in_system_h_mean")].iloc[0]
    mine = shown[(shown.scope == "all") & (shown.kpi == kpi_name("time_in_system_h_mean", "en"))]
    assert list(mine[["mean", "p05", "p95"]].iloc[0]) == [round(row[c], 3) for c in ("mean", "p05", "p95")]
    claims = at.dataframe[1].value.reset_index(drop=True)
    pd.testing.assert_frame_equal(claims, claims_table(study))
    robust = pd.read_csv(folder / "robustness.csv")
    assert claims.probability[0] == round(robust.probability[0], 3) and claims.holds[0] == f"{robust.holds[0]} / 2"
    assert at.get("plotly_chart")
    assert at.selectbox(key="unc_pair").value == "small/run"  # the report pairs the study with a run folder
    at.button(key="unc_make_report").click().run()
    assert not at.exception, at.exception
    assert [b for b in at.get("download_button") if b.proto.label == "Report (HTML)"]
    assert "How sure are we" in (folder / "report.html").read_text(encoding="utf-8")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_cancel_stops_the_process_group_and_writes_no_folder(tmp_path: Path) -> None:
    from .conftest import SMALL

    small = tmp_path / "small.yaml"
    small.write_text(SMALL, encoding="utf-8")
    root, out = tmp_path / "results", tmp_path / "results" / "small" / "long"
    argv = ["run", str(small), "--days", "400", "--replications", "8", "--jobs", "2", "--no-cache", "--quiet"]
    job = jobs.start(root, "run", [*argv, "--out", str(out)], out, cwd=ROOT)
    deadline = time.monotonic() + 60
    while not (job.folder / "progress.json").is_file() and time.monotonic() < deadline:
        time.sleep(0.1)  # the replications have started (the progress bar wrote its first line)
    assert job.status() == "running", job.errors()
    jobs.cancel(job)
    pgid = int(job.info["pid"])  # start_new_session: the job leads its own process group
    deadline = time.monotonic() + 30
    while (job.exit_code() is None or _group_alive(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(pgid), "a process of the cancelled job is still running"
    assert job.exit_code() == 143 and job.status() == "cancelled"
    assert jobs.jobs(root)[0].status() == "cancelled"  # as a page reload sees it
    assert not out.exists()
    assert not out.parent.exists() or not any(out.parent.iterdir())  # no staging folder left either
    assert "no result folder was written" in job.errors()


def _replay_case() -> tuple[pd.DataFrame, dict]:
    """19 stages at one gate (the last on the partner side), one truck through each, and a partner-side holiday."""
    stages = {f"s{j:02d}": {"servers": 2} for j in range(18)} | {"cn": {"servers": 3, "side": "partner"}}
    rows = [
        {"gate": "g", "replication": 0, "truck": k, "stage": name, "t_arrive_min": 60.0 + k,
         "t_queue_min": 60.0 + k, "t_start_min": 70.0 + k, "t_end_min": 2000.0 + k}
        for k, name in enumerate(stages)
    ]  # fmt: skip
    scenario = {
        "run": {"start_date": "2024-08-05", "days": 2, "utc_offset_h": 7.0},
        "gates": {"g": {"stages": stages}},
        "calendar": {"closures": [{"name": "holiday", "start": "2024-08-05", "end": "2024-08-05", "side": "partner"}]},
    }
    return pd.DataFrame(rows), scenario


def test_replay_draws_calendar_closures_lists_every_kind_and_slants_many_names() -> None:
    from simulator.app.replay import build_replay, replay_figure

    log, scenario = _replay_case()
    first, second = (build_replay(log, scenario, "g", day) for day in (0, 1))
    cn = first.stages.index("cn")
    assert len(first.stages) == 19
    assert first.closed[:, cn].all() and not second.closed[:, cn].any()  # the holiday is day 0's, partner side
    assert not first.closed[:, :cn].any()  # the home side works
    figure = replay_figure(first, "en")
    legend = [d["name"] for d in figure["data"] if d.get("showlegend", True) and d.get("name")]
    assert legend == ["waiting", "in service", "free servers", "closed"]
    closed = next(d for d in figure["frames"][0]["data"] if d.get("name") == "closed")
    assert closed["x"] == [float(cn)]  # drawn in the partner stage's column at midnight
    assert figure["layout"]["xaxis"]["tickangle"] != 0
    assert len(figure["frames"][0]["data"]) + 4 == len(figure["data"])  # frames leave the legend traces alone
