"""Seeded fuzzing of scenario input: every mutant of the 2024 baseline exits 0 or 2, never a traceback.

Mutants are made from the YAML text (truncation, byte flips, deleted or repeated lines, aliases,
unicode) and from the parsed tree (deleted, duplicated and swapped keys, changed types, extreme
numbers, long strings). Each is validated through the CLI's own ``main`` in this process (the same
code path as ``run_scenario.py validate``); every mutant that validates then runs one day.
"""

from __future__ import annotations

import contextlib
import io
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.cli.commands import main

from .conftest import SCENARIOS

BASE_TEXT = (SCENARIOS / "lang_son_2024.yaml").read_text(encoding="utf-8")
BASE_TREE = yaml.safe_load(BASE_TEXT)
EXTREMES: list[Any] = [0, -1, 1e308, -1e308, math.nan, math.inf, -math.inf, 2**63, 10**30, 0.5, True, None]
ODD_VALUES: list[Any] = [*EXTREMES, "", "x" * 5000, "Hữu Nghị 🚚", "[/bold]", [], {}, [1, 2], {"a": 1}, "2024-02-30"]
RAW_VALUES = [
    "2024-02-30", "2024-13-45", "9999-12-31", "0001-01-01", "2024-08-01T25:00:00", "1e9", "1e400", "true", "'300'",
    "&r [*r]", "&m {<<: *m}", "[" * 80 + "]" * 80, ".nan", "-.inf", "0x10", "1_000", "~", "!!binary aGVsbG8=",
    "!!set {a}", "12:30:00", "0o17", "[/bold]", '"\\x00"', "{a: 1, a: 2}", "*undefined",
]  # fmt: skip
MUTANTS = 320
RUN_ONE_DAY = ["--days", "1", "--set", "run.warmup_days=0", "--replications", "1", "--no-report", "--no-cache"]


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _paths(v, (*prefix, i))
    return out


def _parent(tree: Any, path: tuple[Any, ...]) -> Any:
    for seg in path[:-1]:
        tree = tree[seg]
    return tree


def _tree_mutant(rng: random.Random) -> str:
    tree = yaml.safe_load(BASE_TEXT)
    for _ in range(rng.randint(1, 3)):
        paths = _paths(tree)
        path = rng.choice(paths)
        parent, key = _parent(tree, path), path[-1]
        kind = rng.choice(["delete", "duplicate", "swap", "odd", "odd", "extreme", "extreme"])
        if kind == "delete":
            del parent[key]
        elif kind == "duplicate" and isinstance(parent, dict):
            parent[f"{key}_copy"] = parent[key]
        elif kind == "swap":
            other = rng.choice(paths)
            if other[: len(path)] != path and path[: len(other)] != other:
                op = _parent(tree, other)
                parent[key], op[other[-1]] = op[other[-1]], parent[key]
        elif kind == "odd":
            parent[key] = rng.choice(ODD_VALUES)
        else:
            parent[key] = rng.choice(EXTREMES)
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)


def _text_mutant(rng: random.Random) -> bytes:
    data = bytearray(BASE_TEXT.encode("utf-8"))
    lines = BASE_TEXT.splitlines(keepends=True)
    kind = rng.choice(["truncate", "flip", "lines", "alias", "unicode", "indent", "value", "value", "value"])
    if kind == "truncate":
        return bytes(data[: rng.randrange(len(data))])
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    i = rng.randrange(len(lines))
    if kind == "value":
        keyed = [n for n, line in enumerate(lines) if ": " in line and not line.lstrip().startswith("#")]
        i = rng.choice(keyed)
        lines[i] = lines[i].split(": ")[0] + ": " + rng.choice(RAW_VALUES) + "\n"
    elif kind == "lines":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = (lines[j], lines[i]) if rng.random() < 0.5 else ("", lines[j] + lines[j])
    elif kind == "alias":
        lines[i] = lines[i].replace(": ", ": &a ", 1)
        j = rng.randrange(len(lines))
        lines[j] = lines[j].rstrip("\n").split(":")[0] + ": *a\n" if ":" in lines[j] else lines[j]
    elif kind == "unicode":
        pos = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:pos] + rng.choice(["\u202e", "🚚", "\ufeff", "\t", "\x85", "ữ"]) + lines[i][pos:]
    else:
        lines[i] = " " * rng.randint(1, 6) + lines[i]
    return "".join(lines).encode("utf-8")


def _cli(argv: list[str]) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        status = main(argv)
    return status, err.getvalue()


def _check(status: int, err: str, what: str) -> None:
    assert status in (0, 2), f"{what}: exit {status}: {err}"
    assert "Traceback" not in err, f"{what}: {err}"
    assert all(line.startswith(("error: ", "warning: ")) for line in err.splitlines() if line), f"{what}: {err}"


def _mutants() -> list[tuple[str, Callable[[random.Random], str | bytes]]]:
    return [("tree", _tree_mutant), ("text", _text_mutant)]


@pytest.mark.slow
def test_fuzz_mutants_exit_0_or_2(tmp_path: Path) -> None:
    rng = random.Random(20240801)
    made = validated = 0
    for n in range(MUTANTS):
        name, make = rng.choice(_mutants())
        content = make(rng)
        path = tmp_path / f"mutant_{n:03d}.yaml"
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        status, err = _cli(["validate", str(path)])
        _check(status, err, f"validate {name} mutant {n}")
        made += 1
        if status == 0:
            validated += 1
            status, err = _cli(
                [str(path), *RUN_ONE_DAY, "--event-log", "none", "--quiet", "--out", str(tmp_path / "o")]
            )
            _check(status, err, f"run {name} mutant {n}")
            path.unlink()
            if status == 0:
                (tmp_path / "o").rename(tmp_path / f"ran_{n:03d}")
    assert made >= 300
    assert 0 < validated < made  # the mutations reach both outcomes
