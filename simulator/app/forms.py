"""Form fields generated from the scenario models, and the changed scenario as a YAML that ``extends`` the original.

The fields are found by walking the validated :class:`~simulator.scenario.models.Scenario` and
the pydantic ``model_fields`` of each model in it: every field named in :data:`EDITABLE`
(demand, servers of stages and modes, yard slots, scanner counts, opening hours) and every
number or opening-hours field of a lever's parameter model. A field's type, bounds and help
text come from its model, so a new stage kind or lever needs no change here; the values are
validated by loading the changed file with the CLI's loader (the same messages).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

__all__ = ["EDITABLE", "FormField", "changed_data", "changed_yaml", "form_fields", "set_path"]

#: Field names a planner changes, wherever they sit in the gates' models.
EDITABLE = frozenset({"trucks_per_day", "servers", "slots", "count", "hours"})

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class FormField:
    """One generated input: where it is, its kind (``int``, ``float`` or ``hours``), value and bounds."""

    path: KeyPath
    kind: str
    value: Any
    low: float | None
    high: float | None
    help: str

    @property
    def key(self) -> str:
        """The dotted key path, as ``--set`` writes it."""
        return ".".join(map(str, self.path))


def _bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    low = high = None
    for item in info.metadata:
        for name in ("ge", "gt"):
            if getattr(item, name, None) is not None:
                low = float(getattr(item, name))
        for name in ("le", "lt"):
            if getattr(item, name, None) is not None:
                high = float(getattr(item, name))
    return low, high


def _leaf(path: KeyPath, value: Any, info: FieldInfo) -> FormField | None:
    low, high = _bounds(info)
    helptext = info.description or ""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return FormField(path, "int", value, low, high, helptext)
    if isinstance(value, float) and math.isfinite(value):
        return FormField(path, "float", value, low, high, helptext)
    if path[-1] == "hours" and isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return FormField(path, "hours", ", ".join(value), None, None, helptext)
    return None


def _walk(model: BaseModel, path: KeyPath, names: frozenset[str] | None) -> Iterator[FormField]:
    """Editable fields of ``model``: those in ``names`` (every number and hours field if None)."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        here = (*path, name)
        if isinstance(value, BaseModel):
            yield from _walk(value, here, names)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from _walk(item, (*here, str(key)), names)
        elif names is None or name in names:
            leaf = _leaf(here, value, info)
            if leaf is not None:
                yield leaf


def form_fields(scenario: Any) -> dict[str, list[FormField]]:
    """The generated fields, grouped: one group per gate, one per lever entry."""
    groups: dict[str, list[FormField]] = {}
    for gate_id, gate in scenario.gates.items():
        groups[f"gates.{gate_id}"] = list(_walk(gate, ("gates", gate_id), EDITABLE))
    for i, spec in enumerate(scenario.levers):
        written = set(spec.raw_params)
        fields = [f for f in _walk(spec.params(), ("levers", i), None) if f.path[2] in written and len(f.path) == 3]
        if fields:
            groups[f"levers.{i}.{spec.lever}"] = fields
    return groups


def parse_value(field: FormField, text: Any) -> Any:
    """The YAML value of a field's input (hours: a comma-separated list of windows)."""
    if field.kind == "hours":
        return [w.strip() for w in str(text).split(",") if w.strip()]
    return int(text) if field.kind == "int" else float(text)


def set_path(data: dict[str, Any], path: KeyPath, value: Any) -> None:
    """Set ``value`` at ``path`` in nested mappings (created as needed; lists indexed by int)."""
    node: Any = data
    for key in path[:-1]:
        node = node[key] if isinstance(key, int) else node.setdefault(key, {})
    node[path[-1]] = value


def changed_data(extends: str, changes: dict[KeyPath, Any], levers: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The child scenario: ``extends`` the original, with only the changed values.

    A lever change rewrites the whole ``levers:`` list (``extends`` replaces lists whole), from
    ``levers``, the original's entries as written.
    """
    data: dict[str, Any] = {"extends": extends}
    lever_list = copy.deepcopy(levers) if levers and any(p[0] == "levers" for p in changes) else None
    for path, value in changes.items():
        if path[0] == "levers":
            if lever_list is not None:
                lever_list[int(path[1])][str(path[2])] = value
        else:
            set_path(data, path, value)
    if lever_list is not None:
        data["levers"] = lever_list
    return data


def changed_yaml(extends: str, name: str, changes: dict[KeyPath, Any], levers: list[dict[str, Any]] | None) -> str:
    """The text of the changed scenario, named ``name``, that ``extends`` the original (``extends``: its path
    as the child names it: the file name for a copy saved beside it, the full path for the app's own copy)."""
    data = changed_data(extends, changes, levers)
    data = {"extends": data.pop("extends"), "name": name, **data}
    header = f"# {name}: {Path(extends).name} with {len(changes)} values changed in the border-sim app\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
