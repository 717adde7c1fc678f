"""The sources register (``docs/sources.md``) and the ``[S]``/``[I]`` tags that cite it.

An entry of the register is a row of a Markdown table whose first cell is its id in
backticks: ``| `S-vol-2024-08` | fact | publication | date | URL | used by |``. A tag cites
ids inside its brackets or right after them: ``[S] S-vol-2024-08``, ``[I S-vol-2024-08,
S-fee-collected-2024-10]``. An ``[S]`` tag must cite at least one id; an ``[I]`` tag cites the
ids it is inferred from (none when it is inferred from the model or a general fact, such as
the one-hour difference between the Hanoi and China clocks). A tag written in bold or in
backticks (``**[S]**``, ```[S]```), or followed by the word it stands for (``[S] sourced``,
``[I] inferred``) or by another tag (``[S] or [I]``, ``[S]/[I]/[A]``), is the legend, not a tag.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from simulator.scenario.errors import Issue

__all__ = [
    "Citation",
    "SourceEntry",
    "SourcesCheck",
    "check_sources",
    "cited_ids",
    "default_files",
    "read_register",
    "scan_text",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
REGISTER = REPO_ROOT / "docs" / "sources.md"

#: An id: ``S-`` and at least two lowercase parts (``S-vol-2024-08``), so words such as "S-shaped" are not ids.
ID = re.compile(r"\bS-[a-z0-9]+(?:-[a-z0-9]+)+\b")
_ROW = re.compile(r"^\|\s*`(S-[a-z0-9-]+)`\s*\|(.*)\|\s*$")
_LEGEND = r"(?!\s+(?:sourced|stated|inferred)\b|\s*(?:,|/|or|and)\s*\[[SIA]\])"  # "[S] sourced", "[S] or [I]"
_TAG = re.compile(r"(?<![*`])\[(S|I)(?=[\]\s,;:§])([^\]]*)\](?![*`])" + _LEGEND)
_AFTER = re.compile(r"^(?:[\s,;`]*(?:\+\s*)?" + ID.pattern + r"`?)+")


@dataclass(frozen=True)
class SourceEntry:
    """One row of the register: its id, the columns after it, and the line it stands on."""

    id: str
    cells: tuple[str, ...]
    line: int

    @property
    def fact(self) -> str:
        """The fact, in the register's words."""
        return self.cells[0] if self.cells else ""

    @property
    def publication(self) -> str:
        """The publication (newspaper, portal) that states the fact."""
        return self.cells[1] if len(self.cells) > 1 else ""

    @property
    def date(self) -> str:
        """The date of the publication as printed (dd/mm/yyyy)."""
        return self.cells[2] if len(self.cells) > 2 else ""

    @property
    def url(self) -> str:
        """The address of the publication, or a note saying there is none."""
        return self.cells[3] if len(self.cells) > 3 else ""

    @property
    def used_by(self) -> tuple[str, ...] | None:
        """The files the "used by" column names, or None when the table has no such column."""
        return tuple(re.findall(r"`([^`]+)`", self.cells[4])) if len(self.cells) > 4 else None


@dataclass(frozen=True)
class Citation:
    """One ``[S]`` or ``[I]`` tag of a file and the ids it cites."""

    file: str
    line: int
    kind: str
    ids: tuple[str, ...]


@dataclass
class SourcesCheck:
    """The outcome of :func:`check_sources`: problems (errors), unused entries (warnings), counts."""

    problems: list[Issue] = field(default_factory=list)
    unused: list[Issue] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    entries: dict[str, SourceEntry] = field(default_factory=dict)


def read_register(path: Path = REGISTER) -> tuple[dict[str, SourceEntry], list[Issue]]:
    """The entries of the register by id, and an issue for each id defined twice.

    >>> entries, _ = read_register()
    >>> "S-wait-cost-2021" in entries
    True
    """
    entries: dict[str, SourceEntry] = {}
    issues: list[Issue] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _ROW.match(line)
        if not match:
            continue
        ident = match.group(1)
        if ident in entries:
            issues.append(
                Issue(str(path), number, "", f"source id {ident} defined twice (first at line {entries[ident].line})")
            )
            continue
        entries[ident] = SourceEntry(ident, tuple(c.strip() for c in match.group(2).split("|")), number)
    return entries, issues


