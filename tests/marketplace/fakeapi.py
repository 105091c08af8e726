"""A small stateful fake of the marketplace API (DESIGN.md section 4) for MockTransport.

Not the sandbox: just enough behaviour (tokens, paging, orders with the open-order rule,
renewals, approve/withdraw) to drive the client through exact fault sequences. Faults
are scripted per ``"METHOD /template"`` and consumed in order, e.g.
``api.script("POST /orders", "committed-502", "ok")``.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel
import httpx

USERNAME = "reseller-user"
PASSWORD = "pw-Zq83-very-secret"
SUBSCRIPTION_KEY = "key-Hh27-very-secret"

# Faults: "ok"; "500"/"502"/"503"; "429" (Retry-After: retry_after); "drop" and
# "timeout" before processing; "committed-502"/"committed-drop"/"committed-timeout":
# the request is processed, then the answer is lost; "committed-garbage": processed,
# answered 201 with a body that is not JSON; "conflict": refused with the open-order 400.
Fault = str


@dataclass
class FakeClock:
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def subscription(sid: str, customer: str = "1000275", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": sid,
        "customerId": customer,
        "name": "Comms Care",
        "status": "active",
        "renewalStatus": True,
        "expirationDate": "2027-01-31",
        "renewalDate": "2027-01-31",
        "subscriptionPeriod": {"type": "year", "duration": 1},
    }
    body.update(extra)
    return body


class FakeApi:
    def __init__(self, clock: FakeClock | None = None, *, token_ttl: int = 3600) -> None:
        self.clock = clock or FakeClock()
        self.token_ttl = token_ttl
        self.page_limit_max = 1000
        self.retry_after = "2"
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, float] = {}
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.requests: list[httpx.Request] = []
        self.token_bodies: list[Any] = []
        self._ids = itertools.count(5000001)
        self._cids = itertools.count(1)
        self._token_ids = itertools.count(1)
        # Hook run before each list page is answered (to change the data mid-listing).
        self.before_page: list[Any] = []
        # Order listings answered from a lagging replica (empty) before the real one.
        self.stale_order_reads = 0
        # Misbehaviour a real marketplace is allowed (or known) to show:
        self.lists_omit = False  # 1.15 list items: no subscriptionId, no attributes
        self.attributes_kept = "all"  # "all" | "none" (dropped) | "recased" (keys lowered)
        self.ignore_subscription_filter = False  # GET /orders?subscriptionId= ignored
        self.ignore_offset = False  # every page is the first one
        self.total_override: int | None = None  # pagination.total the server claims
        # POST /orders answers with this order id's body instead (another order).
        self.post_answers_with: str | None = None

    # -- setup ----------------------------------------------------------------------

    def add_subscriptions(self, *subs: dict[str, Any]) -> None:
        for sub in subs:
            self.subscriptions[sub["id"]] = sub

    def add_numbered(self, n: int, first: int = 2_000_000) -> None:
        """``n`` subscriptions of customer 1000275 with ids ``first``, ``first + 1``, ...:
        the paging tests' long lists."""
        self.add_subscriptions(*(subscription(str(first + i)) for i in range(n)))

    def orders_of(self, sub_id: str) -> list[dict[str, Any]]:
        """Every order stored for one subscription, in creation order."""
        return [o for o in self.orders.values() if o["subscriptionId"] == sub_id]

    def add_order(self, **fields: Any) -> dict[str, Any]:
        oid = fields.pop("id", None) or str(next(self._ids))
        order = {"id": oid, "orderNumber": f"SO{oid}", "attributes": {}, **fields}
        self.orders[oid] = order
        return order

    def add_pending_cancellation(
        self, subscription_id: str, customer_id: str = "1000275", **fields: Any
    ) -> dict[str, Any]:
        """A cancellation order awaiting approval (submitted, PA), as the portal or subctl
        leaves it; ``fields`` add to it (attributes, creationDate)."""
        return self.add_order(
            type="cancellation",
            customerId=customer_id,
            subscriptionId=subscription_id,
            status="submitted",
            statusCode="PA",
            **fields,
        )

    def script(self, key: str, *faults: Fault) -> None:
        self.faults[key].extend(faults)

    def transport(self) -> httpx.MockTransport:
        async def handle(request: httpx.Request) -> httpx.Response:
            # A checkpoint before answering lets concurrent requests interleave, as on a wire.
            await anyio.lowlevel.checkpoint()
            return self.handle(request)

        return httpx.MockTransport(handle)

    def counting_transport(self) -> tuple[httpx.MockTransport, dict[str, int]]:
        """A slow transport (five checkpoints an answer, so requests overlap) and its
        counts of requests in flight: ``now`` and the ``peak`` seen."""
        in_flight = {"now": 0, "peak": 0}

        async def slow(request: httpx.Request) -> httpx.Response:
            in_flight["now"] += 1
            in_flight["peak"] = max(in_flight["peak"], in_flight["now"])
            for _ in range(5):
                await anyio.lowlevel.checkpoint()
            in_flight["now"] -= 1
            return self.handle(request)

        return httpx.MockTransport(slow), in_flight

    def count(self, method: str, path: str) -> int:
        return sum(
            1
            for r in self.requests
            if r.method == method and r.url.path.removeprefix("/v1") == path
        )

    # -- dispatch -------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        method, parts = request.method, request.url.path.strip("/").split("/")
        if parts[0] == "v1":  # the base URL's own prefix
            parts = parts[1:]
        key = f"{method} /{parts[0]}" + ("/{id}" if len(parts) > 1 else "")
        if parts == ["orders", "estimate"]:
            key = "POST /orders/estimate"
        fault = self.faults[key].popleft() if self.faults[key] else "ok"
        if fault == "drop":
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        if fault == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault in ("500", "502", "503"):
            return self._error(int(fault), "Internal failure")
        if fault == "429":
            return self._error(429, "Too many requests", {"Retry-After": self.retry_after})
        if fault == "conflict":  # refused as if an open order of the type existed
            return self._error(400, "An open order of the same type already exists")
        response = self._route(request, parts)
        if fault == "committed-502":
            return self._error(502, "Bad gateway")
        if fault == "committed-drop":
            raise httpx.RemoteProtocolError("Server disconnected", request=request)
        if fault == "committed-timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault == "committed-garbage":
            return httpx.Response(201, content=b"<html>OK</html>")
        return response

    def _cid(self) -> str:
        return f"cid-{next(self._cids)}"

    def _json(self, status: int, body: Any) -> httpx.Response:
        return httpx.Response(status, json=body, headers={"X-Correlation-ID": self._cid()})

    def _error(
        self, status: int, message: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        cid = self._cid()
        body = {
            "timeStamp": "2026-11-25T09:00:00Z",
            "status": status,
            "message": message,
            "path": "/",
            "correlationId": cid,
        }
        return httpx.Response(
            status, json=body, headers={"X-Correlation-ID": cid, **(headers or {})}
        )

    def _authorised(self, request: httpx.Request) -> bool:
        if request.headers.get("X-Subscription-Key") != SUBSCRIPTION_KEY:
            return False
        auth = request.headers.get("Authorization", "")
        expires = self.tokens.get(auth.removeprefix("Bearer "))
        return auth.startswith("Bearer ") and expires is not None and self.clock.now < expires

    def _route(self, request: httpx.Request, parts: list[str]) -> httpx.Response:
        body: Any = json.loads(request.content) if request.content else {}
        if parts == ["token"]:
            return self._token(request, body)
        if not self._authorised(request):
            return self._error(401, "Access denied due to invalid token")
        q = request.url.params
        match request.method, parts:
            case "GET", ["subscriptions"]:
                items = [
                    s
                    for s in self.subscriptions.values()
                    if q.get("customerId") in (None, s.get("customerId"))
                    and q.get("status") in (None, s.get("status"))
                ]
                return self._list(items, q)
            case "GET", ["subscriptions", sid]:
                if sid not in self.subscriptions:
                    return self._error(400, "No entity has been found")
                return self._json(200, self.subscriptions[sid])
            case "PATCH", ["subscriptions", sid]:
                if sid not in self.subscriptions:
                    return self._error(400, "No entity has been found")
                self.subscriptions[sid]["renewalStatus"] = body["renewalStatus"]
                return self._json(200, self.subscriptions[sid])
            case "GET", ["orders"] if self.stale_order_reads > 0:
                self.stale_order_reads -= 1
                return self._list([], q)
            case "GET", ["orders"]:
                wanted_sub = None if self.ignore_subscription_filter else q.get("subscriptionId")
                items = [
                    o
                    for o in self.orders.values()
                    if wanted_sub in (None, o.get("subscriptionId"))
                    and q.get("customerId") in (None, o.get("customerId"))
                    and q.get("status") in (None, o.get("status"))
                    and q.get("statusCode") in (None, o.get("statusCode"))
                ]
                if self.lists_omit:
                    items = [
                        {k: v for k, v in o.items() if k not in ("subscriptionId", "attributes")}
                        for o in items
                    ]
                return self._list(items, q)
            case "GET", ["orders", oid]:
                if oid not in self.orders:
                    return self._error(400, "No entity has been found")
                return self._json(200, self.orders[oid])
            case "POST", ["orders", "estimate"]:
                sub = self.subscriptions[body["subscriptionId"]]
                total = sub.get("totalPrice") or {"amount": "0.00", "currency": "GBP"}
                return self._json(200, {**self._new_order(body, commit=False), "total": total})
            case "POST", ["orders"]:
                return self._place(body)
            case "PATCH", ["orders", oid]:
                return self._patch_order(oid, body["statusCode"])
        return self._error(404, "Resource not found")

    def _token(self, request: httpx.Request, body: Any) -> httpx.Response:
        self.token_bodies.append(body)
        basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if (
            request.headers.get("Authorization") != f"Basic {basic}"
            or request.headers.get("X-Subscription-Key") != SUBSCRIPTION_KEY
        ):
            return self._error(401, "Invalid credentials")
        token = f"tok-{next(self._token_ids)}-Xy9secret"
        self.tokens[token] = self.clock.now + self.token_ttl
        return self._json(200, {"token": token, "expiresInSeconds": self.token_ttl})

    def _list(self, items: list[dict[str, Any]], q: httpx.QueryParams) -> httpx.Response:
        for hook in self.before_page:
            hook(self)
        offset = 0 if self.ignore_offset else int(q.get("offset", 0))
        limit = min(int(q.get("limit", 100)), self.page_limit_max)
        page = items[offset : offset + limit]
        total = len(items) if self.total_override is None else self.total_override
        return self._json(
            200,
            {"data": page, "pagination": {"offset": offset, "limit": limit, "total": total}},
        )

    def _new_order(self, body: Any, *, commit: bool) -> dict[str, Any]:
        renewal = body["type"] == "renewal"
        fields = {
            "type": body["type"],
            "customerId": body["customerId"],
            "subscriptionId": body["subscriptionId"],
            "status": "completed" if renewal else "submitted",
            "statusCode": "CP" if renewal else "PA",
            "creationDate": "2026-11-25T09:00:00Z",
            "attributes": self._kept(dict(body.get("attributes") or {})),
        }
        if not commit:
            return {"id": "0", **fields}
        return self.add_order(**fields)

    def _kept(self, attributes: dict[str, str]) -> dict[str, str]:
        if self.attributes_kept == "none":
            return {}
        if self.attributes_kept == "recased":
            return {k.lower(): v for k, v in attributes.items()}
        return attributes

    def _place(self, body: Any) -> httpx.Response:
        sid = body["subscriptionId"]
        if sid not in self.subscriptions:
            return self._error(400, "No entity has been found")
        for order in self.orders.values():
            if (
                order.get("subscriptionId") == sid
                and order["type"] == body["type"]
                and order["status"] in ("submitted", "processing")
            ):
                return self._error(
                    400, "An open order of the same type already exists for this subscription"
                )
        order = self._new_order(body, commit=True)
        if self.post_answers_with is not None:
            order = self.orders[self.post_answers_with]
        if body["type"] == "renewal":
            sub = self.subscriptions[sid]
            expiry = dt.date.fromisoformat(sub["expirationDate"])
            sub["expirationDate"] = sub["renewalDate"] = expiry.replace(
                year=expiry.year + 1
            ).isoformat()
        return self._json(201, order)

    def _patch_order(self, oid: str, code: str) -> httpx.Response:
        order = self.orders.get(oid)
        if order is None:
            return self._error(400, "No entity has been found")
        if code == "AP" and order.get("statusCode") == "PA":
            order.update(status="processing", statusCode="AP")
        elif code == "CL" and order["status"] in ("submitted", "processing"):
            order.update(status="cancelled", statusCode="CL")
        else:
            return self._error(400, f"Invalid status transition to {code}")
        return self._json(200, order)
