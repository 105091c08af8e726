"""What a marketplace id looks like in a spec: plain ASCII decimal digits, 1 to 20 of them.

One definition for every place that checks an id: the spec models (``spec/models.py``),
the spec reader's handling of bare YAML integers (``spec/yamlpos.py``), export's
``--customer`` option (``export.py``) and the ids export writes (``report/specfile.py``).
Anything else (``0x10``, ``1_000_177``, ``+1000177``, `` 12``, full-width digits, a
trailing newline) is not an id: a reviewer must read the same id that subctl acts on.
"""

from __future__ import annotations

import re

# For JSON Schema and pydantic (Rust regex: "$" is the very end there).
DIGITS_PATTERN = r"^[0-9]{1,20}$"
# re's "$" would also match before a trailing newline, hence fullmatch without anchors.
_DIGITS = re.compile(r"[0-9]{1,20}")


def is_digits(text: str) -> bool:
    """True when ``text`` is an id: only ASCII 0-9, 1 to 20 of them, nothing else."""
    return _DIGITS.fullmatch(text) is not None


__all__ = ["DIGITS_PATTERN", "is_digits"]
