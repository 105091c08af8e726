"""The sandbox's own models of what clients and seed files send it (API field names).

Request bodies are read strictly (wrong types are a 400, not a coercion) but, like the
real API, unknown fields of an order body are ignored; PATCH bodies refuse unknown fields.
Seed files accept every field the published ``SubscriptionDetailed`` / ``OrderDetailed``
has (published.py): the ones the sandbox models are checked here, the others are kept as
they are (``extra``) and returned in answers, so a real ``GET /subscriptions`` dump seeds
it directly. Unpublished fields are refused, because a typo in a seed silently changes a
test. These are ours; the published spec is never loaded (DESIGN.md section 4).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from controller.sandbox import db, rules
from controller.sandbox.published import (
    ORDER_DETAILED_FIELDS,
    PERIOD_TYPES,
    SUBSCRIPTION_DETAILED_FIELDS,
    OrderStatus,
    OrderType,
    SubscriptionStatus,
    json_type_ok,
)


def _digits(value: object) -> object:
    # Seed files written by hand often carry bare numbers for ids; API ids are strings.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not db.is_entity_id(value):
        raise ValueError("must be a string of digits")
    return value


Digits = Annotated[str, BeforeValidator(_digits)]


def _text_id(value: object) -> object:
    # The spec says string; hand-written seeds often carry bare numbers.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value


CustomerId = Annotated[str, BeforeValidator(_text_id), Field(max_length=100)]


def _small_attributes(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is not None and (
        len(value) > 50 or any(len(k) > 100 or len(v) > 2000 for k, v in value.items())
    ):
        raise ValueError("at most 50 attributes, names up to 100 and values up to 2000 chars")
    return value


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)


class TokenRequest(_Request):
    # Optional in the spec: a token request with no body is recorded with marketplace "".
    marketplace: StrictStr = Field(default="", max_length=20)


class OrderRequest(_Request):
    type: StrictStr
    customerId: StrictStr = Field(min_length=1, max_length=40)
    subscriptionId: StrictStr = Field(min_length=1, max_length=40)
    attributes: dict[StrictStr, StrictStr] = Field(default_factory=dict)

    _attributes = field_validator("attributes")(_small_attributes)


class SubscriptionUpdate(_Request):
    """``SubscriptionUpdate``: renewalStatus and attributes (merged); ``products`` is refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    renewalStatus: StrictBool | None = None
    attributes: dict[StrictStr, StrictStr] | None = None

    _attributes = field_validator("attributes")(_small_attributes)

    @model_validator(mode="after")
    def _something(self) -> SubscriptionUpdate:
        # An empty PATCH is more likely a client bug than a wish to change nothing.
        if self.renewalStatus is None and self.attributes is None:
            raise ValueError("give renewalStatus and/or attributes")
        return self


class OrderUpdate(_Request):
    """``OrderUpdate``: statusCode (AP, CL) and creditCheck (kept and returned)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    statusCode: StrictStr | None = None
    creditCheck: StrictBool | None = None

    @model_validator(mode="after")
    def _something(self) -> OrderUpdate:
        if self.statusCode is None and self.creditCheck is None:
            raise ValueError("give statusCode and/or creditCheck")
        return self


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
    # Every published Period; only day/month/year with duration >= 1 can be renewed.
    type: Literal[PERIOD_TYPES]  # type: ignore[valid-type]
    duration: int = Field(ge=0, le=2**31 - 1)


def _split_published(
    raw: object, published: dict[str, str], what: str, *, modelled: frozenset[str]
) -> object:
    """Move the published fields the sandbox does not model into ``extra``.

    Their JSON types are checked against the spec; a field the spec does not have is
    refused by name, with the schema named, so a seed typo is a clear error.
    """
    if not isinstance(raw, dict):
        return raw
    # "extra" is ours, not published: given in a seed it is refused like any other typo.
    unknown = sorted(str(k) for k in raw if k not in published)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)} (not in the published {what})")
    extra: dict[str, Any] = {}
    kept: dict[str, Any] = {}
    for key, value in raw.items():
        if key in modelled:
            kept[key] = value
        elif value is not None:
            if not json_type_ok(published[key], value):
                raise ValueError(f"{key}: must be of JSON type {published[key]} in {what}")
            extra[key] = value
    kept["extra"] = extra
    return kept


class _PublishedSeed(_Seed):
    """A seed object in the API's own shape (a GET dump): the published fields it does
    not model are kept in its ``extra`` field (``_split_published``)."""

    _published: ClassVar[tuple[dict[str, str], str]]  # the published fields, schema name

    @model_validator(mode="before")
    @classmethod
    def _split(cls, raw: object) -> object:
        modelled = frozenset(cls.model_fields) - {"extra"}
        return _split_published(raw, *cls._published, modelled=modelled)


class SeedSubscription(_PublishedSeed):
    _published = (SUBSCRIPTION_DETAILED_FIELDS, "SubscriptionDetailed")

    id: Digits
    name: str = ""
    customerId: CustomerId
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
    # The published fields the sandbox keeps without modelling them (billingModel, ...).
    extra: dict[str, Any] = Field(default_factory=dict)


class SeedOrder(_PublishedSeed):
    _published = (ORDER_DETAILED_FIELDS, "OrderDetailed")

    id: Digits | None = None
    # Any order number the published API could send (it says only "string"): a seed
    # written by hand may use SO1001 or ORD-7. Numbers the sandbox makes are SO000001...
    orderNumber: str | None = Field(default=None, pattern=r"^\S{1,64}$")
    type: OrderType
    customerId: CustomerId
    # Optional here only so that a GET /orders list item (which has none) gets a clear
    # message from seed.py rather than "field required".
    subscriptionId: Digits | None = None
    # One of the two decides the state: statusCode if given, else the published status.
    statusCode: str | None = None
    status: OrderStatus | None = None
    creationDate: dt.datetime | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    total: SeedMoney | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _state(self) -> SeedOrder:
        if self.statusCode is None:
            if self.status is None:
                raise ValueError("statusCode or status is required")
            return self
        if self.statusCode not in rules.STATUS_FOR_CODE:
            codes = ", ".join(rules.STATUS_FOR_CODE)
            raise ValueError(f"statusCode {self.statusCode[:10]!r} is not one of {codes}")
        if self.status is not None and self.status != rules.status_for(self.statusCode):
            raise ValueError(
                f"status {self.status.value!r} contradicts statusCode {self.statusCode}"
            )
        return self

    def code(self) -> str:
        if self.statusCode is not None:
            return self.statusCode
        assert self.status is not None  # checked by _state
        return rules.code_for_status(self.type, self.status)


def _unwrap_page(value: object) -> object:
    """A ``GET`` list answer ``{"data": [...], "pagination": {...}}`` seeds as its items."""
    if isinstance(value, dict) and "data" in value and set(value) <= {"data", "pagination"}:
        return value["data"]
    return value


class SeedData(_Seed):
    subscriptions: Annotated[list[SeedSubscription], BeforeValidator(_unwrap_page)] = Field(
        default_factory=list
    )
    orders: Annotated[list[SeedOrder], BeforeValidator(_unwrap_page)] = Field(default_factory=list)


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
