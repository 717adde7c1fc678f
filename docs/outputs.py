"""Rerun the commands whose console output the documentation shows and check the text against it.

A ``console`` block of README.md or docs/*.md that shows output (lines after a ``$ command``)
carries one of these HTML comments on the lines just above it::

    <!-- output: tol=5% -->
    <!-- output: tol=5% manual: about 3 min at the stated size -->
    <!-- output-not-checked: REASON -->

An ``output`` block is rerun here exactly as written (no testing caps, fresh folder and cache,
an 80-column terminal, standard error merged into standard output) and each command's output is
compared with the lines shown under it:

- the words, labels, column names and table borders must be the same (runs of spaces and of
  rule characters count as one; so a wider number does not fail the check);
- every number must agree within ``tol`` (relative), plus one unit of its last shown decimal (half a
  unit for an integer);
- paths of result folders (``results/...``, ``/tmp/...``), time stamps and wall times are ignored;
- a line ``...`` stands for any number of lines (an excerpt), and blank lines are ignored.

Earlier blocks of the same page that write files with a heredoc (``cat > f.yaml <<'EOF'``) run
first, in the same folder. ``manual:`` blocks cost more than a minute: they are checked only with
``--all``, and the page says so next to them.

Run ``python docs/outputs.py`` (every block not marked ``manual``; tests/test_doc_outputs.py runs
it) or ``python docs/outputs.py --all``; ``--only experiments.md:70`` checks one block. Exit status
0 when every checked block agrees, 1 on a difference (each printed), 2 for a console block that
shows output without a marker, or a malformed marker.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
COMMENT = re.compile(r"^\s*<!--(.*?)-->\s*$")
OUTPUT = re.compile(r"^\s*output:\s*tol=([\d.]+)%\s*(?:manual:\s*(.+?))?\s*$")
NOT_CHECKED = re.compile(r"^\s*output-not-checked:\s*(.{8,}?)\s*$")
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|(?<=x)\d+(?:\.\d+)?")
PATH = re.compile(r"(?<![\w./-])(?:/|results/)[^\s;,()]*")
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?\S*")
WALL = re.compile(r"\bin \d+(?:\.\d+)? s\b")
RULE = re.compile(r"([─━═])\1+")
JOB_NOTICE = re.compile(r"^\S*: line \d+: +\d+ (?:Terminated|Killed|Hangup)\b")
SENTINEL = "@@docs-outputs step {}@@"
STRIPPED_ENV = (
    "BORDER_SIM_MAX_DAYS",
    "BORDER_SIM_MAX_REPLICATIONS",
    "BORDER_SIM_MIN_TOLERANCE",
    "BORDER_SIM_MAX_SAMPLES",
    "BORDER_SIM_CACHE",
)


@dataclass(frozen=True)
class Shown:
    """One console block whose output is shown: its commands, each with the lines shown under it."""

    file: Path
    line: int  # of the opening fence, 1-based
    tol: float  # relative
    manual: str | None  # why it runs only with --all
    steps: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def where(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}"


@dataclass(frozen=True)
class _Fenced:
    lang: str
    line: int
    body: list[str]
    comments: list[str]


def _fenced(path: Path) -> Iterator[_Fenced]:
    """Every fenced block of ``path`` with the HTML comments on the lines just above it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, indent, body = i, len(m.group(1)), []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith("```"):
            body.append(lines[i][indent:] if not lines[i][:indent].strip() else lines[i].lstrip())
            i += 1
        comments, j = [], start - 1
        while j >= 0 and (not lines[j].strip() or COMMENT.match(lines[j])):
            if lines[j].strip():
                comments.append(COMMENT.match(lines[j]).group(1))  # type: ignore[union-attr]
            j -= 1
        yield _Fenced(m.group(2), start + 1, body, comments)
        i += 1


def console_steps(body: Sequence[str]) -> list[tuple[str, list[str]]]:
    """The ``$`` commands of a console block (continuation lines joined), each with its output lines."""
    steps: list[tuple[str, list[str]]] = []
    continued = False
    for raw in body:
        line = raw.rstrip()
        if continued:
            command = steps[-1][0][:-1].rstrip() + " " + line.strip()
            steps[-1] = (command, steps[-1][1])
        elif line.startswith("$ "):
            steps.append((line[2:].strip(), []))
        elif steps:
            steps[-1][1].append(line)
        continued = bool(steps) and not steps[-1][1] and steps[-1][0].endswith("\\")
    return steps


