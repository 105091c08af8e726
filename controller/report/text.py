"""Terminal renderings of plans and apply results: rich tables, or plain aligned text.

Last stage of ``subctl plan`` / ``subctl apply`` for humans. Content comes from
``sections.py``; this module only lays it out. ``rich=True`` renders rich tables into
a string (colour only when ``color``); ``rich=False`` is plain text with no ANSI codes,
for pipes and logs. User text is scrubbed of control characters either way, so a spec
value cannot move the cursor, clear the screen or fake a line of output.
"""

from __future__ import annotations

import io

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from controller.plan.model import Plan
from controller.plan.outcome import ApplyResult
from controller.report.applysections import (
    apply_count_parts,
    apply_counts,
    apply_header_line,
    apply_sections,
)
from controller.report.fit import column_needs, fits, is_free, stacked
from controller.report.sections import (
    PARTIAL,
    Section,
    blank_repeats,
    count_parts,
    header_line,
    nothing_to_do,
    plan_sections,
    refusal_lines,
    targeting_line,
    unmanaged_line,
)
from controller.safetext import scrub

DEFAULT_WIDTH = 100


def clean(value: str) -> str:
    """One printable line: whitespace runs become a space, other controls become ``\\xNN``."""
    return scrub(value, "hex")


# --- plain ---------------------------------------------------------------------------


def _plain_table(section: Section) -> list[str]:
    rows = [tuple(clean(c) for c in row) for row in blank_repeats(section.rows, section.group)]
    header = tuple(c.upper() for c in section.columns)
    widths = [max(cell_len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [section.heading]
    for row in (header, *rows):
        cells = [c + " " * (w - cell_len(c)) for c, w in zip(row, widths, strict=True)]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines


def _plain(head: list[str], sections: list[Section], tail: list[str]) -> str:
    blocks = [head, *(_plain_table(s) for s in sections)]
    if tail:
        blocks.append(tail)
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


# --- rich ----------------------------------------------------------------------------


def _console(width: int | None, color: bool) -> Console:
    # Everything pinned explicitly so output never depends on the caller's environment
    # (COLUMNS, NO_COLOR, TERM); the CLI decides width and colour.
    return Console(
        file=io.StringIO(),
        force_terminal=True,
        force_jupyter=False,
        force_interactive=False,
        color_system="standard" if color else None,
        no_color=not color,
        width=width or DEFAULT_WIDTH,
        height=25,
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
        _environ={},
    )


def _rich_section(section: Section, width: int) -> list[RenderableType]:
    """A table whose token columns (ids, sources, actions, orders) never wrap and whose
    free text wraps at words; stacked blocks instead when the width cannot hold that
    (controller/report/fit.py)."""
    rows = [tuple(clean(c) for c in row) for row in blank_repeats(section.rows, section.group)]
    if not fits(section.columns, rows, width):
        return [Text(section.heading, style=section.style), *stacked(section.columns, rows, width)]
    table = Table(
        title=Text(section.heading, style=section.style),
        title_justify="left",
        show_lines=False,
        expand=False,
    )
    for column, need in zip(section.columns, column_needs(section.columns, rows), strict=True):
        if is_free(column):
            table.add_column(column, overflow="fold", min_width=need)
        else:
            table.add_column(column, no_wrap=True, overflow="fold", min_width=need)
    for row in rows:
        # Text, never str: a str cell would be parsed as rich markup ("[bold]").
        table.add_row(*(Text(cell) for cell in row))
    return [table]


def _rich(
    head: list[str], sections: list[Section], tail: list[str], width: int | None, color: bool
) -> str:
    console = _console(width, color)
    console.print(Text(clean(head[0]), style="bold"))
    for line in head[1:]:
        console.print(Text(clean(line), style="bold yellow" if line.startswith(PARTIAL) else ""))
    for section in sections:
        console.print()
        for part in _rich_section(section, console.width):
            console.print(part)
    if tail:
        console.print()
        for line in tail:
            console.print(Text(clean(line)))
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()


# --- public --------------------------------------------------------------------------


def render_text(
    head: list[str],
    sections: list[Section],
    tail: list[str],
    *,
    rich: bool,
    width: int | None = None,
    color: bool = True,
) -> str:
    """Head lines, titled tables, tail lines: rich at ``width`` or plain (``subctl show``)."""
    if rich:
        return _rich(head, sections, tail, width, color)
    return _plain(head, sections, tail)


def render_plan_text(
    plan: Plan, *, rich: bool, width: int | None = None, color: bool = True
) -> str:
    """A plan for a terminal (``rich``) or a pipe (plain). ``width`` applies to rich only:
    plain text is never wrapped, so it stays greppable."""
    head = [header_line(plan), ", ".join(count_parts(plan)), *refusal_lines(plan)]
    if partial := targeting_line(plan):
        head.append(partial)
    verdict = nothing_to_do(plan)
    if verdict:
        head.append(verdict)
    tail = [line] if (line := unmanaged_line(plan)) else []
    sections = plan_sections(plan)
    if rich:
        return _rich(head, sections, tail, width, color)
    return _plain(head, sections, tail)


def _apply_summary_section(result: ApplyResult) -> Section:
    counts = apply_counts(result)
    return Section(
        key="summary",
        title="Summary",
        noun=("step", "steps"),
        columns=("Succeeded", "Failed", "In progress", "Not attempted"),
        rows=((*(f"{n:,}" for n in counts.values()),),),
        style="bold",
        counted=False,
    )


def render_apply_text(
    result: ApplyResult, *, rich: bool, width: int | None = None, color: bool = True
) -> str:
    """An apply result: the outcome counts table, then failures and unfinished orders."""
    head = [apply_header_line(result), ", ".join(apply_count_parts(result))]
    if partial := targeting_line(result.plan):
        head.append(partial)
    sections = [_apply_summary_section(result), *apply_sections(result)]
    if rich:
        return _rich(head, sections, [], width, color)
    return _plain(head, sections, [])
