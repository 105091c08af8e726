"""The one scrub of control characters for text that reaches a terminal, a log or a file.

Used everywhere outside data comes in as text that subctl shows or writes: the spec
reader refuses these characters in values (``spec/yamlpos.py``), errors shorten a
server's message (``errors.py``), the text and markdown reports render live names,
order numbers and messages (``report/text.py``, ``report/markdown.py``), apply
prints completion lines (``commands/terminal.py``) and export writes spec files
(``report/specfile.py``). Pure, no I/O.

What counts as a control: C0 controls (ESC starts ANSI CSI and OSC sequences, BEL ends
an OSC 8 link, CR rewrites a line), DEL, C1 controls (U+009B is a one-character CSI),
the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and marks
(U+200E, U+200F, U+061C) that make text display differently from what it is ("trojan
source"), and the Unicode line and paragraph separators (U+2028, U+2029).
"""

from __future__ import annotations

import re
from typing import Literal

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# The same, but tab and line feed are allowed (multi-line YAML values, block scalars).
CONTROL_BUT_LAYOUT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
# Whitespace controls that only lay text out: on one line they become a space.
_LAYOUT = re.compile("[\t\n\r\v\f\u2028\u2029]+")

Style = Literal["hex", "mark", "drop"]


def first_control(text: str, *, allow_layout: bool = False) -> str | None:
    """The first control character in ``text`` (tab and newline pass when ``allow_layout``)."""
    found = (CONTROL_BUT_LAYOUT if allow_layout else CONTROL).search(text)
    return None if found is None else found.group()


def scrub(text: str, style: Style = "hex") -> str:
    """``text`` on one inert line.

    Layout runs (tab, CR, LF...) become a space; other controls are shown as ``\\xNN``
    (``hex``; U+202E shows as ``\\x202e``), as ``?`` (``mark``), or dropped (``drop``).
    """
    text = _LAYOUT.sub(" ", text)
    if style == "drop":
        return CONTROL.sub("", text)
    if style == "mark":
        return CONTROL.sub("?", text)
    return CONTROL.sub(_hex, text)


def _hex(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


__all__ = ["CONTROL", "first_control", "scrub"]