def shown_outputs(path: Path) -> tuple[list[Shown], list[str]]:
    """The marked output blocks of ``path``, and a problem for each unmarked or badly marked one."""
    found, problems = [], []
    for block in _fenced(path):
        if block.lang != "console":
            continue
        steps = console_steps(block.body)
        where = f"{path.relative_to(ROOT)}:{block.line}"
        marks = [OUTPUT.match(c) for c in block.comments]
        mark = next((m for m in marks if m), None)
        skipped = any(NOT_CHECKED.match(c) for c in block.comments)
        if mark:
            frozen = tuple((c, tuple(out)) for c, out in steps)
            found.append(Shown(path, block.line, float(mark.group(1)) / 100, mark.group(2), frozen))
        elif any(c.strip().startswith("output") for c in block.comments) and not skipped:
            problems.append(f"{where}: malformed marker (write 'output: tol=N%' or 'output-not-checked: REASON')")
        elif not skipped and any(any(line.strip() for line in out) for _, out in steps):
            problems.append(f"{where}: console block shows output without an 'output:' marker")
    return found, problems


def _normal(line: str) -> tuple[str, list[tuple[float, float]]]:
    """A line's skeleton (numbers as ``#``, paths and times blanked) and its numbers with their units."""
    line = WALL.sub("in <t> s", STAMP.sub("<time>", PATH.sub("<path>", line)))
    numbers = []
    for m in NUMBER.finditer(line):
        text = m.group(0).replace(",", "")
        # a rounded decimal may be one unit of its last digit off; an integer (often a count) half a unit
        unit = 10.0 ** -len(text.split(".")[1]) if "." in text else 0.5
        numbers.append((float(text), unit))
    skeleton = RULE.sub(r"\1", NUMBER.sub("#", line))
    return " ".join(skeleton.split()), numbers


def line_difference(shown: str, now: str, tol: float) -> str | None:
    """Why the line ``now`` does not match the ``shown`` one (None when it does)."""
    (s_skel, s_nums), (n_skel, n_nums) = _normal(shown), _normal(now)
    if s_skel != n_skel:
        return "the words or the layout differ"
    for (a, unit), (b, _) in zip(s_nums, n_nums, strict=True):
        if abs(a - b) > tol * max(abs(a), abs(b)) + unit * 1.0001:
            return f"{a:g} is now {b:g} (tol {tol:.0%})"
    return None


def _segments(shown: Sequence[str]) -> list[list[str]]:
    """The shown lines cut at ``...`` lines; an empty segment stands for a leading/trailing ``...``."""
    segments: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == "...":
            segments.append([])
        elif line.strip():
            segments[-1].append(line)
    return segments


def _matches_at(segment: Sequence[str], now: Sequence[str], at: int, tol: float) -> bool:
    if at + len(segment) > len(now):
        return False
    return all(line_difference(s, n, tol) is None for s, n in zip(segment, now[at:], strict=False))


def _first_difference(segment: Sequence[str], now: Sequence[str], tol: float) -> str | None:
    """Why ``now`` does not begin with the lines of ``segment`` (None when it does)."""
    for s, n in zip(segment, now, strict=False):
        if (why := line_difference(s, n, tol)) is not None:
            return f"shown {s.strip()!r}\n      now   {n.strip()!r}\n      ({why})"
    if len(now) < len(segment):
        return f"shown {segment[len(now)].strip()!r}, but the output ends before it"
    return None


def output_difference(shown: Sequence[str], now: Sequence[str], tol: float) -> str | None:
    """Why the output ``now`` does not match the ``shown`` lines (None when it does)."""
    now = [line for line in now if line.strip() and not JOB_NOTICE.match(line)]
    segments, at = _segments(shown), 0
    for k, segment in enumerate(segments):
        if not segment:
            continue
        if k == 0:
            if (why := _first_difference(segment, now, tol)) is not None:
                return why
            at = len(segment)
            continue
        found = next((p for p in range(at, len(now)) if _matches_at(segment, now, p, tol)), None)
        if found is None:
            return f"no run of lines matches the excerpt starting {segment[0].strip()!r}"
        at = found + len(segment)
    if segments[-1] and at < len(now):
        return f"the output goes on after the last line shown: {now[at].strip()!r} (end the block with '...')"
    return None


