"""Task groups raise our error itself, not an ExceptionGroup around it.

Regression: one failed listing page during observe surfaced as
"internal error: ExceptionGroup: unhandled errors in a TaskGroup" instead of the
ApiError's one-line message.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from controller.errors import ApiClientError, ApiServerError
from controller.marketplace.client import MarketplaceClient
from controller.observe import observe_and_plan
from controller.plan.inputs import PlanOptions
from controller.spec.models import DesiredState
from controller.taskgroups import task_group
from tests.marketplace.conftest import make_settings


async def _fail() -> None:
    raise ApiServerError("boom", method="GET", path="/orders", status=503)


@pytest.mark.anyio
async def test_controller_error_is_unwrapped() -> None:
    with pytest.raises(ApiServerError, match="GET /orders -> 503: boom"):
        async with task_group() as tg:
            tg.start_soon(_fail)


@pytest.mark.anyio
async def test_other_errors_stay_grouped() -> None:
    async def bug() -> None:
        raise KeyError("x")

    with pytest.raises(ExceptionGroup):
        async with task_group() as tg:
            tg.start_soon(bug)


@pytest.mark.anyio
async def test_observe_raises_the_api_error_itself() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"token": "t" * 40, "expiresInSeconds": 3600})
        return httpx.Response(400, json={"message": "bad filter"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = MarketplaceClient(http, make_settings())
        with pytest.raises(ApiClientError, match="bad filter"):
            await observe_and_plan(client, DesiredState(), PlanOptions(now=dt.datetime.now(dt.UTC)))
