"""Markdown for ONE pull-request comment (``--format markdown``), plans and apply results.

The CI end of the pipeline: a workflow posts this and later finds and updates its own
comment by the hidden first-line marker. Content comes from ``sections.py``. Two
guarantees: the output is shorter than ``limit`` characters however large the plan
(GitHub refuses comments over 65,536; rows are dropped, errors last, and a line says
exactly how many were left out), and user text cannot break a table or inject markup
(``escape``). Counts are always shown, in the heading, before anything folded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from controller.plan.model import Plan
from controller.plan.outcome import ApplyResult
from controller.report.applysections import apply_count_parts, apply_sections
from controller.report.sections import (
    Section,
    blank_repeats,
    count_parts,
    nothing_to_do,
    plan_sections,
    refusal_lines,
    targeting_line,
    unmanaged_line,
)
from controller.safetext import scrub

PLAN_MARKER = "<!-- subctl-plan -->"
APPLY_MARKER = "<!-- subctl-apply -->"
DEFAULT_LIMIT = 60_000
MIN_LIMIT = 500  # room for the marker and the counts
MAX_CELL = 1_000  # raw characters of one cell; longer user text is cut with an ellipsis
_PLAN_HINT = "run `subctl plan` locally or see the JSON artifact"
_APPLY_HINT = "see the job log or the JSON artifact"

_WHITESPACE = re.compile(r"\s+")
# Markdown punctuation that could start emphasis, a link, strikethrough or a new table
# cell is backslash-escaped first; then HTML-significant characters become entities
# (after, so the "#" of "&#96;" is not escaped). Backticks become an entity: a
# backslash does not escape them reliably inside table cells.
_MARKDOWN = re.compile(r"([\\|*_\[\]~#!])")
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "`": "&#96;"})


def escape(value: str) -> str:
    """User text as inert markdown on one line, safe inside a table cell or a paragraph."""
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - 1] + "…"
    value = scrub(_WHITESPACE.sub(" ", value), "drop").strip()
    value = _MARKDOWN.sub(r"\\\1", value).translate(_HTML)
    # A zero-width space after "@" stops GitHub from notifying a user or team.
    return value.replace("@", "@\u200b")


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(escape(c) for c in cells) + " |"


@dataclass
class _Block:
    """A section laid out as lines; ``rows`` is how many of its table rows are shown."""

    section: Section
    rows: list[tuple[str, ...]]  # repeats already blanked
    hint: str
    cache: list[str] = field(default_factory=list)

    def line(self, i: int) -> str:
        # Rows are escaped on demand: a 50,000-row plan shows a few hundred of them.
        while len(self.cache) <= i:
            self.cache.append(_row(self.rows[len(self.cache)]))
        return self.cache[i]

    def opening(self) -> list[str]:
        attr = " open" if self.section.open else ""
        return [f"<details{attr}><summary><b>{escape(self.section.heading)}</b></summary>", ""]

    def table_head(self) -> list[str]:
        cols = self.section.columns
        return [_row(cols), "|" + "|".join("---" for _ in cols) + "|"]

    def omission(self, left_out: int) -> list[str]:
        if left_out <= 0:
            return []
        noun = self.section.noun[0] if left_out == 1 else self.section.noun[1]
        return [f"… and {left_out:,} more {noun} not shown; {self.hint}"]

    def lines(self, shown: int) -> list[str]:
        out = self.opening()
        if shown:
            out += [*self.table_head(), *(self.line(i) for i in range(shown))]
        left_out = len(self.rows) - shown
        if left_out:
            out += (["", *self.omission(left_out)]) if shown else self.omission(left_out)
        return [*out, "", "</details>"]


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)  # each line and its newline


def _blocks(sections: list[Section], hint: str) -> list[_Block]:
    return [_Block(s, blank_repeats(s.rows, s.group), hint) for s in sections]


def _fit(head: list[str], blocks: list[_Block], tail: list[str], limit: int) -> list[int]:
    """How many rows of each block to show so that everything stays under ``limit``.

    Every block starts at zero rows (its folded heading and the "left out" line);
    then blocks claim rows in ``keep`` order, each taking a prefix of its rows while
    they fit, so errors are the last rows to go.
    """
    shown = [0] * len(blocks)
    used = _size(head) + _size(tail) + (1 if tail else 0)
    used += sum(_size(b.lines(0)) + 1 for b in blocks)
    for i in sorted(range(len(blocks)), key=lambda i: blocks[i].section.keep):
        block = blocks[i]
        # Worst case while rows are added: the table head, a blank line and the omission
        # line (no longer than with zero rows shown, since fewer rows are left out).
        extra = _size(block.table_head()) + 1
        if used + extra >= limit:
            continue
        budget = limit - 1 - used - extra
        for row in range(len(block.rows)):
            cost = len(block.line(row)) + 1
            if cost > budget:
                break
            budget -= cost
            shown[i] += 1
        if shown[i]:
            used = limit - 1 - budget
    return shown


def _assemble(head: list[str], blocks: list[_Block], tail: list[str], limit: int) -> str:
    if limit < MIN_LIMIT:
        raise ValueError(f"markdown limit must be at least {MIN_LIMIT} characters")
    shown = _fit(head, blocks, tail, limit)
    lines = list(head)
    for block, n in zip(blocks, shown, strict=True):
        lines += ["", *block.lines(n)]
    if tail:
        lines += ["", *tail]
    text = "\n".join(lines) + "\n"
    if len(text) < limit:
        return text
    # Only an absurdly small limit gets here: keep the marker and the counts, cut the rest.
    return (head[0] + "\n" + "\n".join(head[1:]))[: limit - 2] + "\n"


def render_plan_markdown(plan: Plan, *, limit: int = DEFAULT_LIMIT) -> str:
    """One PR comment for a plan, shorter than ``limit`` characters."""
    head = [
        PLAN_MARKER,
        "### subctl plan: " + escape(", ".join(count_parts(plan))),
        "",
        f"Target {escape(plan.target)}, revision {escape(plan.revision or 'unknown')}, "
        f"planned {plan.createdAt.isoformat(timespec='seconds')}.",
    ]
    if refusals := refusal_lines(plan):
        # Never folded: the reviewer must see that merging this would be refused.
        head += ["", *(f"> **{escape(line)}**  " for line in refusals)]
    if partial := targeting_line(plan):
        head += ["", f"> **{escape(partial)}**"]
    if verdict := nothing_to_do(plan):
        head += ["", f"**{verdict}**"]
    tail = [escape(line)] if (line := unmanaged_line(plan)) else []
    return _assemble(head, _blocks(plan_sections(plan), _PLAN_HINT), tail, limit)


def render_apply_markdown(result: ApplyResult, *, limit: int = DEFAULT_LIMIT) -> str:
    """One PR (or job summary) comment for an apply result, shorter than ``limit``."""
    plan = result.plan
    head = [
        APPLY_MARKER,
        "### subctl apply: " + escape(", ".join(apply_count_parts(result))),
        "",
        f"Target {escape(plan.target)}, revision {escape(plan.revision or 'unknown')}, "
        f"started {result.startedAt.isoformat(timespec='seconds')}, "
        f"finished {result.finishedAt.isoformat(timespec='seconds')}.",
    ]
    if partial := targeting_line(plan):
        head += ["", f"> **{escape(partial)}**"]
    if result.ok and not result.outcomes:
        head += ["", "**Nothing to apply.**"]
    return _assemble(head, _blocks(apply_sections(result), _APPLY_HINT), [], limit)
