"""Scenario loading: safe YAML with line numbers, ``extends:``, ``--set`` and readable errors.

Every problem is reported as ``file:line: key.path: what was expected, got what``. Nothing
from a file or an override is ever evaluated as code: YAML is read with the safe loader.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from simulator.scenario.errors import Issue, ScenarioError, describe_error
from simulator.scenario.limits import check_tree, read_text
from simulator.scenario.list_ops import resolve_list_ops
from simulator.scenario.models import CrossCheckError, Scenario
from simulator.scenario.uncertainty import matches, merge_entries

__all__ = ["RawScenario", "apply_overrides", "issues_at", "load_raw", "parse_override", "read_scenario"]

KeyPath = tuple[str | int, ...]
Origins = dict[KeyPath, tuple[str, int | None]]


@dataclass
class RawScenario:
    """Merged scenario data before validation, with the file and line of every key."""

    data: dict[str, Any]
    origins: Origins
    source: str


def _line_map(node: yaml.Node, file: str, path: KeyPath, out: Origins, issues: list[Issue]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                issues.append(Issue(file, line, ".".join(map(str, (*path, key))), "duplicate key"))
            seen.add(key)
            out[(*path, key)] = (file, line)
            _line_map(value_node, file, (*path, key), out, issues)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[(*path, i)] = (file, item.start_mark.line + 1)
            _line_map(item, file, (*path, i), out, issues)


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: faster


class _Loader(_BaseLoader):
    """The safe loader, but a timestamp that is no real date (``2024-02-30``) stays text.

    The schema then reports it as "must be a date" with its key path and line, like any
    other wrong value, instead of the YAML constructor failing without a key.
    """

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return node.value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
# YAML 1.1 reads 1e9 (no dot) as text; read it as the number it is meant to be (as YAML 1.2 does).
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"), list("-+0123456789")
)


def _parse(text: str, origin: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data of one YAML document, parsed once, safely.

    The tree is checked by :func:`~simulator.scenario.limits.check_tree` before any data is
    built, so recursive aliases, alias bombs and deep nesting are refused cheaply.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_tree(node, origin)
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def _read_yaml(path: Path) -> tuple[dict[str, Any], Origins]:
    file = str(path)
    text = read_text(path)
    try:
        node, data = _parse(text, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(" ".join(filter(None, [exc.context, exc.problem])).split())
        raise ScenarioError([Issue(file, line, "", f"YAML syntax error: {msg}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Issue(file, None, "", f"YAML error: {' '.join(str(exc).split())}")]) from None
    if data is None:
        raise ScenarioError([Issue(file, 1, "", "the file is empty; expected a mapping of scenario keys")])
    if not isinstance(data, dict):
        raise ScenarioError(
            [Issue(file, 1, "", f"the top level must be a mapping of keys, got a {type(data).__name__}")]
        )
    origins: Origins = {(): (file, 1)}
    issues: list[Issue] = []
    if node is not None:
        _line_map(node, file, (), origins, issues)
    if issues:
        raise ScenarioError(issues)
    return data, origins


def deep_merge(base: Any, child: Any) -> Any:
    """Merge ``child`` over ``base``: mappings merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(child, dict):
        out = dict(base)
        for key, value in child.items():
            out[key] = deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(child)


def load_raw(path: str | Path, _stack: tuple[Path, ...] = ()) -> RawScenario:
    """Read ``path`` and every file it ``extends``, merged, without validating.

    Raises
    ------
    ScenarioError
        On a missing file, a YAML error, a missing ``extends`` target or a cycle.
    """
    path = Path(path)
    resolved = path.resolve()
    data, origins = _read_yaml(path)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        resolve_list_ops(data, origins, str(path), None)
        return RawScenario(data, origins, str(path))
    file, line = origins.get(("extends",), (str(path), None))
    if not isinstance(parent_ref, str) or not parent_ref:
        raise ScenarioError([Issue(file, line, "extends", "must be a file name, e.g. base.yaml")])
    parent_path = path.parent / parent_ref
    if parent_path.resolve() in (*_stack, resolved):
        chain = " -> ".join(p.name for p in (*_stack, resolved, parent_path.resolve()))
        raise ScenarioError([Issue(file, line, "extends", f"extends cycle: {chain}")])
    if not parent_path.is_file():
        raise ScenarioError([Issue(file, line, "extends", f"file '{parent_ref}' not found (looked for {parent_path})")])
    parent = load_raw(parent_path, (*_stack, resolved))
    parent.origins = resolve_list_ops(data, origins, str(path), (parent.data, parent.origins))
    merged = deep_merge(parent.data, data)
    merged_origins = {**parent.origins, **origins}
    if isinstance(parent.data.get("uncertainty"), list) and isinstance(data.get("uncertainty"), list):
        merged["uncertainty"], merged_origins = _merge_uncertainty(parent, data, origins)
    _check_inherited_ranges(parent, data, origins)
    return RawScenario(merged, merged_origins, str(path))


