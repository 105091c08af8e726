"""Fitting a section to the terminal's width without breaking a token.

Used by the rich renderer (``text.py``). Ids, ``file:line`` sources, actions, order
numbers, codes and dates are tokens: their columns never wrap. Only free text (a name,
a detail, a message) wraps, at word boundaries. When the terminal is too narrow for
that table (``fits`` says no), the section is stacked instead: per row, one line of
tokens (moved to a continuation line whole, never split), then the free text indented
under it. Pure: takes rows, returns rich renderables.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

# Columns holding prose; every other column holds tokens that must stay whole.
FREE_TEXT = frozenset({"Name", "Detail", "Message", "Warning", "Live -> desired"})
# A word longer than this in free text may be folded rather than widen the table.
LONGEST_KEPT_WORD = 24
_INDENT = 4


def is_free(column: str) -> bool:
    return column in FREE_TEXT


def longest_word(values: Sequence[str]) -> int:
    words = [w for v in values for w in v.split()]
    return min(LONGEST_KEPT_WORD, max((cell_len(w) for w in words), default=1))


def column_needs(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """The narrowest each column may be: a token column its widest cell, a free-text
    column its longest word (capped)."""
    needs = []
    for i, name in enumerate(columns):
        cells = [name, *(row[i] for row in rows)]
        needs.append(longest_word(cells) if is_free(name) else max(cell_len(c) for c in cells))
    return needs


def fits(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> bool:
    """Whether a boxed table (one space of padding each side, a rule between columns and
    at both edges) fits ``width`` with every column at its need."""
    needs = column_needs(columns, rows)
    return sum(needs) + 3 * len(needs) + 1 <= width


def _token_lines(cells: Sequence[str], widths: Sequence[int], width: int) -> list[str]:
    """Tokens aligned in columns; a token that would pass the edge starts a new line."""
    lines: list[str] = []
    line = ""
    for cell, w in zip(cells, widths, strict=True):
        piece = cell + " " * (w - cell_len(cell))
        if line.strip() and cell_len(line) + 2 + cell_len(cell) > width:
            lines.append(line.rstrip())
            line = " " * _INDENT
        line = f"{line}  {piece}" if line.strip() else line + piece
    if line.strip():
        lines.append(line.rstrip())
    return lines


def stacked(
    columns: Sequence[str], rows: Sequence[Sequence[str]], width: int
) -> list[RenderableType]:
    """Rows as blocks: the tokens of a row on one line (more if needed), its free text
    indented below and word-wrapped."""
    tokens = [i for i, c in enumerate(columns) if not is_free(c)]
    free = [i for i, c in enumerate(columns) if is_free(c)]
    widths = [max(cell_len(columns[i]), *(cell_len(r[i]) for r in rows)) for i in tokens]
    header = _token_lines([columns[i].upper() for i in tokens], widths, width)
    out: list[RenderableType] = [Text(line, style="bold") for line in header]
    if free:
        out.append(
            Padding(Text(" / ".join(columns[i].upper() for i in free), style="bold"), (0, 0, 0, 4))
        )
    for row in rows:
        for line in _token_lines([row[i] for i in tokens], widths, width):
            if line.strip():
                out.append(Text(line, no_wrap=True, overflow="fold"))
        prose = " - ".join(row[i] for i in free if row[i])
        if prose:
            out.append(Padding(Text(prose, overflow="fold"), (0, 0, 0, _INDENT)))
    return [Group(*out)]
