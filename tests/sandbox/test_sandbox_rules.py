"""Renewal date arithmetic and the order state machine (controller/sandbox/rules.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from controller.sandbox import rules
from controller.sandbox.problems import Refused
from controller.sandbox.published import OrderStatus

D = dt.date


@pytest.mark.parametrize(
    ("start", "kind", "n", "anchor", "expected"),
    [
        (D(2026, 12, 15), "month", 1, 15, D(2027, 1, 15)),
        (D(2027, 1, 31), "month", 1, 31, D(2027, 2, 28)),
        (D(2028, 1, 31), "month", 1, 31, D(2028, 2, 29)),
        (D(2027, 2, 28), "month", 1, 31, D(2027, 3, 31)),  # the anchor brings the 31st back
        (D(2027, 4, 30), "month", 1, 30, D(2027, 5, 30)),
        (D(2026, 11, 30), "month", 3, 30, D(2027, 2, 28)),
        (D(2027, 3, 31), "year", 1, 31, D(2028, 3, 31)),
        (D(2028, 2, 29), "year", 1, 29, D(2029, 2, 28)),
        (D(2029, 2, 28), "year", 3, 29, D(2032, 2, 29)),
        (D(2027, 1, 31), "year", 2, 31, D(2029, 1, 31)),
        (D(2026, 12, 31), "day", 1, 31, D(2027, 1, 1)),
    ],
)
def test_add_period(start: dt.date, kind: str, n: int, anchor: int, expected: dt.date) -> None:
    assert rules.add_period(start, kind, n, anchor) == expected


def test_add_period_refuses_unknown_period() -> None:
    with pytest.raises(Refused):
        rules.add_period(D(2026, 1, 1), "statement_day", 1, 1)


@pytest.mark.parametrize(
    ("current", "requested", "expected"),
    [("PA", "AP", "AP"), ("PA", "CL", "CL"), ("AP", "CL", "CL"), ("ER", "CL", "CL")],
)
def test_allowed_transitions(current: str, requested: str, expected: str) -> None:
    assert rules.next_code(current, requested, "SO000001") == expected


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        ("AP", "AP"),
        ("CP", "AP"),
        ("CL", "AP"),
        ("ER", "AP"),
        ("CP", "CL"),
        ("CL", "CL"),
        ("PA", "CP"),
        ("PA", "ER"),
        ("PA", "xx"),
    ],
)
def test_refused_transitions(current: str, requested: str) -> None:
    with pytest.raises(Refused) as info:
        rules.next_code(current, requested, "SO000001")
    assert info.value.status == 400


def test_every_code_has_a_status() -> None:
    assert {rules.status_for(c) for c in ("PA", "AP", "CP", "CL", "ER")} == set(OrderStatus)
    with pytest.raises(ValueError, match="unknown"):
        rules.status_for("ZZ")


@pytest.mark.parametrize(
    ("expires", "created", "anchor"),
    [
        (D(2027, 2, 28), D(2026, 1, 31), 31),  # clamped expiry: the creation day
        (D(2028, 2, 29), D(2027, 1, 31), 31),  # leap-year February, clamped too
        (D(2027, 2, 28), D(2026, 2, 15), 28),  # last day, but created earlier in the month
        (D(2027, 6, 30), D(2026, 4, 30), 30),  # same day: no clamp to undo
        (D(2027, 3, 15), D(2026, 1, 31), 15),  # not the last day of its month
        (D(2027, 2, 28), None, 28),  # no creation date: the expiry's day
        (D(2025, 2, 28), D(2024, 2, 29), 29),  # yearly from a leap day
    ],
)
def test_calendar_anchor(expires: dt.date, created: dt.date | None, anchor: int) -> None:
    assert rules.calendar_anchor(expires, created) == anchor


def test_add_period_refuses_zero_terms() -> None:
    with pytest.raises(Refused, match="0 terms"):
        rules.add_period(D(2026, 1, 1), "month", 0, 1)
