"""The one exception the sandbox raises for a refused request, and its JSON body.

Store, rules and handlers raise ``Refused(status, message)``; the app turns it into the
marketplace's error body ``{"timeStamp","status","message","path","correlationId"}``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

NO_ENTITY = "No entity has been found"


class Refused(Exception):
    """A request the marketplace answers with an error status (4xx, or 5xx for faults)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class DroppedConnection(Exception):
    """Raised by the fault layer after the response has started: the client loses it."""


def new_correlation_id() -> str:
    return str(uuid.uuid4())


def iso_timestamp(moment: dt.datetime) -> str:
    """UTC date-time with a ``Z``, to the second, as the API writes it."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error_body(
    status: int, message: str, path: str, correlation_id: str, moment: dt.datetime
) -> dict[str, Any]:
    return {
        "timeStamp": iso_timestamp(moment),
        "status": status,
        "message": message,
        "path": path,
        "correlationId": correlation_id,
    }
