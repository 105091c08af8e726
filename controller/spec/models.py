"""Pydantic models of a SubscriptionSet document (DESIGN.md section 3).

Sits at the start of the pipeline: the loader (``loader.py``) turns YAML into plain
Python values with positions, these models check them, and the result is the desired
state the planner reads. Models are frozen and reject unknown fields.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    WithJsonSchema,
    model_validator,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass

from controller.ids import DIGITS_PATTERN as _DIGITS_PATTERN
from controller.spec.crossfield import broken_rules

API_VERSION = "subctl/v1"
KIND = "SubscriptionSet"


def _digits_from_int(value: Any) -> Any:
    # YAML reads an unquoted 1000177 as an int; ids are strings of digits in the API.
    # bool is a subclass of int and must stay an error.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Digits = Annotated[
    StrictStr,
    BeforeValidator(_digits_from_int),
    Field(pattern=_DIGITS_PATTERN),
    # The schema says what the loader accepts: quoted digits, or a bare YAML integer.
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": _DIGITS_PATTERN},
                {"type": "integer", "minimum": 0},
            ],
            "description": 'A marketplace id: a string of digits ("1000177"); a bare '
            "integer is accepted and read as its digits.",
            "examples": ["1000177"],
        }
    ),
]


def _strict_date(value: Any) -> Any:
    # YAML gives datetime.date for an unquoted date; accept an ISO string too, but
    # never a datetime (a time of day in renewThrough is a mistake worth reporting).
    if isinstance(value, dt.datetime):
        raise ValueError("renewThrough must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("renewThrough must be a date (YYYY-MM-DD)") from None
    return value


StrictDate = Annotated[dt.date, BeforeValidator(_strict_date)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Cancellation(_Frozen):
    """Why and how a subscription is to be cancelled."""

    reason: StrictStr = Field(
        min_length=3, max_length=500, description="Sent with the cancellation order."
    )
    approval: Literal["auto", "manual"] = Field(
        default="auto",
        description="auto (default): subctl approves its own order; manual: a person does.",
    )


class _SubscriptionFields(_Frozen):
    """Fields shared by a subscription entry and the set's ``defaults``."""

    name: StrictStr | None = Field(
        default=None, max_length=200, description="A label shown in plans; not sent anywhere."
    )
    state: Literal["active", "cancelled"] | None = Field(
        default=None, description="Required (here or in defaults): active or cancelled."
    )
    autoRenew: StrictBool | None = Field(
        default=None,
        description="The marketplace auto-renew flag. Required when active; "
        "absent or false when cancelled.",
    )
    renewThrough: StrictDate | None = Field(
        default=None,
        description="Active only: renew term by term until the expiry date is on or "
        "after this date (YYYY-MM-DD).",
    )
    protected: StrictBool | None = Field(
        default=None, description="Default false. When true, subctl refuses to cancel."
    )
    mode: Literal["enforce", "observe"] | None = Field(
        default=None,
        description="enforce (default) makes changes; observe only reports drift.",
    )
    customerId: Digits | None = Field(
        default=None, description="Guard: the live subscription must belong to this customer."
    )
    product: StrictStr | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Guard: the live subscription's name must equal this (e.g. Comms Care).",
    )
    cancellation: Cancellation | None = Field(
        default=None, description="Required when state is cancelled; forbidden when active."
    )


class Defaults(_SubscriptionFields):
    """Values merged into every subscription of the set that does not set them."""


class SubscriptionEntry(_SubscriptionFields):
    """One declared subscription as written, before ``defaults`` are merged."""

    id: Digits


class Metadata(_Frozen):
    """Names the set; the name is unique across all spec files."""

    name: StrictStr = Field(
        pattern=r"^[a-z0-9-]{1,63}$", description="1 to 63 characters of a-z, 0-9 and '-'."
    )


class SubscriptionSet(_Frozen):
    """One YAML document of a spec file."""

    apiVersion: Literal["subctl/v1"]
    kind: Literal["SubscriptionSet"]
    metadata: Metadata
    defaults: Defaults | None = None
    subscriptions: list[SubscriptionEntry] = Field(default_factory=list)


@pydantic_dataclass(
    frozen=True, slots=True, kw_only=True, config=ConfigDict(extra="forbid", strict=True)
)
class DesiredSubscription:
    """A declared subscription after ``defaults`` are merged and every rule is checked.

    This is what the planner reads. ``source`` is ``file:line`` of the declaration; it
    goes into plans and into the ``specSource`` attribute of orders subctl places.
    A slotted pydantic dataclass rather than a BaseModel: a large repository declares
    100,000 of them, and a BaseModel instance's own ``__dict__`` and fields-set cost
    ~1.2 KB each. Same validation (strict, frozen, no extra fields).
    """

    id: Digits
    state: Literal["active", "cancelled"]
    name: StrictStr | None = None
    autoRenew: StrictBool | None = None
    renewThrough: dt.date | None = None
    protected: StrictBool = False
    mode: Literal["enforce", "observe"] = "enforce"
    customerId: Digits | None = None
    product: StrictStr | None = None
    cancellation: Cancellation | None = None
    source: StrictStr
    setName: StrictStr

    @model_validator(mode="after")
    def _state_rules(self) -> DesiredSubscription:
        # The loader reports these with positions first (rules.py); this is the last
        # line of defence so that no invalid DesiredSubscription can exist at all.
        broken = broken_rules(partial(getattr, self))
        if broken:
            raise ValueError(broken[0].message)
        return self


class DesiredState(_Frozen):
    """Everything the spec files declare, in file order."""

    subscriptions: tuple[DesiredSubscription, ...] = ()
    files: tuple[StrictStr, ...] = ()

    def by_id(self) -> dict[str, DesiredSubscription]:
        return {s.id: s for s in self.subscriptions}
