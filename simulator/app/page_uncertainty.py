"""An uncertainty folder on the Results page: combined intervals, claims' probabilities, the inputs' shares.

The folder is what ``run``, ``compare`` or ``capacity`` with ``--uncertainty N`` writes (read with
:func:`simulator.report.uncertainty_files.load_uncertainty`); the page shows its files as they are
and computes nothing. The report's section "How sure are we" needs a run or compare folder beside
the study: the page offers the result folders and builds the report from both.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from simulator.analysis.registry import view
from simulator.analysis.uncertainty import srrc_min_samples
from simulator.report.i18n import kpi_name, t
from simulator.report.uncertainty_files import UncertaintyStudy, key_sensitivity, load_uncertainty, unranked_reason

__all__ = ["claims_table", "intervals_table", "shares_figure", "uncertainty_section"]

_GATE_KPIS = ("throughput_per_day", "time_in_system_h_mean")  # per gate, as the CLI prints them


def _kpis(command: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The KPIs shown for the whole system and per gate."""
    if command == "capacity":
        return ("capacity_per_day", "capacity_ratio"), ("capacity_per_day", "capacity_ratio")
    every = tuple(k.key for k in view("compare"))
    return every, _GATE_KPIS


def intervals_table(study: UncertaintyStudy, lang: str) -> pd.DataFrame:
    """Per scenario (or alternative against its base), scope and key KPI: mean and combined interval.

    The numbers are the ``uncertainty_summary.csv`` ones rounded to 3 decimals: ``mean``, ``p05``,
    ``p95``, ``input_share`` (the share of the variance from the inputs) and ``p_improves``.
    """
    s = study.summary
    whole, gates = _kpis(study.command)
    keep = ((s.scope == "all") & s.kpi.isin(whole)) | ((s.scope == "gate") & s.kpi.isin(gates))
    rows = s[keep & (s.n_samples > 0)]
    return pd.DataFrame(
        {
            "scenario": [sc if not b else f"{sc} vs {b}" for sc, b in zip(rows.scenario, rows.base)],
            "scope": [k if sc == "gate" else "all" for sc, k in zip(rows.scope, rows.key)],
            "kpi": [kpi_name(k, lang) for k in rows.kpi],
            "what": rows.what.to_numpy(),
            "mean": rows["mean"].round(3).to_numpy(),
            "p05": rows.p05.round(3).to_numpy(),
            "p95": rows.p95.round(3).to_numpy(),
            "input_share": rows.input_share.round(3).to_numpy(),
            "p_improves": rows.p_improves.round(3).to_numpy(),
        }
    )


def claims_table(study: UncertaintyStudy) -> pd.DataFrame:
    """Each claim: scenario, samples where it holds, probability with its 95% CI (``robustness.csv``)."""
    r = study.robustness
    return pd.DataFrame(
        {
            "claim": r.claim.to_numpy(),
            "scenario": [sc if not b else f"{sc} vs {b}" for sc, b in zip(r.scenario, r.base)],
            "holds": [f"{h} / {n}" for h, n in zip(r.holds, r.n_samples)],
            "probability": r.probability.round(3).to_numpy(),
            "ci_low": r.ci_low.round(3).to_numpy(),
            "ci_high": r.ci_high.round(3).to_numpy(),
        }
    )


def not_ranked_note(study: UncertaintyStudy, lang: str) -> str | None:
    """Why the shares are blank, when a rank regression had too few samples for its inputs; else None."""
    _, sel = key_sensitivity(study.sensitivity, study.command)
    if sel.empty or unranked_reason(str(sel.method.iloc[0]), sel) != "too_few":
        return None
    need, used = srrc_min_samples(len(sel)), int(sel.n_samples.iloc[0])
    return t("app.results.unc.not_ranked", lang, n=used, inputs=len(sel), need=need)


def shares_figure(study: UncertaintyStudy, lang: str) -> go.Figure:
    """Bars of each input's share of the spread of the key KPI (its difference when there is one)."""
    kpi, sel = key_sensitivity(study.sensitivity, study.command)
    fig = go.Figure()
    if not sel.empty:
        fig.add_trace(
            go.Bar(
                x=sel.share.fillna(0.0),
                y=sel.input,
                orientation="h",
                customdata=[f"{v:.0%}" if v == v else "–" for v in sel.share],
                hovertemplate="%{y}<br>%{customdata}<extra></extra>",
            )
        )
    fig.update_layout(title=t("app.results.unc.shares", lang, kpi=kpi_name(kpi, lang)), height=320)
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    return fig


def _report(study: UncertaintyStudy, others: list[Path], root: Path, lang: str) -> None:
    from simulator.report.build import write_report

    st.subheader(t("app.results.unc.report", lang))
    pairs = [p for p in others if (p / "manifest.json").is_file() and p != study.folder]
    if not pairs:
        st.caption(t("app.results.unc.none", lang))
        return
    names = [str(p.relative_to(root)) for p in pairs]
    chosen = pairs[names.index(st.selectbox(t("app.results.folder", lang), names, key="unc_pair"))]
    report = study.folder / ("report.html" if lang == "en" else f"report.{lang}.html")
    if st.button(t("app.results.report_html", lang) + " …", key="unc_make_report"):
        write_report([chosen, study.folder], report, lang=lang)
    if report.is_file():
        st.download_button(
            t("app.results.report_html", lang),
            report.read_bytes(),
            file_name=report.name,
            key="unc_report",
            on_click="ignore",
        )


def uncertainty_section(folder: Path, others: list[Path], root: Path, lang: str) -> None:
    """Show the study in ``folder``; ``others`` are the result folders a report can pair it with.

    Raises
    ------
    ScenarioError
        The folder is incomplete or a file is unreadable (one line naming it).
    """
    study = load_uncertainty(folder)
    level = study.level
    st.subheader(t("app.results.unc.intervals", lang, level=level))
    st.caption(f"{study.command}: N = {study.n} ({study.info['method']}), {len(study.inputs)} inputs")
    st.dataframe(intervals_table(study, lang), hide_index=True, key="unc_intervals")
    if not study.robustness.empty:
        st.subheader(t("app.results.unc.claims", lang))
        st.dataframe(claims_table(study), hide_index=True, key="unc_claims")
    st.plotly_chart(shares_figure(study, lang), key="unc_shares")
    note = not_ranked_note(study, lang)
    if note:
        st.caption(note)
    _report(study, others, root, lang)
