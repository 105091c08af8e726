"""Control characters in spec values and keys are refused, located, and never echoed.

Regression: YAML double-quoted escapes (``\\e``, ``\\0``, ``\\u202e``) were accepted in a
cancellation reason, which reaches terminals (plan output) and order attributes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.spec.loader import check_specs

HEAD = (
    "apiVersion: subctl/v1\nkind: SubscriptionSet\nmetadata:\n  name: acme\n"
    "subscriptions:\n  - id: '1'\n    state: cancelled\n    cancellation:\n"
)


@pytest.mark.parametrize("escape", ["\\e[31m", "\\0", "\\x9b", "\\u202e", "\\x7f", "\\a"])
def test_escaped_control_character_in_a_value(tmp_path: Path, escape: str) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(HEAD + f'      reason: "moved {escape} away"\n', encoding="utf-8")
    (problem,) = check_specs([str(spec)]).problems
    assert (problem.line, problem.column) == (9, 15)
    assert "control character U+" in problem.message


def test_control_character_in_a_key_is_not_echoed(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(HEAD + '      reason: gone away\n      "\\e[2Jx": 1\n', encoding="utf-8")
    problems = check_specs([str(spec)]).problems
    assert [p.message for p in problems] == ["control character in a mapping key; refused"]


def test_tabs_and_newlines_stay_allowed(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(HEAD + '      reason: "moved\\taway\\nfor good"\n', encoding="utf-8")
    assert not check_specs([str(spec)]).problems
