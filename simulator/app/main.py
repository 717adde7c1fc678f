"""The app's entry file: ``streamlit run simulator/app/main.py`` (``python run_scenario.py app`` does it)."""

from __future__ import annotations

import streamlit as st

from simulator.app.page_replay import replay_page
from simulator.app.page_results import results_page
from simulator.app.page_run import run_page
from simulator.app.page_scenario import scenario_page
from simulator.app.safety import check_password
from simulator.app.settings import settings
from simulator.report.i18n import t

PAGES = {"scenario": scenario_page, "run": run_page, "results": results_page, "replay": replay_page}
LANGS = {"en": "English", "vi": "Tiếng Việt"}


def main() -> None:
    """Password (when set), language and page choice, then the page."""
    st.set_page_config(page_title="border-sim", layout="wide")
    config = settings()
    lang = st.sidebar.radio("Language / Ngôn ngữ", list(LANGS), format_func=LANGS.__getitem__, key="lang")
    if config.password_file is not None and not st.session_state.get("authed"):
        given = st.text_input(t("app.password", lang), type="password", key="password")
        if given and check_password(given, config.password_file):
            st.session_state["authed"] = True
            st.rerun()
        if given:
            st.error(t("app.password.wrong", lang))
        st.stop()
    st.sidebar.title(t("app.title", lang))
    page = st.sidebar.radio(
        t("app.page", lang), list(PAGES), format_func=lambda p: t(f"app.page.{p}", lang), key="page"
    )
    PAGES[page](config, lang)


main()
