"""Limits on what a scenario file may be: its size, its nesting and how far its aliases expand.

A YAML file is refused before any data is built from it when it is not text, is larger than
:data:`MAX_FILE_BYTES`, nests deeper than :data:`MAX_DEPTH`, has an alias that contains
itself, or has aliases that expand it to more than :data:`MAX_VALUES` values (the "billion
laughs" bomb: a few hundred bytes that expand to gigabytes). The largest shipped scenario
has about 3,000 values and 9 levels. The checks walk the composed node tree once, visiting
each shared (aliased) node once, so they cost time and memory in proportion to the text.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from simulator.scenario.errors import Issue, ScenarioError

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_VALUES", "check_tree", "read_text"]

#: Largest scenario file read, in bytes (10 MiB).
MAX_FILE_BYTES = 10 * 2**20
#: Deepest nesting of mappings and lists.
MAX_DEPTH = 50
#: Most values (mappings, lists, keys and scalars) a document may hold once its aliases are expanded.
MAX_VALUES = 200_000

_Path = tuple[str | int, ...]


def read_text(path: Path) -> str:
    """The UTF-8 text of a scenario file, or :class:`ScenarioError` naming what it is instead.

    Raises
    ------
    ScenarioError
        When the file is missing, a folder, unreadable, larger than :data:`MAX_FILE_BYTES`,
        binary (it holds NUL bytes) or not valid UTF-8 (with the line of the first bad byte).
    """
    file = str(path)

    def refuse(message: str, line: int | None = None) -> ScenarioError:
        return ScenarioError([Issue(file, line, "", message)])

    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise refuse("file not found") from None
    except IsADirectoryError:
        raise refuse("is a folder, not a scenario file") from None
    except OSError as exc:
        raise refuse(f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise refuse(f"is larger than {MAX_FILE_BYTES // 2**20} MiB, the limit of a scenario file")
    if b"\0" in raw:
        raise refuse("is a binary file (it holds NUL bytes), not YAML text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise refuse(f"is not UTF-8 text: byte 0x{raw[exc.start]:02x} at offset {exc.start}", line) from None


def _children(node: yaml.Node) -> list[tuple[str | int, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        out: list[tuple[str | int, yaml.Node]] = []
        for key, value in node.value:
            seg = key.value if isinstance(key, yaml.ScalarNode) else "?"
            out += [(seg, key), (seg, value)]
        return out
    if isinstance(node, yaml.SequenceNode):
        return list(enumerate(node.value))
    return []


def _refuse(origin: str, node: yaml.Node, path: _Path, message: str) -> ScenarioError:
    line = node.start_mark.line + 1 if not origin.startswith("--set ") else None
    shown = path if len(path) <= 12 else (*path[:10], "…")  # a deep path, shortened
    return ScenarioError([Issue(origin, line, ".".join(map(str, shown)), message)])


def check_tree(root: yaml.Node, origin: str) -> None:
    """Refuse a composed YAML tree that is recursive, too deep or expands too far.

    Parameters
    ----------
    root : yaml.Node
        The document's node tree (aliases are shared nodes in it).
    origin : str
        The file name, or the ``--set`` option text, that errors name.

    Raises
    ------
    ScenarioError
        One issue with the line and key path of the offending node.
    """
    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (values once expanded, height)
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, int, _Path, bool]] = [(root, 1, (), False)]
    while stack:
        node, depth, path, done = stack.pop()
        key, children = id(node), _children(node)

        if done:
            open_nodes.discard(key)
            size = 1 + sum(measured[id(c)][0] for _, c in children)
            height = 1 + max((measured[id(c)][1] for _, c in children), default=0)
            measured[key] = (size, height)
            if size > MAX_VALUES:
                raise _refuse(
                    origin,
                    node,
                    path,
                    f"aliases expand this to more than {MAX_VALUES:,} values, the limit of a scenario",
                )
        elif key in measured:  # an alias of a node already measured
            if depth - 1 + measured[key][1] > MAX_DEPTH:
                raise _refuse(
                    origin, node, path, f"nested more than {MAX_DEPTH} levels deep (through an alias), the limit"
                )
        elif key in open_nodes:
            raise _refuse(origin, node, path, "recursive alias: the value contains itself")
        elif depth > MAX_DEPTH:
            raise _refuse(origin, node, path, f"nested more than {MAX_DEPTH} levels deep, the limit of a scenario")
        else:
            open_nodes.add(key)
            stack.append((node, depth, path, True))
            stack.extend((c, depth + 1, (*path, seg), False) for seg, c in reversed(children))
