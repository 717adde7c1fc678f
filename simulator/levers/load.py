"""Loading a scenario as a user means it: read, validate, then apply its ``levers:`` in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.levers.apply import LeverError, apply_levers
from simulator.scenario.errors import ScenarioError
from simulator.scenario.loader import issues_at, read_scenario
from simulator.scenario.models import Scenario

__all__ = ["load_scenario"]

WARMUP_KEY = ("run", "warmup_days")


def load_scenario(source: str | Path | dict[str, Any] | Scenario, overrides: list[str] | None = None) -> Scenario:
    """Load and validate a scenario from a YAML file, a mapping, or an existing Scenario.

    Parameters
    ----------
    source : str, Path, dict or Scenario
        A YAML path (``extends:`` is followed), a plain mapping of the same keys, or a Scenario.
    overrides : list of str, optional
        ``KEY.PATH=VALUE`` strings applied after ``extends``, as the CLI's ``--set``.

    Returns
    -------
    Scenario
        The frozen, validated scenario, with its ``levers`` applied in order (and recorded in
        its ``provenance``).

    Raises
    ------
    ScenarioError
        With one :class:`~simulator.scenario.errors.Issue` (file, line, key path, message) per
        problem; a lever's problems point at the lines of its entry.

    Examples
    --------
    >>> sc = load_scenario("scenarios/examples/mm1.yaml", overrides=["run.days=30"])
    >>> sc.run.days, sc.run.warmup_days
    (30, 10)
    >>> load_scenario("scenarios/examples/mm1.yaml", overrides=["run.days=2"])
    Traceback (most recent call last):
    ...
    simulator.scenario.errors.ScenarioError: scenarios/examples/mm1.yaml:15: run.warmup_days: must be < days (2), got 10
    """
    scenario, raw = read_scenario(source, overrides)
    origin = raw.origins.get(WARMUP_KEY)
    if origin is None and isinstance(source, Scenario):
        origin = source._warmup_origin  # reloaded (e.g. aligned for a comparison): keep where "auto" was written
    if not scenario.levers:
        return scenario.with_warmup_origin(origin)
    try:
        return apply_levers(scenario).with_warmup_origin(origin)
    except LeverError as exc:
        raise ScenarioError(issues_at(raw, exc.problems)) from None
