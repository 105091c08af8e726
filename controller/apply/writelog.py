"""``-v`` logging of every write: one INFO line on ``subctl.apply`` per write finished.

Hangs on the journal's group commit (controller/apply/groupcommit.py, its ``on_line``),
which sees every write the executor makes, start and end, so no write can go unlogged.
A line names the HTTP call (method and path, from the action), the subscription, the
order and the outcome, e.g. ``write POST /orders (renew) subscription 1000177:
succeeded, order SO000123 [correlation id c-1]``. Never a header, a token or a request
body: it is built from the journal line, which holds none.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

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


def log_write(line: Mapping[str, Any]) -> None:
    """Log one finished write from its journal ``line`` (``GroupCommit``'s ``on_line``)."""
    subscription = line.get("subscription", "?")
    action = line.get("action", "?")
    order = line.get("orderId")  # the outcome's order, else the one the write was about
    order_number = line.get("orderNumber")
    method, path = _CALLS.get(action, ("?", "?"))
    path = path.format(subscription=subscription, order=order or "?")
    text = f"write {method} {path} ({action}) subscription {subscription}: {line['outcome']}"
    if order_number or order:
        text += f", order {order_number or order}"
    if line.get("message"):
        text += f" ({line['message']})"
    if line.get("correlationId"):
        text += f" [correlation id {line['correlationId']}]"
    # INFO even when failed: the failure itself is in the apply result on stdout.
    log.info("%s", text)
