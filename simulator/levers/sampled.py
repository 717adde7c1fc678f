"""Scenarios drawn from their ``uncertainty:`` ranges: checked once, then one per sample.

:func:`prepare` resolves each entry's paths, finds the whole-number ones and checks that the
ends of every range are valid values of its parameter (a lever's included: the scenario is
validated and its levers applied at both ends). :func:`sample_scenario` then builds the
scenario of one sample, with every error naming the entry's file and line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.levers.apply import LeverError, apply_levers
from simulator.scenario.errors import Issue, ScenarioError
from simulator.scenario.loader import RawScenario, _unshared, issues_at, validate_raw
from simulator.scenario.models import Scenario
from simulator.scenario.uncertainty import KeyPath, UncertainInput, get_value, matches, set_values

__all__ = ["Prepared", "as_dicts", "prepare", "sample_scenario", "sample_values"]

_WHOLE = "must be a whole number"


@dataclass(frozen=True)
class Prepared:
    """One ``uncertainty:`` entry of one scenario, resolved against its data."""

    index: int
    entry: UncertainInput
    paths: tuple[KeyPath, ...]
    whole: bool
    origin: tuple[str, int | None]

    @property
    def path(self) -> str:
        """The entry's path pattern (the input's name)."""
        return self.entry.path


def _origin(raw: RawScenario, index: int) -> tuple[str, int | None]:
    return raw.origins.get(("uncertainty", index, "path"), raw.origins.get(("uncertainty", index), (raw.source, None)))


def _issue(p: Prepared | tuple[int, tuple[str, int | None]], key: str, message: str) -> Issue:
    index, (file, line) = (p.index, p.origin) if isinstance(p, Prepared) else p
    return Issue(file, line, f"uncertainty.{index}.{key}", message)


def _resolve(raw: RawScenario, scenario: Scenario) -> list[Prepared]:
    out, issues = [], []
    for i, entry in enumerate(scenario.uncertainty):
        origin = _origin(raw, i)
        try:
            paths = tuple(matches(raw.data, entry.path))
        except LookupError as exc:
            issues.append(_issue((i, origin), "path", f"'{entry.path}': {exc}"))
            continue
        out.append(Prepared(i, entry, paths, entry.whole() and not entry.relative, origin))
    if issues:
        raise ScenarioError(issues)
    return out


def _whole_paths(raw: RawScenario, prepared: Sequence[Prepared]) -> set[KeyPath]:
    """The matched paths whose parameter takes whole numbers only (found by validating x + 0.5)."""
    data = _unshared(raw.data)
    data.pop("uncertainty", None)
    for p in prepared:
        for path in p.paths:
            node = get_value(data, path[:-1])
            node[path[-1]] = float(node[path[-1]]) + 0.5
    try:
        _build(RawScenario(data, raw.origins, raw.source))
    except ScenarioError as exc:
        return {tuple(_split(i.path)) for i in exc.issues if _WHOLE in i.message}
    return set()


def _split(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def _build(raw: RawScenario) -> Scenario:
    scenario = validate_raw(raw, default_name=Path(raw.source).stem if raw.source != "<dict>" else None)
    if not scenario.levers:
        return scenario
    try:
        return apply_levers(scenario)
    except LeverError as exc:
        raise ScenarioError(issues_at(raw, exc.problems)) from None


def prepare(raw: RawScenario, scenario: Scenario) -> list[Prepared]:
    """Resolve and check ``scenario.uncertainty`` (validated from ``raw``, levers not applied).

    Raises
    ------
    ScenarioError
        On a path that names no number, a real distribution on a whole-number parameter, or a
        range whose ends are outside the parameter's domain; each names the entry's line.
    """
    prepared = _resolve(raw, scenario)
    whole = _whole_paths(raw, prepared)
    issues, out = [], []
    for p in prepared:
        integer = [path for path in p.paths if path in whole]
        if integer and not p.entry.relative and not p.entry.whole():
            name = ".".join(map(str, integer[0]))
            issues.append(_issue(p, "dist", f"{name} takes whole numbers: use dist integer_uniform or a choice"))
        out.append(dataclasses.replace(p, whole=bool(integer)))
    if issues:
        raise ScenarioError(issues)
    for end in (0, -1):
        values = {p.index: p.entry.ends()[end] for p in out}
        _check_end(raw, out, values, "low" if end == 0 else "high")
    for p in out:  # every value of a choice
        for value in p.entry.ends()[1:-1]:
            _check_end(raw, out, {p.index: value}, "values")
    return out


def _check_end(raw: RawScenario, prepared: Sequence[Prepared], values: Mapping[int, float], which: str) -> None:
    try:
        sample_scenario(raw, prepared, values)
    except ScenarioError as exc:
        owners = {path: p for p in prepared if p.index in values for path in p.paths}
        issues = []
        for issue in exc.issues:
            p = owners.get(tuple(_split(issue.path)))
            if p is None:
                issues.append(issue)
                continue
            shown = values[p.index]
            what = f"{shown:g}" + (" × the value there" if p.entry.relative else "")
            issues.append(_issue(p, which, f"{what} at {issue.path} is outside its domain: {issue.message}"))
        raise ScenarioError(issues) from None


def sample_scenario(raw: RawScenario, prepared: Sequence[Prepared], values: Mapping[int, float]) -> Scenario:
    """The scenario (levers applied, ``uncertainty`` emptied) with entry ``i`` drawn as ``values[i]``.

    Entries not in ``values`` keep the scenario's own values.
    """
    data = _unshared(raw.data)
    data.pop("uncertainty", None)
    origins = dict(raw.origins)
    for p in prepared:
        if p.index not in values:
            continue
        set_values(data, values[p.index], list(p.paths), p.entry.relative, p.whole)
        origins.update({path: p.origin for path in p.paths})
    return _build(RawScenario(data, origins, raw.source))


def sample_values(prepared: Sequence[Prepared], units: Mapping[str, float]) -> dict[int, float]:
    """Each entry's value for the uniforms ``units`` (by path); entries without a uniform are left out."""
    return {p.index: p.entry.ppf(units[p.path]) for p in prepared if p.path in units}


def as_dicts(prepared: Sequence[Prepared]) -> list[dict[str, Any]]:
    """The entries as plain data (for a result folder's manifest)."""
    return [{**p.entry.model_dump(mode="json"), "matches": len(p.paths), "whole": p.whole} for p in prepared]
