"""User-facing input errors: one :class:`Issue` per problem, with file, line and key path."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

__all__ = ["Issue", "ScenarioError", "describe_error"]


@dataclass(frozen=True)
class Issue:
    """One problem in a scenario: where it is and what was expected."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(Exception):
    """Raised for invalid scenario input; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(map(str, issues)))


def _got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _model_at(root: type[BaseModel], path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that holds the keys at ``path`` (best effort; None for unions)."""
    tp: Any = root
    for seg in path:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(seg))
            if field is None:
                return None
            tp = field.annotation
        else:
            tp = _inner(tp)
            if tp is None:
                return None
        tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else None
    return tp


def _inner(tp: Any) -> Any:
    origin = get_origin(tp)
    if origin is dict:
        return _unwrap(get_args(tp)[1])
    if origin is list:
        return _unwrap(get_args(tp)[0])
    return None


def _unknown_key(err: dict[str, Any], root: type[BaseModel], path: tuple[str | int, ...]) -> str:
    key = str(path[-1]) if path else "?"
    model = _model_at(root, path[:-1])
    if model is None:
        return f"unknown key '{key}'"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; allowed keys: {', '.join(allowed)}"
    return f"unknown key '{key}'{hint}"


def _int_type(value: Any) -> str:
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        if value.is_integer():
            return f"must be an integer, written without a decimal point, got {_got(value)}"
        return f"must be a whole number, got {_got(value)}"
    return f"must be an integer, got {_got(value)}"


def describe_error(err: dict[str, Any], root: type[BaseModel], path: tuple[str | int, ...]) -> str:
    """Turn one pydantic error into 'what was expected, got what'."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    is_int = isinstance(value, int) and not isinstance(value, bool)
    simple = {
        "missing": "required key is missing",
        "int_type": _int_type(value),
        "int_parsing": f"must be an integer, got {_got(value)}",
        "int_from_float": f"must be a whole number, got {_got(value)}",
        "float_type": f"must be a number, got {_got(value)}",
        "float_parsing": f"must be a number, got {_got(value)}",
        "finite_number": f"must be a finite number, got {_got(value)}",
        "bool_type": f"must be true or false, got {_got(value)}",
        "bool_parsing": f"must be true or false, got {_got(value)}",
        "string_type": f"must be a text string, got {_got(value)}",
        "dict_type": f"must be a mapping of keys, got {_got(value)}",
        "model_type": f"must be a mapping of keys, got {_got(value)}",
        "model_attributes_type": f"must be a mapping of keys, got {_got(value)}",
        "list_type": f"must be a list, got {_got(value)}",
        "date_from_datetime_parsing": f"must be a date YYYY-MM-DD, got {_got(value)}",
        "date_parsing": f"must be a date YYYY-MM-DD, got {_got(value)}",
        "date_type": f"must be a date YYYY-MM-DD, got {_got(value)}",
    }
    if kind in simple:
        return simple[kind]
    if kind == "extra_forbidden":
        return _unknown_key(err, root, path)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        noun = "an integer" if is_int and isinstance(bound, int) else "a number"
        return f"must be {noun} {op} {bound:g}, got {_got(value)}"
    if kind in ("too_short", "too_long"):
        lo, hi = ctx.get("min_length"), ctx.get("max_length")
        want = (
            f"exactly {lo}"
            if lo == hi and lo is not None
            else (f"at least {lo}" if kind == "too_short" else f"at most {hi}")
        )
        return f"must have {want} items, got {ctx.get('actual_length')}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {_got(value)}"
    if kind == "union_tag_invalid":
        return f"unknown distribution {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return f"missing key '{ctx.get('discriminator', 'dist').strip(chr(39))}' naming the distribution"
    if kind == "string_pattern_mismatch":
        return f"{_got(value)} is not a valid name: use lower_snake_case letters, digits and '_'"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    return f"{err['msg']}, got {_got(value)}"
