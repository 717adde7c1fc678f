"""[S]/[I]/[A] source tags of scenario values, read from the comments of the original scenario file.

``scenario.resolved.yaml`` keeps no comments, so the tags come from the file that was run: its
path is taken from ``manifest.json`` (an explicit ``scenario_path``/``scenario_file`` entry, or
the ``.yaml`` arguments of the recorded command). A tag belongs to the key on the same line, or
to the next key when the comment stands on the line(s) just above it at the same indentation.
Parents named by ``extends:`` are read too (the child's tags win). Command-line ``--set``
overrides are reported, because a tag describes the value in the file, not the override.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "SourceTags",
    "TaggedValue",
    "citations",
    "overrides_from_command",
    "parse_tags",
    "read_source_tags",
    "value_at",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
_TAG = re.compile(r"\[(S|I|A)(?=[\]\s,;:§])[^\]]*\]")
_KEY = re.compile(r"^(\s*)(-\s+)?([A-Za-z_][\w.-]*|\"[^\"]*\"|'[^']*')\s*:(?:\s+(.*))?$")
#: A section of a source (``§4d``) or a legal document (``NQ 09/2025``, ``QĐ 865/QĐ-TTg``) named in a comment.
_CITE = re.compile(r"\bS-[a-z0-9]+(?:-[a-z0-9]+)+\b|§\s?\d+[a-z]?|\b[A-ZĐ]{2,}\s+\d[\w/.-]*\w")
_BLOCK = re.compile(r"^[|>][-+0-9]*$")
_SHORTHANDS = {"--days": "run.days", "--replications": "run.replications", "--seed": "run.seed"}


@dataclass(frozen=True)
class TaggedValue:
    """One scenario value and the source tags of its comment."""

    path: str
    tags: tuple[str, ...]
    note: str
    written: str
    line: int = 0


@dataclass
class SourceTags:
    """The outcome of reading a scenario's source tags.

    ``status`` is ``ok``, ``no_path`` (the manifest names no file), ``unreadable`` or ``no_tags``.
    """

    status: str
    path: str = ""
    values: list[TaggedValue] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Values per main tag (the first tag of the comment)."""
        return {k: sum(v.tags[0] == k for v in self.values) for k in ("S", "I", "A")}


def _split_comment(line: str) -> tuple[str, str]:
    """``(content, comment)``: the comment starts at a ``#`` after whitespace, outside quotes."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip(), line[i + 1 :].strip()
    return line.rstrip(), ""


def parse_tags(text: str) -> list[TaggedValue]:
    """Every key whose comment (same line, or the lines just above at its indentation) carries a tag."""
    out: list[TaggedValue] = []
    stack: list[tuple[int, str]] = []
    pending: list[tuple[int, str]] = []
    block_indent, seen_key = -1, False
    for number, raw in enumerate(text.splitlines(), start=1):
        indent = len(raw) - len(raw.lstrip(" "))
        if block_indent >= 0 and (not raw.strip() or indent > block_indent):
            continue
        block_indent = -1
        content, comment = _split_comment(raw)
        if not content.strip():
            pending = [*pending, (indent, comment)] if comment else []
            continue
        match = _KEY.match(content)
        if not match:
            pending = []
            continue
        depth = len(match.group(1)) + len(match.group(2) or "")
        while stack and stack[-1][0] >= depth:
            stack.pop()
        stack.append((depth, match.group(3).strip("\"'")))
        value = _clean_value(match.group(4) or "")
        block_indent = depth if _BLOCK.match(value) else -1
        notes = [c for i, c in pending if i == depth] if seen_key else []
        note = " ".join([*notes, comment]).strip()
        seen_key, pending = True, []
        tags = tuple(dict.fromkeys(m.group(1) for m in _TAG.finditer(note)))
        if tags:
            out.append(TaggedValue(".".join(k for _, k in stack), tags, note, value, number))
    return out


def citations(note: str) -> str:
    """The tags and source references of a comment without its words: ``[S] §4d NQ 09/2025``.

    Examples
    --------
    >>> citations("[S] §4d overflow to non-tariff areas; rate of NQ 09/2025 [I §6]")
    '[S] [I] §4d NQ 09/2025 §6'
    """
    tags = dict.fromkeys(f"[{m.group(1)}]" for m in _TAG.finditer(note))
    refs = dict.fromkeys(m.group(0) for m in _CITE.finditer(note))
    return " ".join([*tags, *refs])


def _clean_value(value: str) -> str:
    """The value as written, without an anchor (``&name``)."""
    value = value.strip()
    if value.startswith("&"):
        value = value.split(None, 1)[1] if " " in value else ""
    return value


def scenario_paths(manifest: dict[str, Any]) -> list[str]:
    """Scenario files named by the manifest: an explicit entry, else the command's ``.yaml`` arguments."""
    for key in ("scenario_path", "scenario_file", "scenario_files"):
        value = manifest.get(key)
        if value:
            return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    command = manifest.get("command") or []
    return [str(a) for a in command[1:] if str(a).lower().endswith((".yaml", ".yml"))]


def _locate(name: str) -> Path | None:
    """The file ``name`` as given, or relative to the repository root; None if neither exists."""
    path = Path(name)
    for candidate in [path] if path.is_absolute() else [path, REPO_ROOT / path]:
        if candidate.is_file():
            return candidate
    return None


def read_source_tags(manifest: dict[str, Any], index: int = 0) -> SourceTags:
    """The tags of the ``index``-th scenario file named in ``manifest`` (0 for a plain run)."""
    names = scenario_paths(manifest)
    if not names:
        return SourceTags("no_path")
    name = names[min(index, len(names) - 1)]
    path = _locate(name)
    if path is None:
        return SourceTags("unreadable", name)
    try:
        values = _tags_with_parents(path, depth=0)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return SourceTags("unreadable", name)
    return SourceTags("ok" if values else "no_tags", name, values)


def _tags_with_parents(path: Path, depth: int) -> list[TaggedValue]:
    """Tags of ``path`` and of the files it ``extends`` (at most 10 levels); the child's tags win."""
    text = path.read_text(encoding="utf-8")
    values = parse_tags(text)
    data = yaml.safe_load(text)
    parent = data.get("extends") if isinstance(data, dict) else None
    if parent and depth < 10 and (path.parent / str(parent)).is_file():
        have = {v.path for v in values}
        values += [v for v in _tags_with_parents(path.parent / str(parent), depth + 1) if v.path not in have]
    return values


def overrides_from_command(command: Sequence[str] | None) -> dict[str, str]:
    """``KEY.PATH -> value`` of every ``--set`` and ``--days``/``--replications``/``--seed`` in a command."""
    out: dict[str, str] = {}
    args = [str(a) for a in command or []]
    for i, arg in enumerate(args):
        flag, eq, inline = arg.partition("=")
        value = inline if eq else (args[i + 1] if i + 1 < len(args) else "")
        if flag == "--set":
            key, _, setting = value.partition("=")
            out[key] = setting
        elif flag in _SHORTHANDS:
            out[_SHORTHANDS[flag]] = value
    return out


def value_at(data: Any, path: str) -> Any:
    """The value at a dotted ``path`` of nested mappings, or None when a key is missing."""
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data
