"""The sandbox marketplace as a Starlette app: routes, authentication, error bodies.

``create_app(store, config)`` is served by uvicorn (server.py) or wrapped in an httpx
transport in-process (embedded.py). Layers, outermost first: sandbox-only request
counting and ``GET /_sandbox/stats`` (stats.py), correlation ids and the catch-all 500
(``_CorrelationLayer``), latency and faults (faults.py), then the routes.

Handlers are async: they read and validate the request on the event loop, then make one
hop to Starlette's threadpool that checks the token and runs the store operation (a 401
wins over a bad body or query, whose 400 is raised only after the token check). The
store serialises its transactions with a lock, so a slow SQLite write never blocks the
event loop.

A missing subscription or order is answered 400 "No entity has been found", like the
real API, everywhere: GET, PATCH, and the subscription named in POST /orders.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import secrets
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from controller.sandbox.config import SandboxConfig
from controller.sandbox.faults import FaultMiddleware
from controller.sandbox.problems import (
    DroppedConnection,
    Refused,
    error_body,
    new_correlation_id,
)
from controller.sandbox.schemas import (
    OrderRequest,
    OrderUpdate,
    SubscriptionUpdate,
    TokenRequest,
    describe,
)
from controller.sandbox.stats import RequestStats, StatsLayer
from controller.sandbox.store import Page, Store

log = logging.getLogger("subctl.sandbox")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

DEFAULT_LIMIT = 10
MAX_BODY = 1024 * 1024


def _correlation_id(scope: Scope) -> str:
    state = scope.setdefault("state", {})
    if "correlation_id" not in state:
        state["correlation_id"] = new_correlation_id()
    return str(state["correlation_id"])


class _CorrelationLayer:
    """Gives every response a fresh ``X-Correlation-ID`` and turns a crash into a 500 body."""

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cid = _correlation_id(scope)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k != b"x-correlation-id"
                ]
                headers.append((b"x-correlation-id", cid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except DroppedConnection:
            raise
        except Exception:
            if started:
                raise
            log.exception("sandbox internal error [correlation id %s]", cid)
            body = error_body(
                500, "Internal server error", scope["path"], cid, self.store.clock.now()
            )
            await JSONResponse(body, status_code=500)(scope, receive, send_with_id)


def _error(request: Request, status: int, message: str) -> JSONResponse:
    cid = _correlation_id(request.scope)
    clock = request.app.state.store.clock
    return JSONResponse(error_body(status, message, request.url.path, cid, clock.now()), status)


async def _on_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return _error(request, exc.status, exc.message)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, str(exc.detail))
    response = _error(request, exc.status_code, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _body(request: Request, model: type[M], *, optional: bool = False) -> M:
    """The body parsed as ``model``; with ``optional``, no body at all reads as ``{}``."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Refused(413, "Request body too large")
    if optional and not raw.strip():
        raw = b"{}"
    try:
        data = json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Refused(400, "Malformed JSON in request body") from None
    if not isinstance(data, dict):
        raise Refused(400, "Request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise Refused(400, f"Invalid request: {describe(err)}") from None


async def _deferred_body(request: Request, model: type[M]) -> Callable[[], M]:
    """The parsed body, or its 400, handed out only after the token has been checked."""
    try:
        parsed = await _body(request, model)
    except Refused as refusal:
        error = refusal

        def refuse() -> M:
            raise error

        return refuse
    return lambda: parsed


def _query(request: Request, name: str) -> str | None:
    """A query parameter, or None when absent or empty: ``?customerId=&status=`` (DESIGN.md
    section 4's own template; what httpx sends for a None value) filters nothing."""
    return request.query_params.get(name) or None


def _int_param(request: Request, name: str, default: int, minimum: int) -> int:
    text = _query(request, name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise Refused(400, f"Query parameter {name} must be an integer") from None
    if value < minimum:
        raise Refused(400, f"Query parameter {name} must be at least {minimum}")
    # SQLite integers are 64-bit; a larger offset is a client bug, not a 500.
    if value > 2**53:
        raise Refused(400, f"Query parameter {name} is too large")
    return value


def _paging(request: Request) -> tuple[int, int]:
    config: SandboxConfig = request.app.state.config
    offset = _int_param(request, "offset", 0, 0)
    limit = _int_param(request, "limit", DEFAULT_LIMIT, 1)
    return offset, min(limit, config.page_limit_max)


def _page(page: Page, offset: int, limit: int) -> JSONResponse:
    items, total = page
    return JSONResponse(
        {"data": items, "pagination": {"offset": offset, "limit": limit, "total": total}}
    )


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _bearer(request: Request) -> str:
    """The subscription key and the presence of a bearer token, checked first of all."""
    config: SandboxConfig = request.app.state.config
    if not _same(request.headers.get("x-subscription-key"), config.subscription_key):
        raise Refused(401, "Access denied due to missing or invalid subscription key")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused(401, "Bearer token required")
    return token.strip()


async def _guarded(request: Request, operation: Callable[[], T]) -> T:
    """Check the key and token, then run ``operation`` in the threadpool, in one hop.

    The token is checked in the same thread call, before ``operation``, so a 401 wins
    over a bad body or query (the operation raises those via ``_deferred_body``).
    """
    token = _bearer(request)
    store: Store = request.app.state.store

    def run() -> T:
        if not store.token_valid(token):
            raise Refused(401, "Invalid or expired token")
        return operation()

    return await run_in_threadpool(run)


async def token(request: Request) -> Response:
    config: SandboxConfig = request.app.state.config
    store: Store = request.app.state.store
    if not _same(request.headers.get("x-subscription-key"), config.subscription_key):
        raise Refused(401, "Access denied due to missing or invalid subscription key")
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user, password = "", ""
    if scheme.lower() != "basic" or not (
        _same(user, config.username) and _same(password, config.password)
    ):
        raise Refused(401, "Invalid username or password")
    # The spec makes the body optional: none at all is recorded as marketplace "".
    body = await _body(request, TokenRequest, optional=True)
    issued = secrets.token_urlsafe(32)
    await run_in_threadpool(store.issue_token, issued, body.marketplace, config.token_ttl)
    return JSONResponse({"token": issued, "expiresInSeconds": config.token_ttl})


async def _listed(request: Request, list_page: Callable[..., Page], **filters: str) -> Response:
    """One page of a list: ``filters`` maps the store's keyword to its query parameter;
    paging parameters are read inside the guard, so a bad one is a 400 after the token."""

    def run() -> Response:
        offset, limit = _paging(request)
        chosen = {keyword: _query(request, name) for keyword, name in filters.items()}
        return _page(list_page(**chosen, offset=offset, limit=limit), offset, limit)

    return await _guarded(request, run)


async def list_subscriptions(request: Request) -> Response:
    store: Store = request.app.state.store
    return await _listed(
        request, store.list_subscriptions, customer_id="customerId", status="status"
    )


async def _one(
    request: Request,
    model: type[M],
    get: Callable[[str], dict[str, Any]],
    patch: Callable[[str, M], dict[str, Any]],
) -> Response:
    """GET or PATCH one resource named by the path's ``id``: subscriptions and orders alike."""
    item_id: str = request.path_params["id"]
    if request.method == "PATCH":
        update = await _deferred_body(request, model)
        body = await _guarded(request, lambda: patch(item_id, update()))
    else:
        body = await _guarded(request, lambda: get(item_id))
    return JSONResponse(body)


async def subscription(request: Request) -> Response:
    store: Store = request.app.state.store
    return await _one(
        request,
        SubscriptionUpdate,
        store.get_subscription,
        lambda sub_id, update: store.update_subscription(
            sub_id, renewal_status=update.renewalStatus, attributes=update.attributes
        ),
    )


async def orders(request: Request) -> Response:
    store: Store = request.app.state.store
    if request.method == "POST":
        order = await _deferred_body(request, OrderRequest)
        created = await _guarded(request, lambda: store.create_order(order()))
        return JSONResponse(created, status_code=201)
    return await _listed(
        request,
        store.list_orders,
        subscription_id="subscriptionId",
        customer_id="customerId",
        status="status",
        status_code="statusCode",
        order_number="orderNumber",
    )


async def estimate(request: Request) -> Response:
    store: Store = request.app.state.store
    order = await _deferred_body(request, OrderRequest)
    return JSONResponse(await _guarded(request, lambda: store.estimate_order(order())))


async def order(request: Request) -> Response:
    store: Store = request.app.state.store
    return await _one(
        request,
        OrderUpdate,
        store.get_order,
        lambda order_id, update: store.update_order(
            order_id, status_code=update.statusCode, credit_check=update.creditCheck
        ),
    )


def create_app(store: Store, config: SandboxConfig | None = None) -> Starlette:
    config = config or SandboxConfig()
    # The store settles the vendor and renewals with these, and shapes answers by profile.
    store.vendor_delay = config.vendor_delay
    store.renewal_delay = config.renewal_delay
    store.minimal = config.minimal
    injected: Counter[str] = Counter()  # faults injected, by kind (reported by serve)
    routes = [
        Route("/token", token, methods=["POST"]),
        Route("/subscriptions", list_subscriptions, methods=["GET"]),
        Route("/subscriptions/{id}", subscription, methods=["GET", "PATCH"]),
        Route("/orders", orders, methods=["GET", "POST"]),
        # Declared before /orders/{id} so "estimate" is never taken for an order id.
        Route("/orders/estimate", estimate, methods=["POST"]),
        Route("/orders/{id}", order, methods=["GET", "PATCH"]),
    ]
    stats = RequestStats()
    app = Starlette(
        routes=routes,
        middleware=[
            # Sandbox-only call counting (GET /_sandbox/stats), outside latency and faults.
            Middleware(StatsLayer, subscription_key=config.subscription_key, stats=stats),
            Middleware(_CorrelationLayer, store=store),
            Middleware(FaultMiddleware, config=config, clock=store.clock, injected=injected),
        ],
        exception_handlers={Refused: _on_refused, HTTPException: _on_http},
    )
    app.state.store = store
    app.state.config = config
    app.state.stats = stats
    app.state.faults_injected = injected
    return app
