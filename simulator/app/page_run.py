"""The Run & compare page: the CLI's run, compare and capacity commands as background jobs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from simulator.app import jobs
from simulator.app.safety import inside
from simulator.app.settings import Settings, shown
from simulator.app.state import current_scenario, show_error
from simulator.report.i18n import t
from simulator.scenario.errors import ScenarioError
from simulator.scenario.loader import read_scenario
from simulator.scenario.models import Scenario

__all__ = ["build_argv", "run_page"]

KINDS = ("run", "compare", "capacity")
DEFAULT_TARGET = "time_in_system_h_p95<=24"


def build_argv(kind: str, scenario: Path, baseline: Path | None, options: list[str], out: Path) -> list[str]:
    """The CLI arguments of a job: the command, its scenario files, ``options`` (``--days 2`` ...), ``--out``."""
    files = [shown(scenario)] if kind != "compare" or baseline is None else [shown(baseline), shown(scenario)]
    return [kind, *files, *options, "--out", shown(out)]


def _options(kind: str, sc: Scenario, lang: str) -> list[str]:
    run = sc.run
    c1, c2, c3, c4 = st.columns(4)
    days = c1.number_input(t("app.run.days", lang), min_value=1, value=int(run.days), key="days")
    reps = c2.number_input(t("app.run.replications", lang), min_value=1, value=int(run.replications), key="reps")
    seed = c3.number_input(t("app.run.seed", lang), min_value=0, value=int(run.seed), key="seed")
    warm = run.warmup if isinstance(run.warmup, int) else 0
    warmup = c4.number_input("warm-up days", min_value=0, value=min(int(warm), int(days) - 1), key="warmup")
    c5, c6 = st.columns(2)
    workers = c5.number_input(t("app.run.jobs", lang), min_value=1, value=2, key="workers")
    dask = c6.text_input(t("app.run.dask", lang), value="", key="dask").strip()
    options = ["--days", str(days), "--replications", str(reps), "--seed", str(seed), "--jobs", str(workers)]
    if warmup != warm:
        options += ["--set", f"run.warmup_days={warmup}"]
    if dask:
        options += ["--dask", dask]
    if kind == "capacity":
        options += ["--target", st.text_input(t("app.run.target", lang), DEFAULT_TARGET, key="target").strip()]
    elif not st.checkbox(t("app.run.report", lang), value=True, key="report"):
        options.append("--no-report")
    return [*options, *_uncertainty_options(lang), "--quiet"]


def _uncertainty_options(lang: str) -> list[str]:
    """``--uncertainty N``, ``--sobol`` and one ``--claim`` per line (nothing when N is 0)."""
    c1, c2 = st.columns(2)
    n = int(c1.number_input(t("app.run.uncertainty", lang), min_value=0, value=0, key="uncertainty"))
    sobol = c2.checkbox(t("app.run.sobol", lang), value=False, key="sobol")
    claims = st.text_area(t("app.run.claims", lang), value="", key="claims", height=80)
    if n == 0:
        return []
    options = ["--uncertainty", str(n), *(["--sobol"] if sobol else [])]
    for line in claims.splitlines():
        if line.strip():
            options += ["--claim", line.strip()]
    return options


def _start(config: Settings, lang: str, scenario: Path) -> None:
    try:
        sc, _ = read_scenario(scenario)
    except ScenarioError as exc:
        show_error(exc)
        return
    st.write(t("app.run.scenario", lang, name=sc.name))
    kind = st.radio(t("app.run.kind", lang), KINDS, format_func=lambda k: t(f"app.run.kind.{k}", lang), key="kind")
    baseline = None
    if kind == "compare":
        shipped = sorted(p.name for p in config.shipped.glob("*.yaml"))
        picked, _ = current_scenario()
        first = picked.name if picked is not None and picked.name in shipped else shipped[0]
        name = st.selectbox(t("app.run.baseline", lang), shipped, index=shipped.index(first), key="baseline")
        baseline = config.shipped / name
    options = _options(kind, sc, lang)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    prefix = "uncertainty-" if "--uncertainty" in options else ""
    default = f"{'compare' if kind == 'compare' else sc.name}/{prefix}{kind}-{stamp}"
    folder = st.text_input(t("app.run.out", lang), value=default, key="out").strip()
    try:
        out = inside(config.results, folder, lang, origin="--out")
    except ScenarioError as exc:
        show_error(exc)
        return
    argv = build_argv(kind, scenario, baseline, options, out)
    st.caption(t("app.run.command", lang))
    st.code(jobs.cli_command(argv), language="bash")
    if st.button(t("app.run.start", lang), key="start", type="primary"):
        jobs.start(config.results, kind, argv, out)
        st.rerun()


def _job_list(config: Settings, lang: str) -> None:
    st.subheader(t("app.run.jobs_list", lang))
    for job in jobs.jobs(config.results)[:8]:
        status = job.status()
        progress = job.progress()
        total = max(int(progress.get("total") or 1), 1)
        done = min(float(progress.get("done") or 0.0), total)
        label = t(f"app.run.state.{status}", lang)
        with st.container(border=True):
            st.write(f"**{label}** · {job.id}")
            st.progress(
                1.0 if status == "finished" else done / total, text=f"{progress.get('label', '')} {done:.1f}/{total}"
            )
            st.code(jobs.cli_command(job.info["argv"]), language="bash")
            if status == "running" and st.button(t("app.run.cancel", lang), key=f"cancel:{job.id}"):
                jobs.cancel(job)
                st.rerun()
            if status == "finished":
                st.success(t("app.run.finished", lang, out=shown(job.out)))
                if job.exit_code() == 1:  # results written, charts or report not (the CLI's status 1)
                    st.warning(job.errors())
            elif status == "failed":
                st.error(job.errors() or t("app.run.failed", lang, code=job.exit_code()))


def run_page(config: Settings, lang: str) -> None:
    """Start a job on the picked (or changed) scenario; follow, cancel and reproduce the jobs."""
    st.header(t("app.page.run", lang))
    picked, working = current_scenario()
    scenario = working or picked or (config.shipped / "lang_son_2024.yaml")
    _start(config, lang, scenario)
    st.button(t("app.run.refresh", lang), key="refresh")
    if any(job.status() == "running" for job in jobs.jobs(config.results)[:8]):
        st.fragment(run_every=1.0)(_job_list)(config, lang)  # follows the progress files every second
    else:
        _job_list(config, lang)
