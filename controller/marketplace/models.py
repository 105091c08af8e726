"""Live-state models: what the marketplace API says about subscriptions and orders.

Sits between the HTTP client (which parses every response body into these) and the
planner (which reads them). Field names follow the API (DESIGN.md section 4). Unknown
fields are ignored (the real API returns many more); unknown enum values and wrong
types are rejected, and the client turns that rejection into ``ApiProtocolError``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter
from pydantic.dataclasses import dataclass as pydantic_dataclass

T = TypeVar("T")


class SubscriptionStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    HOLD = "hold"
    TERMINATED = "terminated"
    REMOVED = "removed"


class OrderType(StrEnum):
    SALES = "sales"
    CHANGE = "change"
    RENEWAL = "renewal"
    CANCELLATION = "cancellation"
    MIGRATION = "migration"


class OrderStatus(StrEnum):
    SUBMITTED = "submitted"
    PROCESSING = "processing"
    ERROR = "error"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# Internal order status codes. Not published by the real API; kept here, in one
# place, so they can change (DESIGN.md section 4).
CODE_PENDING_APPROVAL = "PA"
CODE_APPROVED = "AP"
CODE_COMPLETED = "CP"
CODE_WITHDRAWN = "CL"
CODE_ERROR = "ER"

OPEN_ORDER_STATUSES = frozenset({OrderStatus.SUBMITTED, OrderStatus.PROCESSING})

# Attributes subctl writes on every order it places.
ATTR_PLACED_BY = "placedBy"
ATTR_SPEC_SOURCE = "specSource"
ATTR_REVISION = "revision"
ATTR_CANCELLATION_REASON = "cancellationReason"
PLACED_BY_SUBCTL = "subctl"


def _decimal_string(value: object) -> object:
    if isinstance(value, str):
        try:
            Decimal(value)
        except InvalidOperation:
            raise ValueError(f"not a decimal amount: {value[:40]!r}") from None
    return value


class _Live(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _Record:
    """Base of the per-item live records: ``Model.model_validate(data)`` as on a BaseModel.

    The records are slotted pydantic dataclasses, not BaseModels: a plan of 100,000
    subscriptions holds 100,000 of them, and a BaseModel instance carries its own
    ``__dict__`` and fields-set (~2.1 KB per subscription against ~0.3 KB here).
    Validation (types, enums, ``extra`` ignored) is the same pydantic-core schema.
    """

    __slots__ = ()

    @classmethod
    def model_validate(cls, data: object) -> Self:
        return adapter(cls).validate_python(data)


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def adapter(kind: type[T]) -> TypeAdapter[T]:
    """The validator of a model or record type, built once (building one takes ~1 ms)."""
    found = _ADAPTERS.get(kind)
    if found is None:
        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return found


_RECORD = ConfigDict(extra="ignore")


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_RECORD)
class Money(_Record):
    amount: Annotated[str, BeforeValidator(_decimal_string)]
    currency: str = Field(min_length=1, max_length=10)

    @property
    def value(self) -> Decimal:
        return Decimal(self.amount)


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_RECORD)
class Period(_Record):
    type: str  # month | year (day and others exist in the real API)
    duration: int = Field(ge=1)


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_RECORD)
class Subscription(_Record):
    id: str
    customerId: str
    name: str = ""
    status: SubscriptionStatus
    renewalStatus: bool
    expirationDate: dt.date | None = None
    renewalDate: dt.date | None = None
    creationDate: dt.date | None = None
    subscriptionPeriod: Period | None = None
    totalPrice: Money | None = None


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_RECORD)
class Order(_Record):
    id: str
    orderNumber: str | None = None
    type: OrderType
    customerId: str
    subscriptionId: str | None = None
    status: OrderStatus
    statusCode: str | None = None
    creationDate: dt.datetime | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    total: Money | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ORDER_STATUSES

    @property
    def placed_by_subctl(self) -> bool:
        return self.attributes.get(ATTR_PLACED_BY) == PLACED_BY_SUBCTL


class Pagination(_Live):
    offset: int = Field(ge=0)
    limit: int = Field(ge=0)
    total: int = Field(ge=0)


class TokenInfo(_Live):
    token: str = Field(repr=False)
    expiresInSeconds: int = Field(ge=0)
