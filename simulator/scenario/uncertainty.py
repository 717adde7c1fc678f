"""Uncertain inputs: the ``uncertainty:`` block of a scenario, and how a sample sets its values.

Most numbers that decide capacity are assumptions ([A]). ``uncertainty:`` lists them with a
distribution each, over any numeric scenario path (a lever's parameter included)::

    uncertainty:
      - path: gates.*.stages.cn_acceptance.cap_per_hour   # '*' matches every key (one draw for all)
        dist: uniform                                      # or triangular, normal, integer_uniform, choice
        low: 0.8
        high: 1.2
        relative: true                                     # a factor of the value the path holds
        tag: A
        why: no public source; ±20% of the calibrated cap is judgement

A ``relative`` entry multiplies the value each matched path holds (after ``extends`` and
``--set``), so a child scenario that changes the value keeps its own; on a whole-number path the
product is rounded to the nearest whole number. An absolute entry sets the drawn value itself;
a whole-number path (servers, slots, fleet) then needs ``integer_uniform`` or a ``choice`` of
whole numbers. ``extends`` merges entries by ``path``: a child's entry replaces its parent's,
and ``dist: none`` removes it.

Every distribution maps a uniform ``u`` in [0, 1) to a value by its inverse CDF, so one design
of uniforms (Latin hypercube or Saltelli) drives every scenario of a comparison: where two
scenarios share a path they get the same ``u``.
"""

from __future__ import annotations

import fnmatch
import math
from abc import abstractmethod
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, StrictFloat, StrictInt, model_validator

from simulator.scenario.types import CrossCheckError, Frozen, Probability, Text

__all__ = [
    "ChoiceInput",
    "IntegerInput",
    "NormalInput",
    "TriangularInput",
    "UncertainInput",
    "UniformInput",
    "get_value",
    "matches",
    "merge_entries",
    "set_values",
]

Real = Annotated[StrictFloat, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
_PATH = r"^[A-Za-z0-9_*?\[\]-]+(\.[A-Za-z0-9_*?\[\]-]+)*$"
KeyPath = tuple[str | int, ...]


class _Entry(Frozen):
    path: str = Field(pattern=_PATH, max_length=300, description="dotted scenario path; '*' matches any key")
    relative: bool = Field(False, description="the drawn value multiplies the value the path holds")
    tag: Literal["A", "I", "S"] = Field(description="[A] assumed, [I] inferred or [S] sourced range")
    why: Text = Field(min_length=1, description="why this range: its source, or that it is judgement")
    source: str = Field("", max_length=60, description="docs/sources.md id of an [S] or [I] range")

    def whole(self) -> bool:
        """Whether every value the distribution gives is a whole number."""
        return False

    @abstractmethod
    def ppf(self, u: float) -> float:
        """The value for a uniform ``u`` in [0, 1)."""

    def ends(self) -> tuple[float, ...]:
        """The extreme values (every value of a choice): checked against the parameter's domain."""
        return (self.ppf(0.0), self.ppf(1.0 - 1e-12))


class UniformInput(_Entry):
    """Every value in [low, high] equally likely."""

    dist: Literal["uniform"]
    low: Real
    high: Real

    @model_validator(mode="after")
    def _order(self) -> UniformInput:
        _ordered(("low", self.low), ("high", self.high))
        return self

    def ppf(self, u: float) -> float:
        return float(self.low + u * (self.high - self.low))


class TriangularInput(_Entry):
    """Triangular on [low, high] with its peak at ``mode``."""

    dist: Literal["triangular"]
    low: Real
    mode: Real
    high: Real

    @model_validator(mode="after")
    def _order(self) -> TriangularInput:
        _ordered(("low", self.low), ("mode", self.mode), ("high", self.high))
        return self

    def ppf(self, u: float) -> float:
        width = self.high - self.low
        if width == 0:
            return float(self.low)
        from scipy import stats  # here, not at import: loading a scenario stays light

        return float(stats.triang.ppf(u, (self.mode - self.low) / width, loc=self.low, scale=width))


class NormalInput(_Entry):
    """Normal with ``mean`` and ``sd``, truncated to [low, high]."""

    dist: Literal["normal"]
    mean: Real
    sd: Annotated[StrictFloat, Field(ge=0, allow_inf_nan=False)]
    low: Real
    high: Real

    @model_validator(mode="after")
    def _order(self) -> NormalInput:
        _ordered(("low", self.low), ("mean", self.mean), ("high", self.high))
        return self

    def ppf(self, u: float) -> float:
        if self.sd == 0 or self.low == self.high:
            return float(self.mean)
        from scipy import stats  # here, not at import: loading a scenario stays light

        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return float(stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd))


class IntegerInput(_Entry):
    """Every whole number in [low, high] equally likely (one stratum each)."""

    dist: Literal["integer_uniform"]
    low: StrictInt = Field(ge=-(10**9), le=10**9)
    high: StrictInt = Field(ge=-(10**9), le=10**9)

    def whole(self) -> bool:
        return True

    @model_validator(mode="after")
    def _order(self) -> IntegerInput:
        _ordered(("low", self.low), ("high", self.high))
        return self

    def ppf(self, u: float) -> float:
        return int(min(self.low + math.floor(u * (self.high - self.low + 1)), self.high))


