"""The files plan and apply read and write besides the journal: ``--out`` / ``--plan``
(a saved plan, docs/plan-format.md) and ``--summary`` (JSON for a later CI step).

Every text written goes through the redactor (controller/redact.py); a path the user
gave that cannot be written is their mistake (``ConfigError``), not a bug.
"""

from __future__ import annotations

import json
from pathlib import Path

from controller.errors import ConfigError, PlanError
from controller.plan.model import Plan
from controller.redact import redact


def write_text(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(redact(text), encoding="utf-8")
        tmp.replace(path)
    except OSError as err:  # a path the user gave (--out, --summary): theirs to fix, not a bug
        raise ConfigError(f"{path}: cannot write: {err.strerror or err}") from None


def write_json(path: Path, data: object) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def read_plan_file(path: Path) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PlanError(f"{path}: cannot read plan file: {err}") from None
    try:
        return Plan.from_json(text)
    except ValueError as err:
        first = str(err).splitlines()[0] if str(err) else "invalid"
        raise PlanError(f"{path}: not a subctl plan (formatVersion 1): {first}") from None
