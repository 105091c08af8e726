"""The published field names and types subctl relies on, as our own JSON Schemas.

Hand-written from the SimpleAPI 1.15 spec (``tests/contract/schemas/*.json``,
committed); nothing is read from outside the repository at test time. Files refer to
each other by file name (``{"$ref": "period.json"}``); ``load`` inlines those references
so hypothesis-jsonschema sees one self-contained schema.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).parent / "schemas"


def _inline(node: Any) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.endswith(".json"):
            return load(ref)
        return {k: _inline(v) for k, v in node.items() if k != "$schema"}
    if isinstance(node, list):
        return [_inline(v) for v in node]
    return node


@cache
def load(name: str) -> dict[str, Any]:
    """The schema in ``schemas/<name>`` with its file references inlined."""
    raw = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    inlined: dict[str, Any] = _inline(raw)
    return inlined
