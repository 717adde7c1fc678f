"""Documentation that is executed: every shell and Python block of README.md and docs/*.md runs.

The blocks of one file run in document order in one temporary folder (with ``scenarios/`` and
``run_scenario.py`` linked in), so a later command can read what an earlier one wrote. Work is
shrunk by the CLI's testing caps (``BORDER_SIM_MAX_DAYS`` and friends, docs/experiments.md),
never by editing the text. A block that cannot run carries a reason in an HTML comment just
before it
(other comments, such as docs/outputs.py's ``<!-- output: ... -->``, may stand beside it):

- ``<!-- not-run: REASON -->``: the block is not run (a synopsis with placeholders, a command
  that starts a server, a machine-dependent benchmark);
- ``<!-- run-simulator-only: REASON -->``: only its simulator commands run (the Quickstart's
  ``pip install`` and ``pytest`` lines, which CI runs);
- ``<!-- exit-status: N: REASON -->``: the block shows a command that fails on purpose; its
  last command must exit with status N (every other command, and every unmarked block, with 0).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = {"bash", "sh", "console", "shell"}
MARKER = re.compile(r"<!--\s*(not-run|run-simulator-only|exit-status):\s*(.*?)\s*-->")
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
SIMULATOR = re.compile(r"^(time\s+)?(python\s+run_scenario\.py|border-sim)\b")
PLACEHOLDER = re.compile(
    r"\.\.\.|\bSCENARIO\b|SCENARIO\.yaml|RESULT_DIR|_HOST|<[a-z]|\[--|KEY\.PATH|\bS1\.yaml|BASE\.yaml"
)
CAPS = {
    "BORDER_SIM_MAX_DAYS": "3",
    "BORDER_SIM_MAX_REPLICATIONS": "2",
    "BORDER_SIM_MIN_TOLERANCE": "0.25",
    "BORDER_SIM_MAX_SAMPLES": "4",
}


@dataclass(frozen=True)
class Block:
    """One fenced block of a markdown file."""

    file: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    marker: str | None  # "not-run" / "run-simulator-only" / "exit-status"
    reason: str

    @property
    def expected_status(self) -> int:
        """The exit status the block's last command must give."""
        return int(self.reason.split(":", 1)[0]) if self.marker == "exit-status" else 0

    @property
    def where(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}"

    def commands(self) -> list[str]:
        """The shell commands, continuation lines joined (``$`` lines of a console block)."""
        lines, out, pending = self.text.splitlines(), [], ""
        for raw in lines:
            line = raw.strip()
            if not pending:
                if self.lang == "console":
                    if not line.startswith("$ "):
                        continue
                    line = line[2:]
                if not line or line.startswith("#"):
                    continue
            pending += line
            if pending.endswith("\\"):
                pending = pending[:-1].rstrip() + " "
                continue
            out.append(pending)
            pending = ""
        return out

    def script(self) -> str:
        """What runs: the commands, or (bash with a heredoc) the block's text as it is."""
        if self.lang != "console" and "<<" in self.text:
            return self.text
        commands = self.commands()
        if self.marker == "run-simulator-only":
            commands = [c for c in commands if SIMULATOR.match(c)]
        return "\n".join(commands)


def _comments_above(lines: list[str], start: int) -> list[str]:
    """The HTML comment lines just above line ``start`` (blank lines between them skipped)."""
    found, j = [], start - 1
    while j >= 0 and (not lines[j].strip() or lines[j].lstrip().startswith("<!--")):
        found += [lines[j]] if lines[j].strip() else []
        j -= 1
    return found