def _workspace(tmp: Path, page: Path, before: int) -> Path:
    """A fresh folder that looks like the repository root, with the page's earlier heredoc files."""
    for name in ("scenarios", "run_scenario.py", "benchmarks"):
        (tmp / name).symlink_to(ROOT / name)
    for block in _fenced(page):
        if block.line < before and block.lang in {"bash", "sh"} and "<<" in "\n".join(block.body):
            subprocess.run(["bash", "-e", "-c", "\n".join(block.body)], cwd=tmp, check=True, capture_output=True)
    return tmp


def _environment() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}
    for name in (*STRIPPED_ENV, "FORCE_COLOR"):
        env.pop(name, None)
    return {**env, "TERM": "dumb"}


def run_steps(shown: Shown, cwd: Path) -> list[list[str]]:
    """Run the block's commands in one shell, in ``cwd``; each command's output lines."""
    script = ["trap 'kill $(jobs -p) 2>/dev/null' EXIT"]
    for i, (command, _) in enumerate(shown.steps):
        script += [f"printf '\\n%s\\n' '{SENTINEL.format(i)}'", "{ " + command, "} 2>&1"]
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=cwd,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1800,
        check=False,
    )
    parts = re.split(r"^@@docs-outputs step \d+@@$", done.stdout, flags=re.M)
    return [part.splitlines() for part in parts[1:]]


def check(shown: Shown, folder: Path | None = None) -> str | None:
    """Rerun one block; why its output differs from the text (None when it agrees).

    The block runs in a fresh temporary folder, or in the empty ``folder`` given (which is kept, so
    that a caller can read the files the commands wrote).
    """
    if folder is not None:
        outputs = run_steps(shown, _workspace(folder, shown.file, shown.line))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            outputs = run_steps(shown, _workspace(Path(tmp), shown.file, shown.line))
    for k, (command, lines) in enumerate(shown.steps):
        now = outputs[k] if k < len(outputs) else []
        why = output_difference(lines, now, shown.tol)
        if why is not None:
            return f"$ {command}\n      {why}"
    return None


def _print(only: str | None) -> int:
    """Print the real output of the ``only`` block, command by command, ready to paste."""
    for shown in (s for page in DOCS for s in shown_outputs(page)[0]):
        if only and shown.where.endswith(only):
            with tempfile.TemporaryDirectory() as tmp:
                outputs = run_steps(shown, _workspace(Path(tmp), shown.file, shown.line))
            for (command, _), lines in zip(shown.steps, outputs, strict=False):
                print(f"$ {command}", *(line.rstrip() for line in lines if line.strip()), sep="\n")
            return 0
    print(f"error: --only {only}: no marked output block there")
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also the blocks marked manual (costly)")
    parser.add_argument("--only", metavar="PAGE:LINE", help="check only this block, e.g. experiments.md:70")
    parser.add_argument("--print", action="store_true", help="print the real output of the --only block, to paste")
    args = parser.parse_args(argv)
    if args.print:
        return _print(args.only)
    blocks, problems = [], []
    for page in DOCS:
        found, bad = shown_outputs(page)
        blocks += found
        problems += bad
    for problem in problems:
        print(f"error: {problem}")
    status = 0
    for shown in blocks:
        if args.only and not shown.where.endswith(args.only):
            continue
        if shown.manual and not (args.all or args.only):
            print(f"skip  {shown.where}: {shown.manual} (run with --all)")
            continue
        start = time.perf_counter()
        why = check(shown)
        status |= why is not None
        took = time.perf_counter() - start
        print(f"{'ok   ' if why is None else 'FAIL '} {shown.where} ({took:.1f} s)" + (f"\n  {why}" if why else ""))
    return 2 if problems else status


if __name__ == "__main__":
    sys.exit(main())
