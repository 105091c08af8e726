"""Time for the sandbox marketplace: a real clock in use, a fake one in tests.

Everything in the sandbox that depends on time (token expiry, the vendor completing an
approved cancellation, order creation dates) reads ``Clock.now()``; nothing sleeps or
runs in the background, so a test moves time with ``FakeClock.advance``.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FakeClock:
    """A clock that moves only when told to; safe to read from the store's threads."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        start = start or dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = start.astimezone(dt.UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)
