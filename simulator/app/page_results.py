"""The Results page: any result folder under the results folder, answer first, as interactive charts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from simulator.app.charts import backlog_figure, forest_figure, kpi_table, trs_figure, utilisation_figure
from simulator.app.page_uncertainty import uncertainty_section
from simulator.app.safety import APP_DIR, inside
from simulator.app.settings import Settings
from simulator.app.state import show_error
from simulator.experiments.folders import RunFolder
from simulator.report.i18n import fmt_ci, kpi_name, t
from simulator.report.uncertainty_files import is_uncertainty
from simulator.scenario.errors import ScenarioError

__all__ = ["differences_table", "result_folders", "results_page"]

_DOWNLOADS = (".json", ".csv", ".yaml", ".parquet", ".gz", ".html", ".pdf")


def result_folders(root: Path) -> list[Path]:
    """Result folders under ``root`` (with a ``manifest.json``, ``capacity.json`` or ``uncertainty.json``; not the
    scenario folders inside a compare folder, nor the app's own files), newest first."""
    marks = [*root.rglob("manifest.json"), *root.rglob("capacity.json"), *root.rglob("uncertainty.json")]
    found = sorted({p.parent for p in marks if APP_DIR not in p.relative_to(root).parts})
    found = [p for p in found if not (p.parent / "manifest.json").is_file() or p.parent == root]  # not the parts
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def differences_table(comparison: pd.DataFrame, lang: str, scope: str = "all") -> pd.DataFrame:
    """Paired differences of a compare folder: KPI, base, alternative, difference with its 95% CI."""
    rows = comparison[comparison.scope == scope]
    return pd.DataFrame(
        {
            "kpi": [kpi_name(k, lang) for k in rows.kpi],
            "alternative": rows.alternative.to_numpy(),
            "base": rows.base_mean.round(3).to_numpy(),
            "alt": rows.alt_mean.round(3).to_numpy(),
            "difference": [
                fmt_ci(m, lo, hi, lang, 3) for m, lo, hi in zip(rows.diff_mean, rows.diff_ci_low, rows.diff_ci_high)
            ],
            "significant": rows.significant.to_numpy(),
        }
    )


def _capacity(folder: Path, lang: str) -> None:
    table = pd.read_csv(folder / "capacity.csv")
    st.subheader(t("app.results.capacity", lang))
    st.dataframe(table, hide_index=True, key="capacity_table")
    fig = go.Figure()
    for name, rows in table.groupby("scenario"):
        fig.add_trace(
            go.Bar(
                x=rows.unit,
                y=rows.capacity_per_day,
                name=str(name),
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": rows.capacity_ci_high - rows.capacity_per_day,
                    "arrayminus": rows.capacity_per_day - rows.capacity_ci_low,
                },
                customdata=[
                    fmt_ci(m, lo, hi, lang, 0)
                    for m, lo, hi in zip(rows.capacity_per_day, rows.capacity_ci_low, rows.capacity_ci_high)
                ],
                hovertemplate="%{x}<br>%{customdata}<extra></extra>",
            )
        )
    fig.update_layout(title=t("app.results.capacity", lang), barmode="group", height=380)
    st.plotly_chart(fig, key="capacity_chart")


def _runs(folder: Path) -> dict[str, RunFolder]:
    if (folder / "summary.json").is_file():
        run = RunFolder.load(folder)
        return {run.name: run}
    return {p.name: RunFolder.load(p) for p in sorted(folder.iterdir()) if (p / "summary.json").is_file()}


def _run_charts(runs: dict[str, RunFolder], lang: str) -> None:
    for name, run in runs.items():
        st.subheader(f"{t('app.results.kpis', lang)} — {name}")
        st.dataframe(kpi_table(run.summary, lang), hide_index=True, key=f"kpis:{name}")
    st.plotly_chart(backlog_figure({n: r.timeseries for n, r in runs.items()}, lang), key="backlog")
    st.plotly_chart(utilisation_figure({n: r.summary for n, r in runs.items()}, lang), key="util")
    trs = {n: pd.read_csv(r.path / "trs.csv") for n, r in runs.items() if (r.path / "trs.csv").is_file()}
    if trs:
        st.plotly_chart(trs_figure(trs, lang), key="trs")


def _downloads(folder: Path, lang: str) -> None:
    from simulator.report.build import find_browser, print_pdf, write_report

    st.subheader(t("app.results.downloads", lang))
    report = folder / ("report.html" if lang == "en" else f"report.{lang}.html")
    if (
        not report.is_file()
        and (folder / "manifest.json").is_file()
        and st.button(t("app.results.report_html", lang) + " …")
    ):
        write_report([folder], report, lang=lang)
    if report.is_file():
        st.download_button(
            t("app.results.report_html", lang),
            report.read_bytes(),
            file_name=report.name,
            key="report_html",
            on_click="ignore",
        )
        pdf = report.with_suffix(".pdf")
        if find_browser() is None:
            st.caption(t("app.results.pdf_missing", lang))
        elif pdf.is_file():
            st.download_button(
                t("app.results.report_pdf", lang),
                pdf.read_bytes(),
                file_name=pdf.name,
                key="report_pdf",
                on_click="ignore",
            )
        elif st.button(t("app.results.report_pdf", lang) + " …", key="make_pdf"):
            print_pdf(report, pdf)
            st.rerun()
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in _DOWNLOADS and "charts" not in p.parts]
    for i, p in enumerate(files[:40]):
        st.download_button(
            str(p.relative_to(folder)), p.read_bytes(), file_name=p.name, key=f"file:{i}", on_click="ignore"
        )


def _open(config: Settings, lang: str) -> Path | None:
    folders = result_folders(config.results)
    if not folders:
        st.info(t("app.results.none", lang, root=str(config.results)))
    names = [str(p.relative_to(config.results)) for p in folders]
    chosen = st.selectbox(t("app.results.folder", lang), names, key="folder") if names else ""
    typed = st.text_input(t("app.results.folder", lang) + " (path)", value="", key="folder_path").strip()
    try:
        folder = inside(config.results, typed or chosen or ".", lang, origin="folder")
    except ScenarioError as exc:
        show_error(exc)
        return None
    if not any((folder / name).is_file() for name in ("manifest.json", "capacity.json", "uncertainty.json")):
        return None
    return folder


def results_page(config: Settings, lang: str) -> None:
    """Show one result folder: capacity first, then KPIs with CIs, differences, charts, downloads."""
    st.header(t("app.page.results", lang))
    folder = _open(config, lang)
    if folder is None:
        return
    try:
        if is_uncertainty(folder):
            uncertainty_section(folder, result_folders(config.results), config.results, lang)
        if (folder / "capacity.csv").is_file():
            _capacity(folder, lang)
        if (folder / "comparison.csv").is_file():
            comparison = pd.read_csv(folder / "comparison.csv")
            st.subheader(t("app.results.differences", lang))
            st.dataframe(differences_table(comparison, lang), hide_index=True, key="differences")
            st.plotly_chart(forest_figure(comparison, lang), key="forest")
        runs = _runs(folder)
        if runs:
            _run_charts(runs, lang)
    except ScenarioError as exc:
        show_error(exc)
        return
    _downloads(folder, lang)
    made = next((folder / n for n in ("manifest.json", "study_manifest.json") if (folder / n).is_file()), None)
    manifest = json.loads(made.read_text(encoding="utf-8")) if made is not None else {}
    if manifest.get("command"):
        st.code("python " + " ".join(map(str, manifest["command"])), language="bash")
