"""The renewal calendar through the API: anchors fixed at seed time, never cumulative clamping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from controller.sandbox.clock import FakeClock
from tests.sandbox.support import renewal, sandbox_api

pytestmark = pytest.mark.anyio


def seed_one(tmp_path: Path, created: str, expires: str, kind: str, duration: int) -> Path:
    sub = {
        "id": "1",
        "customerId": "2",
        "status": "active",
        "creationDate": created,
        "renewalDate": expires,
        "expirationDate": expires,
        "subscriptionPeriod": {"type": kind, "duration": duration},
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"subscriptions": [sub]}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("created", "expires", "kind", "duration", "expected"),
    [
        # Created Jan 31, already clamped to Feb 28: the 31st comes back in March.
        ("2026-01-31", "2026-02-28", "month", 1, ["2026-03-31", "2026-04-30", "2026-05-31"]),
        # Leap year: Feb 29 is the clamp, and the anchor is still the 31st.
        ("2028-01-31", "2028-02-29", "month", 1, ["2028-03-31", "2028-04-30"]),
        # Created on a leap day, yearly: Feb 28 in common years, Feb 29 in the next leap.
        ("2024-02-29", "2025-02-28", "year", 1, ["2026-02-28", "2027-02-28", "2028-02-29"]),
        # Quarterly from Nov 30: Feb 28, then May 30 (not May 28).
        ("2025-11-30", "2026-02-28", "month", 3, ["2026-05-30", "2026-08-30", "2026-11-30"]),
        # Across the year end, every two years.
        ("2025-12-31", "2027-12-31", "year", 2, ["2029-12-31"]),
        # Mid-month: nothing to clamp.
        ("2026-01-15", "2026-12-15", "month", 1, ["2027-01-15", "2027-02-15"]),
    ],
)
async def test_renewals_keep_the_anchor_day(
    tmp_path: Path,
    clock: FakeClock,
    created: str,
    expires: str,
    kind: str,
    duration: int,
    expected: list[str],
) -> None:
    async with sandbox_api(clock, seed=seed_one(tmp_path, created, expires, kind, duration)) as api:
        seen = []
        for _ in expected:
            assert (await api.post("/orders", renewal("1", "2"))).status_code == 201
            sub = (await api.get("/subscriptions/1")).json()
            assert sub["renewalDate"] == sub["expirationDate"]
            seen.append(sub["expirationDate"])
        assert seen == expected
