"""Each cross-field rule is written once (controller/spec/crossfield.py) and holds on both sides.

The loader locates a broken rule at ``path:line:col`` (the bad corpus has a file per
rule); the ``DesiredSubscription`` model refuses the same combination with the same
words when it is built directly, outside the loader.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from controller.spec.crossfield import MISSING_STATE, RULES
from controller.spec.models import Cancellation, DesiredSubscription

BAD = Path(__file__).parent / "bad"
_REASON = Cancellation(reason="Customer moved to another provider")
_BASE: dict[str, Any] = {"id": "1000177", "source": "s.yaml:3", "setName": "s"}

# One entry per rule of the table (but the missing state, which the model's own
# required field refuses): the fields that break it and nothing else.
BROKEN: dict[str, dict[str, Any]] = {
    "state active needs autoRenew (true or false)": {"state": "active"},
    "state active forbids cancellation (remove it, or set state: cancelled)": {
        "state": "active",
        "autoRenew": True,
        "cancellation": _REASON,
    },
    "state cancelled needs cancellation.reason": {"state": "cancelled"},
    "autoRenew: true is not allowed with state cancelled": {
        "state": "cancelled",
        "cancellation": _REASON,
        "autoRenew": True,
    },
    "renewThrough is not allowed with state cancelled": {
        "state": "cancelled",
        "cancellation": _REASON,
        "renewThrough": dt.date(2027, 6, 30),
    },
    "protected: true forbids state cancelled (remove protected to cancel it)": {
        "state": "cancelled",
        "cancellation": _REASON,
        "protected": True,
    },
}


def test_every_rule_has_a_model_case() -> None:
    assert set(BROKEN) == {rule.message for rule in RULES if rule.message != MISSING_STATE}


@pytest.mark.parametrize("message", sorted(BROKEN))
def test_model_refuses_what_the_loader_refuses(message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DesiredSubscription(**_BASE, **BROKEN[message])
    errors = caught.value.errors(include_url=False)
    assert [e["msg"] for e in errors] == [f"Value error, {message}"]


@pytest.mark.parametrize(
    "fields",
    [
        {"state": "active", "autoRenew": False, "renewThrough": dt.date(2027, 6, 30)},
        {"state": "cancelled", "cancellation": _REASON, "autoRenew": False, "protected": False},
    ],
)
def test_model_accepts_what_the_rules_allow(fields: dict[str, Any]) -> None:
    assert DesiredSubscription(**_BASE, **fields).state == fields["state"]


def test_every_rule_has_a_located_case_in_the_bad_corpus() -> None:
    # test_spec_bad_corpus.py checks each file's line:col; this checks none is missing.
    expected = re.compile(r"^# expect: \d+:\d+: (.+)$")
    texts = [
        found.group(1)
        for path in BAD.glob("*.yaml")
        if (found := expected.match(path.read_bytes().split(b"\n", 1)[0].decode(errors="replace")))
    ]
    for rule in RULES:
        # An expectation may quote the start of the message, or add " (set in defaults)".
        assert any(
            rule.message.startswith(text) or text.startswith(rule.message) for text in texts
        ), rule.message
