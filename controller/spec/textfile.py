"""The bytes of one spec file -> its text, or one located problem.

First step of the spec stage, before ``yamlpos.py`` parses the text: refuses what
is not small UTF-8 text (over 5 MiB, a NUL byte, invalid UTF-8) with the line and
column of the first bad byte, and drops a UTF-8 byte-order mark.
"""

from __future__ import annotations

from pathlib import Path

from controller.errors import SpecProblem

MAX_FILE_BYTES = 5 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


def read_text(file: Path, display: str) -> tuple[str | None, SpecProblem | None]:
    """The file's text, or None and the problem that refuses it (never raises)."""

    def whole(message: str) -> tuple[None, SpecProblem]:
        return None, SpecProblem(display, 1, 1, message)

    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            return whole(f"file is {size / 1048576:.1f} MiB, over the 5 MiB limit; refused")
        with file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        return whole(f"cannot read file: {err.strerror or err}")
    if len(data) > MAX_FILE_BYTES:  # grew since stat
        return whole("file is over the 5 MiB limit; refused")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _byte_pos(data, nul)
        return None, SpecProblem(
            display, line, col, "NUL byte: binary (or UTF-16) file, not UTF-8 YAML text"
        )
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as err:
        line, col = _byte_pos(data, err.start)
        bad = data[err.start]
        return None, SpecProblem(display, line, col, f"not UTF-8 text (byte 0x{bad:02x})")


def _byte_pos(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1
