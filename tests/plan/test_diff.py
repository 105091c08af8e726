"""desired_changes: declared versus live, as Change values sorted by field name."""

from __future__ import annotations

import datetime as dt

from controller.plan.diff import desired_changes
from controller.plan.model import Change
from tests.plan.builders import declared, live_sub


def test_in_sync_gives_no_change() -> None:
    assert desired_changes(declared(), live_sub()) == ()


def test_every_differing_field_in_field_order() -> None:
    d = declared(autoRenew=False, renewThrough=dt.date(2028, 1, 1))
    sub = live_sub(status="hold", renewalStatus=None, expirationDate="2027-03-31")
    assert desired_changes(d, sub) == (
        Change(field="autoRenew", desired="false", live="None"),
        Change(field="expirationDate", desired=">= 2028-01-01", live="2027-03-31"),
        Change(field="state", desired="active", live="hold"),
    )


def test_a_cancelled_declaration_compares_the_state_only() -> None:
    sub = live_sub(renewalStatus=False, expirationDate="2027-03-31")
    assert desired_changes(declared(state="cancelled"), sub) == (
        Change(field="state", desired="cancelled", live="active"),
    )
    assert desired_changes(declared(state="cancelled"), live_sub(status="terminated")) == ()