def _lines(path: Path) -> Iterable[tuple[int, str]]:
    """The numbered lines of a file; for a notebook, the lines of the JSON file itself."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        json.loads(text)  # a broken notebook fails here; its JSON lines carry the cell lines one to one
    return enumerate(text.splitlines(), start=1)


def scan_text(lines: Iterable[tuple[int, str]], file: str) -> tuple[list[Citation], list[tuple[int, str]]]:
    """The tags of some numbered lines, and every id named on them (tagged or not), with its line.

    >>> cits, ids = scan_text([(3, "slots: 225 # [I] half the yard of ~450 [S S-yards-2023]")], "x.yaml")
    >>> [(c.kind, c.ids) for c in cits], ids
    ([('I', ('S-yards-2023',)), ('S', ('S-yards-2023',))], [(3, 'S-yards-2023')])
    """
    citations: list[Citation] = []
    named: list[tuple[int, str]] = []
    for number, line in lines:
        named += [(number, m.group(0)) for m in ID.finditer(line)]
        for tag in _TAG.finditer(line):
            inside = ID.findall(tag.group(2))
            after = _AFTER.match(line[tag.end() :])
            ids = (*inside, *(ID.findall(after.group(0)) if after else ()))
            if tag.group(1) == "I":  # an inference names its sources anywhere on its line: [I] 400,000 [S S-x]
                ids += tuple(ID.findall(line))
            citations.append(Citation(file, number, tag.group(1), tuple(dict.fromkeys(ids))))
    return citations, named


def cited_ids(text: str) -> list[str]:
    """The ids a comment names, in order, once each.

    >>> cited_ids("[S] S-wait-cost-2021 parking + [S S-driver-pay-2022]")
    ['S-wait-cost-2021', 'S-driver-pay-2022']
    """
    return list(dict.fromkeys(ID.findall(text)))


def default_files(root: Path = REPO_ROOT) -> list[Path]:
    """The shipped files whose tags must resolve: scenarios, their README, the docs, the code, the notebooks."""
    patterns = ["scenarios/**/*.yaml", "scenarios/README.md", "README.md", "docs/*.md", "notebooks/*.ipynb"]
    patterns += ["simulator/levers/*.py", "simulator/scenario/*.py"]  # the code that holds sourced defaults
    skip = {root / "docs" / "sources.md", root / "simulator" / "scenario" / "sources.py"}
    files = sorted({p for pattern in patterns for p in root.glob(pattern) if p.is_file()})
    return [p for p in files if p not in skip]


def check_sources(files: Iterable[Path] | None = None, register: Path = REGISTER) -> SourcesCheck:
    """Check that every id cited in ``files`` is in the register and that every ``[S]`` cites one.

    Parameters
    ----------
    files : iterable of Path, optional
        The files to scan; the shipped files (:func:`default_files`) when omitted.
    register : Path
        The register, ``docs/sources.md`` by default.

    Returns
    -------
    SourcesCheck
        ``problems`` (an unknown id, an ``[S]`` without id, an id defined twice) and ``unused``
        (entries no scanned file cites: a warning, because a partial scan cites only some).
    """
    entries, problems = read_register(register)
    out = SourcesCheck(problems=problems, entries=entries)
    used: dict[str, set[str]] = {}
    for path in default_files() if files is None else files:
        name = _display(path)
        citations, named = scan_text(_lines(path), name)
        out.citations += citations
        for number, ident in named:
            used.setdefault(ident, set()).add(name)
            if ident not in entries:
                out.problems.append(Issue(name, number, "", f"unknown source id {ident}"))
        for c in citations:
            if c.kind == "S" and not c.ids:
                out.problems.append(
                    Issue(name, c.line, "", "[S] tag without a source id (write [S] S-<id> of docs/sources.md)")
                )
    if files is None:
        out.problems += _stale_used_by(entries, used, _display(register))
    for ident, entry in entries.items():
        if ident not in used:
            out.unused.append(
                Issue(_display(register), entry.line, "", f"source id {ident} is cited by no scanned file")
            )
    return out


def _stale_used_by(entries: dict[str, SourceEntry], used: dict[str, set[str]], register: str) -> list[Issue]:
    """An issue for each entry whose "used by" column differs from the files that cite it."""
    out = []
    for ident, entry in entries.items():
        written, actual = entry.used_by, sorted(used.get(ident, ()))
        if written is not None and sorted(written) != actual:
            names = ", ".join(f"`{f}`" for f in actual) or "nothing yet"
            out.append(Issue(register, entry.line, "", f"{ident}: the 'used by' column should read: {names}"))
    return out


def _display(path: Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
