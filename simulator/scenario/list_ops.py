"""List operations of ``extends:``: ``KEY: {append: [...]}``, ``{prepend: [...]}``, ``{replace: [...]}``.

A child file that extends a parent replaces the parent's lists when it writes a plain list. To
add to a parent's list instead, it writes a mapping with one of these keys, at any depth::

    gates:
      huu_nghi:
        stages:
          cn_acceptance:
            closures: {append: [{from: 2024-08-10, to: 2024-08-13}]}

The operation is resolved against the parent's value at the same key path, before the files are
merged, and every item keeps the file and line it was written on. ``replace`` means the same as
a plain list. The ``uncertainty:`` list already merges entry by entry (by ``path``), so there
``append`` is that merge and ``prepend``/``replace`` are refused.
"""

from __future__ import annotations

from typing import Any

from simulator.scenario.errors import Issue, ScenarioError

__all__ = ["OPS", "resolve_list_ops"]

KeyPath = tuple[str | int, ...]
Origins = dict[KeyPath, tuple[str, int | None]]
OPS = ("append", "prepend", "replace")
_MISSING = object()


def _is_op(value: Any) -> bool:
    return isinstance(value, dict) and any(k in OPS for k in value)


def _find_ops(data: Any, path: KeyPath = ()) -> list[KeyPath]:
    """Key paths of every list operation in ``data`` (mappings only: a list replaces whole)."""
    if not isinstance(data, dict):
        return []
    if path and _is_op(data):
        return [path]
    return [p for key, value in data.items() for p in _find_ops(value, (*path, key))]


def _at(data: Any, path: KeyPath) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return _MISSING
        data = data[key]
    return data


def _fail(origins: Origins, source: str, path: KeyPath, message: str) -> ScenarioError:
    file, line = origins.get(path, (source, None))
    return ScenarioError([Issue(file, line, ".".join(map(str, path)), message)])


def _moved(origins: Origins, old: KeyPath, new: KeyPath, offset: int) -> Origins:
    """The origins under ``old + (i, ...)`` moved to ``new + (offset + i, ...)``."""
    n = len(old)
    return {
        (*new, int(key[n]) + offset, *key[n + 1 :]): where
        for key, where in origins.items()
        if key[:n] == old and len(key) > n and isinstance(key[n], int)
    }


def resolve_list_ops(
    data: dict[str, Any], origins: Origins, source: str, parent: tuple[dict[str, Any], Origins] | None
) -> Origins:
    """Turn every list operation of a child file into the plain list it means, in place.

    Parameters
    ----------
    data, origins : the child file's data and the file and line of each of its keys (changed in place).
    source : the child file, for messages.
    parent : the merged data and origins of the file it extends, or None when it extends none.

    Returns
    -------
    dict
        The parent's origins to use in the merge (a prepended list moves the parent's items).

    Raises
    ------
    ScenarioError
        On a list operation with other keys, a value that is not a list, no parent list to add to,
        or ``prepend``/``replace`` on ``uncertainty``.
    """
    parent_origins = dict(parent[1]) if parent else {}
    for path in _find_ops(data):
        op_map = _at(data, path)
        ops = [k for k in op_map if k in OPS]
        if len(op_map) != 1:
            others = ", ".join(str(k) for k in op_map if k != ops[0])
            raise _fail(
                origins, source, path, f"a list operation takes exactly one key ({'/'.join(OPS)}), got also: {others}"
            )
        op, items = ops[0], op_map[ops[0]]
        where = (*path, op)
        if not isinstance(items, list):
            raise _fail(origins, source, where, f"{op}: must be a list of items, got a {type(items).__name__}")
        base = _at(parent[0], path) if parent else _MISSING
        if path == ("uncertainty",) and op != "append":
            raise _fail(
                origins, source, where, "uncertainty entries merge by path: use a plain list or {append: [...]}"
            )
        if op != "replace" and not isinstance(base, list):
            what = (
                "the file extends no parent"
                if parent is None
                else (
                    "the parent has no such key"
                    if base is _MISSING
                    else f"the parent's value is a {type(base).__name__}, not a list"
                )
            )
            raise _fail(origins, source, where, f"{op}: nothing to add to: {what}")
        kept: list[Any] = base if isinstance(base, list) and op != "replace" and path != ("uncertainty",) else []
        moved = _moved(origins, where, path, len(kept) if op == "append" else 0)
        if op == "prepend":
            shifted = _moved(parent_origins, path, path, len(items))
            n = len(path)
            parent_origins = {k: v for k, v in parent_origins.items() if not (k[:n] == path and len(k) > n)}
            parent_origins.update(shifted)
        for key in [k for k in origins if k[: len(where)] == where]:
            del origins[key]
        origins.update(moved)
        node = _at(data, path[:-1])
        node[path[-1]] = [*kept, *items] if op == "append" else [*items, *kept] if op == "prepend" else list(items)
    return parent_origins
