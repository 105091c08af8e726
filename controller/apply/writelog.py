"""``-v`` logging of every write: one INFO line on ``subctl.apply`` per write finished.

Wraps the journal's group commit (controller/apply/groupcommit.py), which sees every
write the executor makes, start and end, so no write can go unlogged. A line names the
HTTP call (method and path, from the action), the subscription, the order and the
outcome, e.g. ``write POST /orders (renew) subscription 1000177: succeeded, order
SO000123 [correlation id c-1]``. Never a header, a token or a request body.
"""

from __future__ import annotations

import logging

from controller.apply.groupcommit import GroupCommit
from controller.apply.journal import Journal
from controller.plan.model import Action

log = logging.getLogger("subctl.apply")

# The call each action makes (DESIGN.md section 4).
_CALLS = {
    Action.SET_AUTO_RENEW.value: ("PATCH", "/subscriptions/{subscription}"),
    Action.RENEW.value: ("POST", "/orders"),
    Action.CANCEL.value: ("POST", "/orders"),
    Action.APPROVE.value: ("PATCH", "/orders/{order}"),
    Action.WITHDRAW.value: ("PATCH", "/orders/{order}"),
}


class LoggedCommit(GroupCommit):
    """A ``GroupCommit`` that also logs each finished write at INFO."""

    def __init__(self, journal: Journal) -> None:
        super().__init__(journal)
        self._started: dict[int, tuple[str, str, str | None]] = {}

    async def start(
        self,
        subscription: str,
        action: str,
        order_id: str | None = None,
        *,
        request_id: str | None = None,
    ) -> int:
        handle = await super().start(subscription, action, order_id, request_id=request_id)
        self._started[handle] = (subscription, action, order_id)
        return handle

    async def finish(
        self,
        handle: int,
        outcome: str,
        *,
        order_id: str | None = None,
        order_number: str | None = None,
        correlation_id: str | None = None,
        message: str = "",
    ) -> None:
        await super().finish(
            handle,
            outcome,
            order_id=order_id,
            order_number=order_number,
            correlation_id=correlation_id,
            message=message,
        )
        subscription, action, started_order = self._started.pop(handle, ("?", "?", None))
        order = order_id or started_order
        method, path = _CALLS.get(action, ("?", "?"))
        path = path.format(subscription=subscription, order=order or "?")
        text = f"write {method} {path} ({action}) subscription {subscription}: {outcome}"
        if order_number or order:
            text += f", order {order_number or order}"
        if message:
            text += f" ({message})"
        if correlation_id:
            text += f" [correlation id {correlation_id}]"
        # INFO even when failed: the failure itself is in the apply result on stdout.
        log.info("%s", text)
