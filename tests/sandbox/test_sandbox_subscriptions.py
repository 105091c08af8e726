"""GET /subscriptions (filters, paging), GET and PATCH /subscriptions/{id}."""

from __future__ import annotations

import pytest

from controller.sandbox.clock import FakeClock
from tests.sandbox.support import Api, assert_error, check_subscription, sandbox_api

pytestmark = pytest.mark.anyio

DEMO_IDS = ["1000177", "1000178", "1000179", "1000201", "1000202", "1000301", "1000302"]
DEMO_IDS += ["1000303", "1000304"]


async def test_list_all_demo_subscriptions(api: Api) -> None:
    response = await api.get("/subscriptions")
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"offset": 0, "limit": 10, "total": 9}
    assert [s["id"] for s in body["data"]] == DEMO_IDS
    for item in body["data"]:
        check_subscription(item)


async def test_paging_is_stable_and_limit_capped(clock: FakeClock) -> None:
    async with sandbox_api(clock, page_limit_max=4) as api:
        seen: list[str] = []
        offset = 0
        while True:
            body = (await api.get("/subscriptions", offset=offset, limit=50)).json()
            assert body["pagination"]["limit"] == 4
            assert body["pagination"]["total"] == 9
            if not body["data"]:
                break
            seen += [s["id"] for s in body["data"]]
            offset += len(body["data"])
        assert seen == DEMO_IDS


async def test_default_limit_is_ten(api: Api) -> None:
    body = (await api.get("/subscriptions", offset=8)).json()
    assert body["pagination"] == {"offset": 8, "limit": 10, "total": 9}
    assert [s["id"] for s in body["data"]] == ["1000304"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"customerId": "1000275"}, ["1000177", "1000178", "1000179"]),
        ({"customerId": "1000422", "status": "active"}, ["1000301"]),
        ({"status": "terminated"}, ["1000302"]),
        ({"status": "hold"}, ["1000304"]),
        ({"customerId": "9999999"}, []),
    ],
)
async def test_filters(api: Api, params: dict[str, str], expected: list[str]) -> None:
    body = (await api.get("/subscriptions", **params)).json()
    assert [s["id"] for s in body["data"]] == expected
    assert body["pagination"]["total"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "x"}, {"offset": "-1"}, {"offset": "1.5"}, {"offset": "9" * 30}],
)
async def test_bad_paging_is_a_400(api: Api, params: dict[str, str]) -> None:
    assert_error(await api.get("/subscriptions", **params), 400, "/subscriptions")


async def test_get_one(api: Api) -> None:
    body = (await api.get("/subscriptions/1000201")).json()
    check_subscription(body)
    assert body["customerId"] == "1000310"
    assert body["expirationDate"] == "2027-01-31"
    assert body["totalPrice"] == {"amount": "240.00", "currency": "GBP"}
    assert body["subscriptionPeriod"] == {"type": "year", "duration": 1}


@pytest.mark.parametrize("sub_id", ["999", "abc", "1000177999999999999999"])
async def test_missing_subscription_is_400_no_entity(api: Api, sub_id: str) -> None:
    response = await api.get(f"/subscriptions/{sub_id}")
    assert_error(response, 400, f"/subscriptions/{sub_id}")
    assert response.json()["message"] == "No entity has been found"
    patch = await api.patch(f"/subscriptions/{sub_id}", {"renewalStatus": True})
    assert patch.json()["message"] == "No entity has been found"


@pytest.mark.parametrize("sub_id", ["\u00b2", "\u0661\u0660\u0660\u0660\u0661\u0667\u0667"])
async def test_only_ascii_digits_name_a_subscription(api: Api, sub_id: str) -> None:
    # "²" passes str.isdigit but not int() (was a 500); Arabic-Indic digits pass both and
    # were read as 1000177, so another spelling reached a real subscription.
    response = await api.get(f"/subscriptions/{sub_id}")
    assert_error(response, 400, f"/subscriptions/{sub_id}")
    assert response.json()["message"] == "No entity has been found"


async def test_patch_renewal_status(api: Api, clock: FakeClock) -> None:
    clock.advance(86400 * 3)
    response = await api.patch("/subscriptions/1000179", {"renewalStatus": True})
    assert response.status_code == 200
    assert response.json()["renewalStatus"] is True
    assert response.json()["lastModifiedDate"] == "2026-11-28"
    assert (await api.get("/subscriptions/1000179")).json()["renewalStatus"] is True
    again = await api.patch("/subscriptions/1000179", {"renewalStatus": False})
    assert again.json()["renewalStatus"] is False


@pytest.mark.parametrize("sub_id", ["1000302", "1000303", "1000304"])
async def test_patch_refused_unless_active(api: Api, sub_id: str) -> None:
    response = await api.patch(f"/subscriptions/{sub_id}", {"renewalStatus": False})
    assert_error(response, 400, f"/subscriptions/{sub_id}")
    assert "active" in response.json()["message"]


@pytest.mark.parametrize(
    "body",
    [{}, {"renewalStatus": "true"}, {"renewalStatus": 1}, {"renewalStatus": True, "name": "x"}],
)
async def test_patch_accepts_only_a_boolean_renewal_status(api: Api, body: object) -> None:
    response = await api.patch("/subscriptions/1000177", body)
    assert_error(response, 400, "/subscriptions/1000177")
    assert (await api.get("/subscriptions/1000177")).json()["renewalStatus"] is True


async def test_empty_query_parameters_are_absent(api: Api) -> None:
    # DESIGN.md section 4 writes the calls as ``?customerId=&status=&offset=&limit=``, and
    # httpx sends ``name=`` for a None value: an empty parameter filters and pages nothing.
    empty = {"customerId": "", "status": "", "offset": "", "limit": ""}
    body = (await api.get("/subscriptions", **empty)).json()
    assert [s["id"] for s in body["data"]] == DEMO_IDS
    assert body["pagination"] == {"offset": 0, "limit": 10, "total": 9}
    orders = (await api.get("/orders", subscriptionId="", statusCode="", **empty)).json()
    assert [o["id"] for o in orders["data"]] == ["5000001"]
    assert orders["pagination"] == {"offset": 0, "limit": 10, "total": 1}