def _merge_uncertainty(parent: RawScenario, data: dict[str, Any], origins: Origins) -> tuple[list[Any], Origins]:
    """``uncertainty:`` entries merged by path (:func:`~simulator.scenario.uncertainty.merge_entries`),
    each keeping the file and lines it came from."""
    lists = {"parent": parent.data["uncertainty"], "child": data["uncertainty"]}
    where = {"parent": parent.origins, "child": origins}
    order = merge_entries(lists["parent"], lists["child"])
    out = {k: v for k, v in {**parent.origins, **origins}.items() if k[:1] != ("uncertainty",) or len(k) == 1}
    for k, (side, i) in enumerate(order):
        for key, origin in where[side].items():
            if key[:2] == ("uncertainty", i):
                out[("uncertainty", k, *key[2:])] = origin
    return [copy.deepcopy(lists[side][i]) for side, i in order], out


def _check_inherited_ranges(parent: RawScenario, data: dict[str, Any], origins: Origins) -> None:
    """A child file that sets a value an inherited absolute range overwrites is an error, not a surprise."""
    mine = data.get("uncertainty")
    restated = {e.get("path") for e in mine if isinstance(e, dict)} if isinstance(mine, list) else set()
    inherited = parent.data.get("uncertainty")
    for i, entry in enumerate(inherited if isinstance(inherited, list) else []):
        if not isinstance(entry, dict) or entry.get("relative") or entry.get("path") in restated:
            continue
        try:
            hits = matches(data, str(entry.get("path")))
        except LookupError:
            continue
        file, line = origins.get(hits[0], ("", None))
        pfile, pline = parent.origins.get(("uncertainty", i), (parent.source, None))
        message = (
            f"this file sets the value, but the uncertainty range inherited from {Path(pfile).name}:{pline} "
            "replaces it with an absolute draw; restate that entry here (same path) or make it relative: true"
        )
        raise ScenarioError([Issue(file, line, ".".join(map(str, hits[0])), message)])


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``"KEY.PATH=VALUE"``; the value is read as YAML (safe loader), never evaluated."""
    if "=" not in text:
        raise ScenarioError([Issue("--set", None, text, "expected KEY.PATH=VALUE")])
    key, _, value = text.partition("=")
    parts = key.strip().split(".")
    if not key.strip() or any(not p for p in parts):
        raise ScenarioError([Issue("--set", None, key, "the key path is empty or has an empty part")])
    try:
        parsed = _parse(value, f"--set {text}")[1] if value.strip() else None
    except ScenarioError as exc:  # a limit of simulator.scenario.limits, inside the value
        issues = [dataclasses.replace(i, path=".".join(filter(None, [key.strip(), i.path]))) for i in exc.issues]
        raise ScenarioError(issues) from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise ScenarioError([Issue(f"--set {text}", None, key, f"cannot read the value: {problem}")]) from None
    return parts, parsed


def _unshared(value: Any) -> Any:
    """A copy in which no mapping or list is shared (YAML aliases become separate copies).

    ``copy.deepcopy`` keeps shared nodes shared, so an override inside an anchored block
    would change every place that uses the anchor.
    """
    if isinstance(value, dict):
        return {k: _unshared(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unshared(v) for v in value]
    return value


def apply_overrides(raw: RawScenario, overrides: list[str]) -> RawScenario:
    """Apply ``--set KEY.PATH=VALUE`` overrides to merged data; the path's parent must exist."""
    data = _unshared(raw.data)
    origins = dict(raw.origins)
    for text in overrides:
        parts, value = parse_override(text)
        node: Any = data
        path: list[str | int] = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            key: str | int = part
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ScenarioError(
                        [Issue("--set", None, text, f"'{part}' is not an index of a {len(node)}-item list")]
                    )
                key = int(part)
            elif not isinstance(node, dict):
                where = ".".join(map(str, path)) or "the top level"
                raise ScenarioError([Issue("--set", None, text, f"{where} is a value, not a mapping")])
            elif not last and part not in node:
                known = ", ".join(map(str, node)) or "none"
                raise ScenarioError(
                    [
                        Issue(
                            "--set",
                            None,
                            text,
                            f"no key '{part}' under '{'.'.join(map(str, path)) or 'top level'}' (keys: {known})",
                        )
                    ]
                )
            path.append(key)
            if last:
                node[key] = value
            else:
                node = node[key]
        origins[tuple(path)] = (f"--set {text}", None)
    return RawScenario(data, origins, raw.source)


