"""What the pages share in a browser session: the scenario picked, its changed copy, the error lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from simulator.scenario.errors import ScenarioError

__all__ = ["current_scenario", "error_lines", "show_error"]


def current_scenario() -> tuple[Path | None, Path | None]:
    """The scenario picked on the Scenario page, and its changed copy (None when nothing changed)."""
    picked = st.session_state.get("scenario_path")
    working = st.session_state.get("working_path")
    return (Path(picked) if picked else None), (Path(working) if working else None)


def error_lines(exc: ScenarioError, names: dict[str, str] | None = None) -> str:
    """The CLI's ``error: file:line: key: message`` lines, with saved upload paths shown by their upload name."""
    lines = []
    for issue in exc.issues:
        text = f"error: {issue}"
        for path, name in (names or {}).items():
            text = text.replace(path, name)
        lines.append(text)
    return "\n".join(lines)


def show_error(exc: ScenarioError, names: dict[str, str] | None = None, **kwargs: Any) -> None:
    """Show the error lines in the page (as the CLI prints them; never a traceback)."""
    st.error(error_lines(exc, names), **kwargs)
