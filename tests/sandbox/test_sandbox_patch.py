"""PATCH bodies the published spec allows: creditCheck on orders, attributes on subscriptions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.support import Api, assert_error

pytestmark = pytest.mark.anyio

ORDER = "/orders/5000001"  # the demo's open cancellation (PA)
SUB = "/subscriptions/1000177"


async def test_credit_check_alone_is_kept_and_returned(api: Api) -> None:
    response = await api.patch(ORDER, {"creditCheck": True})
    assert response.status_code == 200, response.text
    assert (response.json()["creditCheck"], response.json()["statusCode"]) == (True, "PA")
    assert (await api.get(ORDER)).json()["creditCheck"] is True


async def test_credit_check_with_a_status_code(api: Api) -> None:
    body = (await api.patch(ORDER, {"statusCode": "AP", "creditCheck": False})).json()
    assert (body["statusCode"], body["creditCheck"]) == ("AP", False)


async def test_a_refused_status_code_changes_nothing(api: Api) -> None:
    assert_error(await api.patch(ORDER, {"statusCode": "CP", "creditCheck": True}), 400, ORDER)
    assert "creditCheck" not in (await api.get(ORDER)).json()


async def test_attributes_alone_are_merged(api: Api) -> None:
    await api.patch(SUB, {"attributes": {"a": "1", "b": "2"}})
    body = (await api.patch(SUB, {"attributes": {"b": "3"}})).json()
    assert body["attributes"] == {"a": "1", "b": "3"}
    assert body["renewalStatus"] is True
    assert (await api.get(SUB)).json()["attributes"] == {"a": "1", "b": "3"}


async def test_attributes_with_renewal_status(api: Api) -> None:
    body = (await api.patch(SUB, {"renewalStatus": False, "attributes": {"x": "y"}})).json()
    assert (body["renewalStatus"], body["attributes"]) == (False, {"x": "y"})


async def test_attributes_on_a_terminated_subscription(api: Api) -> None:
    # Only auto-renew needs an active subscription; labels can change on any.
    response = await api.patch("/subscriptions/1000302", {"attributes": {"note": "gone"}})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (ORDER, {"creditCheck": "yes"}),
        (ORDER, {"creditCheck": True, "poNumber": "PO1"}),
        (SUB, {"attributes": {"a": 1}}),
        (SUB, {"attributes": ["a"]}),
        (SUB, {"products": []}),
        (SUB, {"attributes": {"a": "b"}, "name": "x"}),
    ],
)
async def test_unknown_or_wrong_fields_are_refused(api: Api, path: str, body: Any) -> None:
    before = (await api.get(path)).json()
    assert_error(await api.patch(path, body), 400, path)
    assert (await api.get(path)).json() == before
