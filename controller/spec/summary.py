"""What ``subctl validate`` prints: text for people, JSON for tools.

End of the spec stage for the validate command; pure (strings in, strings out) so
that cli.py stays a thin shell. Text: one ``path:line:col: message`` per problem for
stderr, and a summary line. JSON: one stable, versioned object for stdout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from controller.spec.loader import SpecReport, nothing_to_read

FORMAT_VERSION = 1


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class TextOutput:
    stdout: list[str]
    stderr: list[str]


def render_text(report: SpecReport) -> TextOutput:
    """Problems and the failure summary go to stderr; a valid run says so on stdout."""
    head = f"{_count(report.files, 'file')}, {_count(report.subscriptions, 'subscription')}"
    if report.valid:
        return TextOutput([f"{head}: valid"], [])
    if nothing_to_read(report):
        return TextOutput([], [f"error: {report.problems[0].message}"])  # as plan/apply say it
    files_with = len({problem.path for problem in report.problems})
    lines = [str(problem) for problem in report.problems]
    lines.append(f"{_count(len(report.problems), 'error')} in {_count(files_with, 'file')}")
    return TextOutput([], lines)


def render_json(report: SpecReport) -> str:
    body = {
        "formatVersion": FORMAT_VERSION,
        "valid": report.valid,
        "files": report.files,
        "subscriptions": report.subscriptions,
        "errors": [
            {"path": p.path, "line": p.line, "column": p.column, "message": p.message}
            for p in report.problems
        ],
    }
    return json.dumps(body, indent=2, ensure_ascii=False)
