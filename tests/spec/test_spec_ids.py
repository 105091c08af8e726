"""Spec ids are plain decimal digits, in every form YAML can write them (issue 16).

Regression: YAML 1.1's int resolver read ``id: 0x10`` as 16 and ``1_000_177`` as
1000177, so a reviewer read one id while subctl acted on another.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.ids import is_digits
from controller.spec.loader import check_specs

HEAD = "apiVersion: subctl/v1\nkind: SubscriptionSet\nmetadata:\n  name: acme\nsubscriptions:\n"


def _check(tmp_path: Path, field: str, written: str) -> list[str]:
    body = HEAD + "  - id: '1000100'\n    state: active\n    autoRenew: true\n"
    if field == "id":
        body = HEAD + f"  - id: {written}\n    state: active\n    autoRenew: true\n"
    else:
        body += f"    customerId: {written}\n"
    path = tmp_path / "s.yaml"
    path.write_text(body, encoding="utf-8")
    return [str(p) for p in check_specs([path]).problems]


@pytest.mark.parametrize(
    "written",
    [
        "0x10",
        "0b101",
        "0o17",
        "1_000_177",
        "+1000177",
        "-5",
        "-0",
        "1:30",
        "1e3",
        "1.0e+3",
        "'0x10'",
        "' 12'",
        "'12 '",
        '"12\\n"',
        "'\uff11\uff12'",
        "'+1000177'",
        "'1e3'",
    ],
)
@pytest.mark.parametrize("field", ["id", "customerId"])
def test_an_id_not_written_in_plain_digits_is_an_error_at_its_place(
    tmp_path: Path, field: str, written: str
) -> None:
    problems = _check(tmp_path, field, written)
    line, col = (6, 9) if field == "id" else (9, 17)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path}/s.yaml:{line}:{col}: ")
    assert 'expected a string of digits like "1000177"' in problems[0]


@pytest.mark.parametrize("written", ["1000177", "'1000177'", '"1000177"', "'0012'"])
def test_plain_digits_are_accepted_bare_or_quoted(tmp_path: Path, written: str) -> None:
    assert _check(tmp_path, "id", written) == []
    assert _check(tmp_path, "customerId", written) == []


def test_the_one_id_check_refuses_what_the_regex_dollar_let_through() -> None:
    assert is_digits("1000177")
    # re's "$" matches before a final newline: "^[0-9]+$" accepted "12\n".
    for text in ("12\n", "", " 12", "\uff11\uff12", "0x10", "1_0", "+1", "1" * 21):
        assert not is_digits(text), text
