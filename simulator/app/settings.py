"""The app's settings, from the environment that ``python run_scenario.py app`` sets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PASSWORD_ENV", "RESULTS_ENV", "SHIPPED", "Settings", "settings"]

RESULTS_ENV = "BORDER_SIM_APP_RESULTS"
PASSWORD_ENV = "BORDER_SIM_APP_PASSWORD_FILE"
#: The shipped scenarios (``scenarios/*.yaml`` of the repository).
SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"


@dataclass(frozen=True)
class Settings:
    """Where results go, the optional password file, and where the shipped scenarios are."""

    results: Path
    password_file: Path | None
    shipped: Path = SHIPPED


def settings() -> Settings:
    """The settings of this app process (results default: ``./results``)."""
    results = Path(os.environ.get(RESULTS_ENV) or "results").resolve()
    results.mkdir(parents=True, exist_ok=True)
    password = os.environ.get(PASSWORD_ENV)
    return Settings(results, Path(password) if password else None)


def shown(path: Path) -> str:
    """``path`` as the command line shows it: relative to the working folder when inside it."""
    resolved, here = path.resolve(), Path.cwd().resolve()
    return str(resolved.relative_to(here)) if resolved.is_relative_to(here) else str(resolved)
