"""What the published SimpleAPI 1.15 says, as far as the sandbox relies on it.

The sandbox's own copy (issue 12): it never imports the client's models, so one wrong
idea of the API cannot hide on both sides. Enums and field names here are published;
everything unpublished (status codes, the order state machine, ``cancellationReason``)
lives in rules.py. The spec itself is never loaded at run time (DESIGN.md section 4).
"""

from __future__ import annotations

from enum import StrEnum


class SubscriptionStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    HOLD = "hold"
    TERMINATED = "terminated"
    REMOVED = "removed"
    UNKNOWN = "unknown"


class OrderType(StrEnum):
    SALES = "sales"
    CHANGE = "change"
    RENEWAL = "renewal"
    CANCELLATION = "cancellation"
    MIGRATION = "migration"
    UNKNOWN = "unknown"


class OrderStatus(StrEnum):
    SUBMITTED = "submitted"
    PROCESSING = "processing"
    ERROR = "error"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# Period.type; only day, month and year can be counted (rules.add_period).
PERIOD_TYPES = ("day", "month", "year", "statement_day", "unknown")

# The JSON type of each published field, for checking seeds: "str", "int", "bool",
# "object", "array". The fields the sandbox models itself are checked by schemas.py.
_SUBSCRIPTION_LIST_ITEM = {
    "id": "str",
    "name": "str",
    "customerId": "str",
    "status": "str",
    "renewalStatus": "bool",
    "creationDate": "str",
    "renewalDate": "str",
    "expirationDate": "str",
    "lastModifiedDate": "str",
    "subscriptionPeriod": "object",
    "billingPeriod": "object",
    "billingModel": "str",
    "attributes": "object",
}
# ``Subscription`` (a GET /subscriptions list item) and ``SubscriptionDetailed``.
SUBSCRIPTION_FIELDS: dict[str, str] = dict(_SUBSCRIPTION_LIST_ITEM)
SUBSCRIPTION_DETAILED_FIELDS: dict[str, str] = {
    **_SUBSCRIPTION_LIST_ITEM,
    "planId": "int",
    "products": "array",
    "orderParameters": "array",
    "fulfillmentParameters": "array",
    "totalPrice": "object",
    "totalSubscriptionPrice": "object",
    "totalSubscriptionCost": "object",
    "totalSubscriptionProviderCost": "object",
}

# ``Order`` (a GET /orders list item: no subscriptionId) and ``OrderDetailed``.
ORDER_FIELDS: dict[str, str] = {
    "id": "str",
    "orderNumber": "str",
    "type": "str",
    "customerId": "str",
    "poNumber": "str",
    "creationDate": "str",
    "provisioningDate": "str",
    "status": "str",
    "statusCode": "str",
    "total": "object",
    "details": "array",
    "attributes": "object",
    "creditCheck": "bool",
    "autorenewal": "bool",
    "startDate": "str",
    "migrationDate": "str",
    "expirationDate": "str",
    "lastBillingDate": "str",
    "nextBillingDate": "str",
    "migrationProgram": "str",
    "planId": "str",
    "subscriptionPeriod": "object",
    "scheduledOn": "str",
    "upgradeStartType": "str",
}
ORDER_DETAILED_FIELDS: dict[str, str] = {
    **ORDER_FIELDS,
    "products": "array",
    "subscriptionId": "str",
    "targetSubscriptionId": "str",
    "billingModel": "str",
    "subscriptions": "array",
    "alignExpirationDate": "object",
    "placementType": "str",
    "vendorBillingSettings": "object",
}

# The estimate of POST /orders/estimate: only these are guaranteed in its answer.
ESTIMATE_FIELDS = ("type", "customerId", "total")

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "bool": (bool,),
    "object": (dict,),
    "array": (list,),
}


def json_type_ok(kind: str, value: object) -> bool:
    """Whether ``value`` (parsed JSON/YAML) has the published JSON type ``kind``."""
    if kind == "int" and isinstance(value, bool):
        return False
    return isinstance(value, JSON_TYPES[kind])
