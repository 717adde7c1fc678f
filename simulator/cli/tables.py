"""Terminal tables that fit the terminal's width and never cut a number.

Every table the command line prints is built here from plain strings: cells are data, never
rich markup (a gate named ``[/bold]`` is printed as written). When the columns do not fit
the console's width (80 columns when the output is not a terminal), the table is split into
several tables of whole columns, each repeating the label column, and titled ``(1/2)``,
``(2/2)``. Number columns keep their full width; only the label column wraps its words.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

__all__ = ["Column", "fitted_tables", "print_table"]

Justify = Literal["left", "right"]
_LABEL_MIN = 16  # the label column wraps down to this width before the table is split
_HEADER_KEPT = 12  # headers up to this length are not wrapped


@dataclass
class Column:
    """One column: its header, its cells (lines separated by ``\\n``), alignment and cell styles."""

    header: str
    cells: list[str]
    justify: Justify = "right"
    styles: list[str] = field(default_factory=list)

    def width(self) -> int:
        """The width it needs: its longest cell line, its header's longest word, up to 12 of the header."""
        lines = [len(line) for cell in self.cells for line in cell.split("\n")]
        words = [len(w) for w in self.header.split()]
        return max([*lines, *words, min(len(self.header), _HEADER_KEPT), 1])

    def header_lines(self) -> str:
        """The header wrapped at word breaks to the column's width."""
        return "\n".join(textwrap.wrap(self.header, self.width()) or [""])


def _label_width(label: Column, columns: Sequence[Column], width: int) -> int:
    """The label column's width: its widest cell, wrapped only as far as the widest column needs."""
    widest = max((c.width() + 3 for c in columns), default=0)
    return min(label.width(), max(_LABEL_MIN, width - 4 - widest))


def _groups(label_width: int, columns: Sequence[Column], width: int) -> list[list[Column]]:
    """Split ``columns`` into runs of whole columns that fit beside the label column in ``width``."""
    budget = width - (label_width + 3) - 1  # each column: its padding and one border; one closing border
    groups: list[list[Column]] = [[]]
    used = 0
    for col in columns:
        need = col.width() + 3
        if groups[-1] and used + need > budget:
            groups.append([])
            used = 0
        groups[-1].append(col)
        used += need
    return groups


def fitted_tables(
    title: str, label: Column, columns: Sequence[Column], width: int = 80, breaks: Sequence[int] = ()
) -> list[Table]:
    """The table(s) showing ``label`` then ``columns``, split by whole columns to fit ``width``.

    ``breaks`` lists the rows after which a section line is drawn.
    """
    from rich.table import Table
    from rich.text import Text

    label_width = _label_width(label, columns, width)
    groups = _groups(label_width, columns, width)
    tables = []
    for i, group in enumerate(groups):
        part = f" ({i + 1}/{len(groups)})" if len(groups) > 1 else ""
        table = Table(title=Text(title + part), title_justify="left")
        table.add_column(Text(label.header), justify=label.justify, overflow="fold", max_width=label_width)
        for col in group:
            table.add_column(Text(col.header_lines()), justify=col.justify, no_wrap=True, min_width=col.width())
        for r, text in enumerate(label.cells):
            cells = [Text(text)]
            for col in group:
                cells.append(Text(col.cells[r], style=col.styles[r] if r < len(col.styles) else ""))
            table.add_row(*cells, end_section=r in breaks)
        tables.append(table)
    return tables


def print_table(
    console: Console, title: str, label: Column, columns: Sequence[Column], breaks: Sequence[int] = ()
) -> None:
    """Print :func:`fitted_tables` to ``console`` at its width."""
    for table in fitted_tables(title, label, columns, console.width, breaks):
        console.print(table)