class ChoiceInput(_Entry):
    """One of ``values``, with ``weights`` (equal when not given)."""

    dist: Literal["choice"]
    values: tuple[Real | StrictInt, ...] = Field(min_length=1, max_length=1000)
    weights: tuple[Probability, ...] = ()

    @model_validator(mode="after")
    def _weights(self) -> ChoiceInput:
        if self.weights and len(self.weights) != len(self.values):
            raise CrossCheckError([(("weights",), f"needs {len(self.values)} weights, one per value")])
        if self.weights and abs(sum(self.weights) - 1) > 1e-9:
            raise CrossCheckError([(("weights",), f"must sum to 1, got {sum(self.weights):g}")])
        return self

    def whole(self) -> bool:
        return all(isinstance(v, int) for v in self.values)

    def ppf(self, u: float) -> float:
        weights = np.asarray(self.weights or [1.0] * len(self.values), dtype=float)
        cumulative = np.cumsum(weights) / weights.sum()
        return self.values[min(int(np.searchsorted(cumulative, u, side="right")), len(self.values) - 1)]

    def ends(self) -> tuple[float, ...]:
        return tuple(sorted(set(self.values)))


UncertainInput = Annotated[
    UniformInput | TriangularInput | NormalInput | IntegerInput | ChoiceInput, Field(discriminator="dist")
]


def _ordered(*pairs: tuple[str, float]) -> None:
    for (name_a, a), (name_b, b) in zip(pairs, pairs[1:]):
        if a > b:
            raise CrossCheckError([((name_b,), f"must be >= {name_a} ({a:g}), got {b:g}")])


def merge_entries(parent: list[Any], child: list[Any]) -> list[tuple[str, int]]:
    """``extends`` for ``uncertainty:``: entries merge by ``path``; ``dist: none`` removes one.

    Returns where each merged entry comes from, in order: ``("parent", i)`` or ``("child", i)``,
    so the caller can keep each entry's file and line.
    """
    out: list[tuple[str, int]] = [("parent", i) for i in range(len(parent))]

    def path_of(item: tuple[str, int]) -> Any:
        entry = (parent if item[0] == "parent" else child)[item[1]]
        return entry.get("path") if isinstance(entry, dict) else None

    for i, entry in enumerate(child):
        path = entry.get("path") if isinstance(entry, dict) else None
        drop = isinstance(entry, dict) and entry.get("dist") == "none"
        same = [j for j, item in enumerate(out) if path is not None and path_of(item) == path]
        if same:
            if drop:
                del out[same[0]]
            else:
                out[same[0]] = ("child", i)
        elif not drop:
            out.append(("child", i))
    return out


def matches(data: Any, pattern: str) -> list[KeyPath]:
    """Every numeric value's key path in ``data`` that the dotted ``pattern`` names ('*' per part).

    Raises
    ------
    LookupError
        With a readable reason when nothing matches, or a match is not a number.
    """
    found: list[tuple[KeyPath, Any]] = [((), data)]
    parts = pattern.split(".")
    for depth, part in enumerate(parts):
        step: list[tuple[KeyPath, Any]] = []
        for path, node in found:
            step.extend(_children(node, path, part))
        if not step:
            where = ".".join(parts[:depth]) or "the top level"
            keys = sorted({str(k) for _, n in found for k in _keys(n)})[:12]
            raise LookupError(f"no '{part}' under {where} (keys: {', '.join(keys) or 'none'})")
        found = step
    bad = [(p, v) for p, v in found if isinstance(v, bool) or not isinstance(v, int | float)]
    if bad:
        path, value = bad[0]
        raise LookupError(f"{'.'.join(map(str, path))} is {type(value).__name__} {value!r}, not a number")
    return [p for p, _ in found]


def _keys(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node)
    return list(range(len(node))) if isinstance(node, list) else []


def _children(node: Any, path: KeyPath, part: str) -> list[tuple[KeyPath, Any]]:
    if isinstance(node, dict):
        names = [k for k in node if fnmatch.fnmatchcase(str(k), part)]
        return [((*path, k), node[k]) for k in names]
    if isinstance(node, list):
        return [((*path, i), v) for i, v in enumerate(node) if fnmatch.fnmatchcase(str(i), part)]
    return []


def get_value(data: Any, path: KeyPath) -> Any:
    """The value at a key path."""
    for part in path:
        data = data[part]
    return data


def set_values(data: dict[str, Any], value: float, paths: list[KeyPath], relative: bool, whole: bool) -> None:
    """Set (or, ``relative``, scale) every matched path of ``data`` in place; ``whole`` rounds.

    ``data`` must hold no shared nodes (see :func:`simulator.scenario.loader.apply_overrides`).
    """
    for path in paths:
        node = get_value(data, path[:-1])
        new = node[path[-1]] * value if relative else value
        node[path[-1]] = int(math.floor(new + 0.5)) if whole else new
