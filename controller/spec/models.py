"""Pydantic models of a SubscriptionSet document (DESIGN.md section 3).

Sits at the start of the pipeline: the loader (``loader.py``) turns YAML into plain
Python values with positions, these models check them, and the result is the desired
state the planner reads. Models are frozen and reject unknown fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    model_validator,
)

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
    Field(pattern=r"^[0-9]{1,20}$", json_schema_extra={"examples": ["1000177"]}),
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

    reason: StrictStr = Field(min_length=3, max_length=500)
    approval: Literal["auto", "manual"] = "auto"


class _SubscriptionFields(_Frozen):
    """Fields shared by a subscription entry and the set's ``defaults``."""

    name: StrictStr | None = Field(default=None, max_length=200)
    state: Literal["active", "cancelled"] | None = None
    autoRenew: StrictBool | None = None
    renewThrough: StrictDate | None = None
    protected: StrictBool | None = None
    mode: Literal["enforce", "observe"] | None = None
    customerId: Digits | None = None
    product: StrictStr | None = Field(default=None, min_length=1, max_length=200)
    cancellation: Cancellation | None = None


class Defaults(_SubscriptionFields):
    """Values merged into every subscription of the set that does not set them."""


class SubscriptionEntry(_SubscriptionFields):
    """One declared subscription as written, before ``defaults`` are merged."""

    id: Digits


class Metadata(_Frozen):
    name: StrictStr = Field(pattern=r"^[a-z0-9-]{1,63}$")


class SubscriptionSet(_Frozen):
    """One YAML document of a spec file."""

    apiVersion: Literal["subctl/v1"]
    kind: Literal["SubscriptionSet"]
    metadata: Metadata
    defaults: Defaults | None = None
    subscriptions: list[SubscriptionEntry] = Field(default_factory=list)


class DesiredSubscription(_Frozen):
    """A declared subscription after ``defaults`` are merged and every rule is checked.

    This is what the planner reads. ``source`` is ``file:line`` of the declaration; it
    goes into plans and into the ``specSource`` attribute of orders subctl places.
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
        # The loader reports these with positions first; this is the last line of
        # defence so that no invalid DesiredSubscription can exist at all.
        if self.state == "active":
            if self.autoRenew is None:
                raise ValueError("state active needs autoRenew")
            if self.cancellation is not None:
                raise ValueError("state active forbids cancellation")
        else:
            if self.cancellation is None:
                raise ValueError("state cancelled needs cancellation.reason")
            if self.autoRenew:
                raise ValueError("state cancelled forbids autoRenew: true")
            if self.renewThrough is not None:
                raise ValueError("state cancelled forbids renewThrough")
            if self.protected:
                raise ValueError("protected: true cannot be combined with state cancelled")
        return self


class DesiredState(_Frozen):
    """Everything the spec files declare, in file order."""

    subscriptions: tuple[DesiredSubscription, ...] = ()
    files: tuple[StrictStr, ...] = ()

    def by_id(self) -> dict[str, DesiredSubscription]:
        return {s.id: s for s in self.subscriptions}
