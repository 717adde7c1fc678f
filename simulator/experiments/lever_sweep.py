"""Adoption sweeps: one lever parameter over a list of values, compared on common random numbers."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from simulator.experiments.comparison import Comparison, LeverSweep, ScenarioLike, _flow, compare
from simulator.levers.load import load_scenario
from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.lever_params import PARAMS
from simulator.scenario.loader import apply_overrides, load_raw
from simulator.scenario.models import Scenario

__all__ = ["LeverSweep", "compare_lever", "lever_variants", "parse_lever_sweep"]


def _lever_issue(text: str, message: str) -> ScenarioError:
    return ScenarioError([Issue("--lever", None, text, message)])


def parse_lever_sweep(text: str) -> LeverSweep:
    """Parse ``LEVER.PARAM=v1,v2,...``; each value is read as YAML (``0.5``, ``40``, ``true``).

    Raises
    ------
    ScenarioError
        For a malformed text, an unknown lever or parameter (with a suggestion), or fewer than two values.
    """
    name, _, spec = (part.strip() for part in text.partition("="))
    lever, _, param = name.partition(".")
    if not lever or not param or not spec:
        raise _lever_issue(text, "expected LEVER.PARAM=v1,v2,..., e.g. autonomous_transport.share=0,0.5,1")
    model = PARAMS.get(lever)
    if model is None:
        close = difflib.get_close_matches(lever, list(PARAMS), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"levers: {', '.join(PARAMS)}"
        raise _lever_issue(text, f"unknown lever '{lever}'; {hint}")
    if param not in model.model_fields:
        close = difflib.get_close_matches(param, list(model.model_fields), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"parameters: {', '.join(model.model_fields)}"
        raise _lever_issue(text, f"lever '{lever}' has no parameter '{param}'; {hint}")
    try:
        values = tuple(yaml.safe_load(v) for v in spec.split(",") if v.strip())
    except yaml.YAMLError:
        raise _lever_issue(text, f"cannot read the values '{spec}'") from None
    if len(values) < 2:
        raise _lever_issue(text, "give at least two values to compare")
    return LeverSweep(lever, param, values)


def _lever_overrides(levers: Any, sweep: LeverSweep, value: Any) -> list[str]:
    """The ``--set`` that give the swept lever ``value``: in every entry of the base's, or in a new last entry."""
    levers = levers if isinstance(levers, list) else []
    found = [i for i, spec in enumerate(levers) if isinstance(spec, dict) and spec.get("lever") == sweep.lever]
    if found:
        return [f"levers.{i}.{sweep.param}={_flow(value)}" for i in found]
    return [f"levers={_flow([*levers, {'lever': sweep.lever, sweep.param: value}])}"]


def lever_variants(base: ScenarioLike, sweep: LeverSweep | str, overrides: list[str] | None = None) -> list[Scenario]:
    """The base scenario once per value of a lever parameter, named ``<base>.<param>-<value>``.

    If the base file lists the lever, the parameter of every entry of that lever takes each
    value (e.g. the adoption share of the lanes at two gates); else the lever, with only that
    parameter, is appended to the base's ``levers``. A base given as a
    :class:`Scenario` has its levers applied already, so the lever is appended.

    Raises
    ------
    ScenarioError
        For a bad sweep text, or a value the lever refuses (reported at ``--lever``).
    """
    sweep = parse_lever_sweep(sweep) if isinstance(sweep, str) else sweep
    if isinstance(base, Scenario):
        source: str | Path | dict[str, Any] = base.model_dump(mode="json")
        levers: Any = []
        stem = base.name
    else:
        raw = apply_overrides(load_raw(base), overrides or [])
        source, levers, stem = base, raw.data.get("levers"), str(raw.data.get("name") or Path(base).stem)
    variants = []
    for value in sweep.values:
        label = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{stem}.{sweep.param}-{_flow(value)}")
        sets = [*(overrides or []), *_lever_overrides(levers, sweep, value), f"name={label}"]
        try:
            variants.append(load_scenario(source, sets))
        except ScenarioError as exc:
            issues = [
                replace(i, file=f"--lever {sweep.column}={_flow(value)}") if i.file.startswith("--set") else i
                for i in exc.issues
            ]
            raise ScenarioError(issues) from None
    return variants


def compare_lever(base: ScenarioLike, sweep: LeverSweep | str, **options: Any) -> Comparison:
    """Compare the values of one lever parameter on common random numbers (an adoption sweep).

    Every value is run as a scenario (:func:`lever_variants`); the first value is the
    comparison's base, so each difference is "this value minus the first". The result's
    ``sweep`` holds the parameter and values; its files add ``sweep.csv`` and
    ``sweep_summary.csv`` (:meth:`Comparison.sweep_tables`).

    Parameters
    ----------
    base : Scenario, str or Path
        The base scenario.
    sweep : LeverSweep or str
        ``LEVER.PARAM=v1,v2,...``.
    **options
        As for :func:`compare` (``overrides`` are applied to the base before the lever).
    """
    sweep = parse_lever_sweep(sweep) if isinstance(sweep, str) else sweep
    variants = lever_variants(base, sweep, options.pop("overrides", None))
    result = compare(*variants, **options)
    result.sweep = sweep
    return result
