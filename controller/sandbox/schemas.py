"""The sandbox's own models of what clients and seed files send it (API field names).

Request bodies are read strictly (wrong types are a 400, not a coercion) but, like the
real API, unknown fields of an order body are ignored. Seed files are read strictly
and reject unknown fields, because a typo in a seed silently changes a test.
These are ours; the published spec is never loaded (DESIGN.md section 4).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    field_validator,
)

from controller.marketplace.models import OrderType, SubscriptionStatus


def _digits(value: object) -> object:
    # Seed files written by hand often carry bare numbers for ids; API ids are strings.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.isdigit() or len(value) > 18:
        raise ValueError("must be a string of digits")
    return value


Digits = Annotated[str, BeforeValidator(_digits)]


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)


class TokenRequest(_Request):
    marketplace: StrictStr = Field(min_length=1, max_length=20)


class OrderRequest(_Request):
    type: StrictStr
    customerId: StrictStr = Field(min_length=1, max_length=40)
    subscriptionId: StrictStr = Field(min_length=1, max_length=40)
    attributes: dict[StrictStr, StrictStr] = Field(default_factory=dict)

    @field_validator("attributes")
    @classmethod
    def _small(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 50 or any(len(k) > 100 or len(v) > 2000 for k, v in value.items()):
            raise ValueError("at most 50 attributes, names up to 100 and values up to 2000 chars")
        return value


class SubscriptionUpdate(_Request):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    renewalStatus: StrictBool


class OrderUpdate(_Request):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    statusCode: StrictStr


def _money_amount(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        try:
            Decimal(value)
        except InvalidOperation:
            raise ValueError("not a decimal amount") from None
    return value


class _Seed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SeedMoney(_Seed):
    amount: Annotated[str, BeforeValidator(_money_amount)]
    currency: str = Field(min_length=1, max_length=10)


class SeedPeriod(_Seed):
    type: Literal["day", "month", "year"]
    duration: int = Field(ge=1, le=120)


class SeedSubscription(_Seed):
    id: Digits
    name: str = ""
    customerId: Digits
    status: SubscriptionStatus
    renewalStatus: bool = True
    creationDate: dt.date | None = None
    renewalDate: dt.date | None = None
    expirationDate: dt.date | None = None
    lastModifiedDate: dt.date | None = None
    subscriptionPeriod: SeedPeriod | None = None
    billingPeriod: SeedPeriod | None = None
    totalPrice: SeedMoney | None = None
    attributes: dict[str, str] = Field(default_factory=dict)


class SeedOrder(_Seed):
    id: Digits | None = None
    orderNumber: str | None = Field(default=None, pattern=r"^SO\d{6,12}$")
    type: OrderType
    customerId: Digits
    subscriptionId: Digits
    statusCode: Literal["PA", "AP", "CP", "CL", "ER"]
    # Optional; when given it must agree with statusCode (which decides the state).
    status: str | None = None
    creationDate: dt.datetime | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    total: SeedMoney | None = None


class SeedData(_Seed):
    subscriptions: list[SeedSubscription] = Field(default_factory=list)
    orders: list[SeedOrder] = Field(default_factory=list)


def describe(error: ValidationError) -> str:
    """A one-line summary of a pydantic error for a 400 message or a seed error."""
    parts: list[str] = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    more = len(error.errors()) - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def parse_seed(raw: Any) -> SeedData:
    return SeedData.model_validate(raw)
