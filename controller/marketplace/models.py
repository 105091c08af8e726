"""Live-state models: what the marketplace API says about subscriptions and orders.

Sits between the HTTP client (which parses every response body into these) and the
planner (which reads them). Field names follow the API (DESIGN.md section 4).

Lenient shape, strict values: every response the published SimpleAPI 1.15 allows is
accepted (fields it leaves optional are optional here, ``status: unknown``, order type
``unknown``, a Period of duration 0 or type ``statement_day``, naive date-times read as
UTC), but values are strict: a date is a ``YYYY-MM-DD`` string, a boolean a JSON
boolean, an amount a decimal string. Unknown fields are ignored (the real API returns
many more). A list item that does not fit is that item's problem (``InvalidItem``),
never the page's; a single body that does not fit is ``ApiProtocolError``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    TypeAdapter,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass

from controller.marketplace import conventions

# The unpublished rules live in conventions.py; these names stay importable from here
# for code that has not moved yet (the sandbox is getting its own copy).
from controller.marketplace.conventions import (
    ATTR_CANCELLATION_REASON,
    ATTR_PLACED_BY,
    ATTR_REVISION,
    ATTR_SPEC_SOURCE,
    CODE_APPROVED,
    CODE_COMPLETED,
    CODE_ERROR,
    CODE_PENDING_APPROVAL,
    CODE_WITHDRAWN,
    PLACED_BY_SUBCTL,
)

__all__ = [  # the names above are re-exported; the rest is defined here
    "ATTR_CANCELLATION_REASON",
    "ATTR_PLACED_BY",
    "ATTR_REVISION",
    "ATTR_SPEC_SOURCE",
    "CODE_APPROVED",
    "CODE_COMPLETED",
    "CODE_ERROR",
    "CODE_PENDING_APPROVAL",
    "CODE_WITHDRAWN",
    "PLACED_BY_SUBCTL",
    "Estimate",
    "InvalidItem",
    "Money",
    "Order",
    "OrderStatus",
    "OrderType",
    "Pagination",
    "Period",
    "Subscription",
    "SubscriptionStatus",
    "TokenInfo",
    "adapter",
]

T = TypeVar("T")


class SubscriptionStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    HOLD = "hold"
    TERMINATED = "terminated"
    REMOVED = "removed"
    UNKNOWN = "unknown"  # published: the platform could not tell


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


OPEN_ORDER_STATUSES = frozenset({OrderStatus.SUBMITTED, OrderStatus.PROCESSING})

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_string(value: object) -> object:
    """Strict: a ``YYYY-MM-DD`` string. ``0`` is not 1970-01-01 (pydantic's lax mode
    reads a number as a Unix time; an expiry of 0 once planned 685 renewal terms)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise ValueError(f"not a YYYY-MM-DD date string: {_show(value)}")
    return value


def _datetime_string(value: object) -> object:
    """Strict: a date-time string (``T`` or space separated, offset optional)."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date-time string: {_show(value)}")
    return value


def _as_utc(value: dt.datetime) -> dt.datetime:
    """Naive date-times (``2019-03-19 07:22:59``) are read as UTC, never compared naive."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _show(value: object) -> str:
    return repr(value)[:40]


LiveDate = Annotated[dt.date, BeforeValidator(_date_string)]
LiveDateTime = Annotated[dt.datetime, BeforeValidator(_datetime_string), AfterValidator(_as_utc)]


def _decimal_string(value: object) -> object:
    """Strict: amounts are decimal strings (``"70.50"``), finite; not numbers."""
    if not isinstance(value, str):
        raise ValueError(f"not a decimal amount string: {_show(value)}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a decimal amount: {value[:40]!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite amount: {value[:40]!r}")
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
    # month | year are counted; day, statement_day, unknown (published) are parsed and
    # only a rule that counts terms refuses them. Duration 0 is published-valid too.
    type: str
    duration: StrictInt = Field(ge=0)


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_RECORD)
class Subscription(_Record):
    # The spec requires no field at all; subctl needs an id to match a declaration.
    # The rest is optional: a rule that needs a missing value says so (planner).
    id: str = Field(min_length=1)
    customerId: str | None = None
    name: str = ""
    status: SubscriptionStatus | None = None
    renewalStatus: StrictBool | None = None
    expirationDate: LiveDate | None = None
    renewalDate: LiveDate | None = None
    creationDate: LiveDate | None = None
    subscriptionPeriod: Period | None = None
    totalPrice: Money | None = None

    @property
    def status_text(self) -> str:
        """The status for messages: ``unknown`` when the API gave none."""
        return self.status.value if self.status is not None else "unknown"


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_RECORD)
class Order(_Record):
    # Published: only type and customerId are required (1.15 list items carry no
    # subscriptionId and may omit attributes). subctl needs an id to act on an order:
    # a list item with a blank one is an invalid item (client.py), and a single order
    # without one is never used (ordering.py). An estimate answer may carry "".
    id: str
    orderNumber: str | None = None
    type: OrderType
    customerId: str | None = None
    subscriptionId: str | None = None
    status: OrderStatus | None = None
    statusCode: str | None = None
    creationDate: LiveDateTime | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    total: Money | None = None

    @property
    def is_open(self) -> bool:
        return conventions.order_is_open(self)

    @property
    def status_text(self) -> str:
        """The status for messages: ``unknown`` when the API gave none."""
        return self.status.value if self.status is not None else "unknown"

    @property
    def placed_by_subctl(self) -> bool:
        return conventions.placed_by_subctl(self.attributes)

    @property
    def display_name(self) -> str:
        """The name for messages: the human order number, else the id."""
        return self.orderNumber or self.id


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_RECORD)
class Estimate(_Record):
    """``POST /orders/estimate``: the spec guarantees only type, customerId and total."""

    type: OrderType | None = None
    customerId: str | None = None
    total: Money | None = None


@dataclass(frozen=True, slots=True)
class InvalidItem:
    """One list item that did not fit its live model: that item's error, not the page's.

    ``id`` is the item's id when it is a usable string (so the error can be given to
    that subscription), else None; ``subscriptionId`` likewise for orders.
    """

    kind: str  # "subscription" | "order"
    id: str | None
    reason: str
    subscriptionId: str | None = None
    correlation_id: str | None = None  # of the page answer that carried it


class Pagination(_Live):
    offset: int = Field(ge=0)
    limit: int = Field(ge=0)
    total: int = Field(ge=0)


class TokenInfo(_Live):
    token: str = Field(repr=False)
    expiresInSeconds: int = Field(ge=0)
