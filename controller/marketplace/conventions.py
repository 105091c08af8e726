"""Every rule of the marketplace subctl relies on that the published API does not state.

The SimpleAPI 1.15 spec publishes field names, types and enums; it does not publish
the internal order status codes, what they mean for a cancellation, that orders keep
the ``attributes`` they were created with, or that a second open order of one type is
refused. Those are ours (DESIGN.md section 4, docs/client.md "What subctl assumes about
the real API"), so they live here, in one place, and can change in one place.

Imported by the client (client.py, ordering.py, errors_map.py), the planner, the
executor, the journal and export (report/specfile.py). The sandbox keeps its own copy
on purpose: one wrong idea of the API must not hide on both sides.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # models.py imports this module; only the type is needed here
    from controller.marketplace.models import Order

# Internal order status codes (``statusCode``). Unpublished.
CODE_PENDING_APPROVAL = "PA"  # a cancellation waiting for someone to approve it
CODE_APPROVED = "AP"  # approved; the vendor is processing it
CODE_COMPLETED = "CP"
CODE_WITHDRAWN = "CL"  # withdrawn before completion; also what subctl sends to withdraw
CODE_ERROR = "ER"

# Attributes subctl writes on every order it places (orders keep them: unpublished).
ATTR_REQUEST_ID = "requestId"  # one per placement: proves which order a POST created
ATTR_PLACED_BY = "placedBy"
ATTR_SPEC_SOURCE = "specSource"
ATTR_REVISION = "revision"
ATTR_CANCELLATION_REASON = "cancellationReason"
PLACED_BY_SUBCTL = "subctl"

# Open (not finished) order statuses. Published as values; that only these two are
# "open" and that the marketplace refuses a second open order of one type for one
# subscription (answering 400 "... already ...") is ours.
OPEN_STATUSES = frozenset({"submitted", "processing"})
SECOND_OPEN_ORDER_REFUSED = True


class OpenState(StrEnum):
    """Where an open order stands, from its status and (unpublished) status code."""

    PENDING_APPROVAL = "pending-approval"  # submitted / PA (or no code): approve may follow
    APPROVED = "approved"  # AP, or processing without a code: the vendor works on it
    UNKNOWN = "unknown"  # a code we do not know, or no status: reported, never acted on


def order_is_open(order: Order) -> bool:
    """Open, or possibly open: an order without a status is treated as open (it blocks
    a second order of its type and is reported in an unknown state, never acted on)."""
    return order.status is None or order.status.value in OPEN_STATUSES


def open_state(order: Order) -> OpenState:
    """How to treat an open order. Only the codes above are understood; anything
    else is UNKNOWN (in progress, reported as such: no approve, no withdraw guess)."""
    status = order.status_text  # 'unknown' without a status: matches none below
    code = order.statusCode
    if status == "submitted" and code in (CODE_PENDING_APPROVAL, None):
        return OpenState.PENDING_APPROVAL
    if status in ("submitted", "processing") and code == CODE_APPROVED:
        return OpenState.APPROVED
    if status == "processing" and code is None:
        return OpenState.APPROVED
    return OpenState.UNKNOWN


def approval_reached(order: Order) -> bool:
    """After ``PATCH statusCode=AP``: the order is approved or already done."""
    status = order.status_text  # 'unknown' without a status: matches none below
    return order.statusCode in (CODE_APPROVED, CODE_COMPLETED) or status in (
        "processing",
        "completed",
    )


def withdrawal_reached(order: Order) -> bool:
    """After ``PATCH statusCode=CL``: the order is withdrawn."""
    status = order.status_text  # 'unknown' without a status: matches none below
    return order.statusCode == CODE_WITHDRAWN or status == "cancelled"


def placed_by_subctl(attributes: dict[str, str]) -> bool:
    return attributes.get(ATTR_PLACED_BY) == PLACED_BY_SUBCTL