def validate_raw(raw: RawScenario, default_name: str | None = None) -> Scenario:
    """Validate merged data into a frozen :class:`Scenario`, or raise :class:`ScenarioError`."""
    data = dict(raw.data)
    if "name" not in data and default_name:
        data["name"] = default_name
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            issues.extend(_issues_for(err, raw, data))
        raise ScenarioError(issues) from None


def _issues_for(err: Any, raw: RawScenario, data: dict[str, Any]) -> list[Issue]:
    loc = tuple(err["loc"])
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, CrossCheckError):
        return [_issue(raw, data, loc + tuple(p), msg) for p, msg in cause.problems]
    return [_issue(raw, data, loc, describe_error(err, Scenario, _data_path(data, loc)))]


def _data_path(data: Any, loc: KeyPath) -> KeyPath:
    """Map a pydantic location to the key path in the data (drops union tags such as 'lognormal')."""
    path: list[str | int] = []
    node = data
    for i, seg in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict):
            if seg in node:
                path.append(seg)
                node = node[seg]
            elif node.get("dist") == seg:
                continue  # the discriminator tag pydantic adds for a distribution
            elif last or seg == "[key]":
                path.append(seg)
        elif isinstance(node, list) and isinstance(seg, int) and seg < len(node):
            path.append(seg)
            node = node[seg]
        elif last:
            path.append(seg)
    return tuple(p for p in path if p != "[key]")


def _issue(raw: RawScenario, data: dict[str, Any], loc: KeyPath, message: str) -> Issue:
    path = _data_path(data, loc)
    for n in range(len(path), -1, -1):
        if path[:n] in raw.origins:
            file, line = raw.origins[path[:n]]
            break
    else:  # pragma: no cover - the root is always present
        file, line = raw.source, None
    return Issue(file, line, ".".join(map(str, path)), message)


def read_scenario(
    source: str | Path | dict[str, Any] | Scenario, overrides: list[str] | None = None
) -> tuple[Scenario, RawScenario]:
    """Read and validate a scenario, its ``levers:`` not yet applied.

    Parameters
    ----------
    source : str, Path, dict or Scenario
        A YAML path (``extends:`` is followed), a plain mapping of the same keys, or a Scenario.
    overrides : list of str, optional
        ``KEY.PATH=VALUE`` strings applied after ``extends``, as the CLI's ``--set``.

    Returns
    -------
    tuple of Scenario and RawScenario
        The frozen scenario and the merged data with the file and line of every key, so that
        problems found later (by a lever) can name their origin.

    Raises
    ------
    ScenarioError
        With one :class:`Issue` (file, line, key path, message) per problem.
    """
    if isinstance(source, Scenario):
        source = source.model_dump(mode="json")
    if isinstance(source, dict):
        raw = RawScenario(copy.deepcopy(source), {(): ("<dict>", None)}, "<dict>")
        name = None
    else:
        raw = load_raw(source)
        name = Path(source).stem
    if overrides:
        raw = apply_overrides(raw, overrides)
    return validate_raw(raw, default_name=name), raw


def issues_at(raw: RawScenario, problems: list[tuple[KeyPath, str]]) -> list[Issue]:
    """``(key path, message)`` problems as issues naming the file and line each path came from."""
    return [_issue(raw, raw.data, path, message) for path, message in problems]