def blocks(path: Path) -> Iterator[Block]:
    """Every fenced block of ``path``, with the marker among the comment lines just above it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = len(m.group(1)), m.group(2), i
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith("```"):
            body.append(lines[i][indent:] if not lines[i][:indent].strip() else lines[i].lstrip())
            i += 1
        mark = next(filter(None, map(MARKER.search, _comments_above(lines, start))), None)
        yield Block(path, start + 1, lang, "\n".join(body), mark and mark.group(1), mark.group(2) if mark else "")
        i += 1


def all_blocks() -> list[Block]:
    return [b for path in DOCS for b in blocks(path)]


def test_blocks_are_found() -> None:
    """The extraction sees the documented commands (a parser that finds nothing would pass everything)."""
    found = all_blocks()
    assert sum(b.lang in SHELL and b.marker is None for b in found) >= 10
    assert any(b.lang == "python" for b in found)
    readme = [b for b in found if b.file.name == "README.md" and b.lang in SHELL]
    assert any("capacity" in b.script() for b in readme)


def test_every_unrun_block_says_why() -> None:
    """A not-run block carries a reason; a run block has no placeholder; every simulator line runs."""
    problems = []
    for b in all_blocks():
        if b.marker and len(b.reason) < 8:
            problems.append(f"{b.where}: marker {b.marker!r} without a reason")
        if b.marker == "exit-status" and not re.match(r"[1-9]\d*: \S", b.reason):
            problems.append(f"{b.where}: exit-status marker must read 'N: reason'")
        if b.lang in SHELL and b.marker != "not-run":
            for command in b.script().splitlines():
                if PLACEHOLDER.search(command):
                    problems.append(f"{b.where}: placeholder in a run block (mark it not-run): {command}")
        if b.lang == "python" and b.marker is None and re.search(r"[\"'][^\"'\n]*\.\.\.[^\"'\n]*[\"']", b.text):
            problems.append(f"{b.where}: placeholder path in a Python block")
    assert not problems, "\n".join(problems)


def _workspace(tmp: Path) -> Path:
    """A temporary working folder that looks like the repository root to the documented commands."""
    for name in ("scenarios", "run_scenario.py", "benchmarks"):
        (tmp / name).symlink_to(ROOT / name)
    (tmp / "docs" / "images").mkdir(parents=True)
    # the observed durations docs/fitting.md fits (a user's own file there): gamma, mean 178 min, CV 0.36
    rng = np.random.default_rng(12)
    np.savetxt(tmp / "transloading_minutes.txt", rng.gamma(1 / 0.36**2, 178 * 0.36**2, size=300), fmt="%.1f")
    return tmp


def _run_shell(block: Block, cwd: Path) -> None:
    script = block.script()
    if not script.strip():
        return
    env = {**os.environ, **CAPS, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "MPLBACKEND": "Agg"}
    env.pop("BORDER_SIM_CACHE", None)
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == block.expected_status, (
        f"{block.where}: exit status {done.returncode}\n$ {script}\n--- stdout\n{done.stdout[-3000:]}"
        f"\n--- stderr\n{done.stderr[-3000:]}"
    )
    assert "Traceback" not in done.stderr, f"{block.where}: traceback\n{done.stderr[-3000:]}"


def _run_python(block: Block, namespace: dict[str, object]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        exec(compile(block.text, block.where, "exec"), namespace)  # noqa: S102 - the documented snippet
    except Exception as exc:
        raise AssertionError(f"{block.where}: the Python block fails: {exc!r}") from exc
    finally:
        plt.close("all")


def _runnable(block: Block) -> bool:
    return block.marker != "not-run" and (block.lang in SHELL or block.lang == "python")


RUNNABLE = [p for p in DOCS if any(_runnable(b) for b in blocks(p))]


@pytest.mark.slow
@pytest.mark.parametrize("doc", RUNNABLE, ids=[str(p.relative_to(ROOT)) for p in RUNNABLE])
def test_documented_commands_run(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shell and Python block of one file runs, in order, in one folder; none exits non-zero."""
    cwd = _workspace(tmp_path)
    monkeypatch.chdir(cwd)
    monkeypatch.syspath_prepend(str(ROOT))
    namespace: dict[str, object] = {"__name__": "__main__"}
    for block in filter(_runnable, blocks(doc)):
        if block.lang == "python":
            _run_python(block, namespace)
        else:
            _run_shell(block, cwd)
