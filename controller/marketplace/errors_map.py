"""The one mapping from HTTP outcomes to subctl's error tree (controller/errors.py).

Sits directly under the exchange layer (``exchange.py``): every non-2xx answer goes
through ``error_from_response``, every transport failure through
``error_from_transport``, and every 2xx body that does not fit the live models through
``protocol_error``/``parse_model``. Messages are cut short, and nothing here ever
reads request headers, so no credential can reach an error message.

    status / failure                         error
    404, 400 "No entity has been found"      NotFound
    400/409 "... open order already exists"  Conflict
    401, 403                                 Unauthorized
    other 4xx                                ApiClientError
    429, 5xx                                 ApiServerError (retry_after from Retry-After)
    timeout, connection refused/dropped      ApiUnavailable
    2xx body not JSON / not the model        ApiProtocolError
    anything else (1xx, 3xx)                 ApiProtocolError
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import math
import re
import socket
import ssl
from typing import Any, TypeVar

import httpx
import pydantic

from controller.errors import (
    ApiClientError,
    ApiError,
    ApiProtocolError,
    ApiServerError,
    ApiUnavailable,
    Conflict,
    NotFound,
    Unauthorized,
    shorten,
)
from controller.marketplace.models import adapter

CORRELATION_HEADER = "X-Correlation-ID"
_NOT_FOUND_TEXT = "no entity has been found"
# The API words this differently across versions; match the meaning, not one sentence.
_OPEN_ORDER_RE = re.compile(r"\b(already|open)\b", re.IGNORECASE)
_MAX_RETRY_AFTER = 24 * 3600.0

M = TypeVar("M")  # a live model or record (controller/marketplace/models.py)


def error_message(body: bytes, status: int) -> str:
    """The human message of an error body: its JSON ``message``, else the text itself."""
    text = body.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        message = parsed.get("message") or parsed.get("error") or parsed.get("detail")
        if isinstance(message, str) and message.strip():
            return shorten(message)
    text = text.strip()
    if text:
        return shorten(text)
    return f"HTTP {status} with an empty body"


def body_correlation_id(body: bytes) -> str | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if isinstance(parsed, dict):
        cid = parsed.get("correlationId")
        if isinstance(cid, str) and cid:
            return shorten(cid, 100)
    return None


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - (now or dt.datetime.now(dt.UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def error_from_response(
    *, method: str, path: str, status: int, headers: httpx.Headers, body: bytes
) -> ApiError:
    """Build our error for a non-2xx answer. ``body`` may already be truncated."""
    cid = headers.get(CORRELATION_HEADER) or body_correlation_id(body)
    message = error_message(body, status)
    where: dict[str, Any] = {
        "method": method,
        "path": path,
        "status": status,
        "correlation_id": cid,
    }
    lowered = message.lower()
    if status == 404 or (status == 400 and _NOT_FOUND_TEXT in lowered):
        return NotFound(message, **where)
    if status == 409 or (status == 400 and "order" in lowered and _OPEN_ORDER_RE.search(message)):
        return Conflict(message, **where)
    if status in (401, 403):
        return Unauthorized(message, **where)
    if status == 429 or 500 <= status <= 599:
        retry_after = parse_retry_after(headers.get("Retry-After"))
        return ApiServerError(message, retry_after=retry_after, **where)
    if 400 <= status <= 499:
        return ApiClientError(message, **where)
    return ApiProtocolError(f"unexpected HTTP status {status}: {message}", **where)


def error_from_transport(
    exc: Exception, *, method: str, path: str, base_url: str | None = None
) -> ApiUnavailable:
    """No answer at all. The exception text is used, never the request it carries.

    A connection that could not be made names the URL it was for (issue 14):
    ``cannot connect to http://127.0.0.1:9 (connection refused)``.
    """
    if isinstance(exc, httpx.TimeoutException):
        reason = f"timed out ({type(exc).__name__})"
    elif isinstance(exc, httpx.ConnectError) and base_url:
        reason = f"cannot connect to {_shown_url(base_url)} ({_connect_reason(exc)})"
    else:
        detail = shorten(str(exc), 120)
        reason = f"no answer ({type(exc).__name__}{': ' + detail if detail else ''})"
    return ApiUnavailable(reason, method=method, path=path)


_DNS_HINTS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "no address associated",
    "getaddrinfo",
    "name resolution",
)


def _connect_reason(exc: BaseException) -> str:
    """Why a connection failed, in words: refused, DNS, TLS, or the library's text.

    httpx wraps the socket error (anyio's "All connection attempts failed" in between),
    so the whole cause chain is looked at.
    """
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and len(chain) < 8:
        chain.append(link)
        link = link.__cause__ or link.__context__
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return "connection refused"
    if any(isinstance(e, socket.gaierror) for e in chain) or any(h in text for h in _DNS_HINTS):
        return "DNS: host name not found"
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None or "ssl" in text or "certificate" in text:
        return "TLS: " + shorten(str(tls or exc), 120)
    if "unreachable" in text:
        return "network unreachable"
    return shorten(str(exc), 120) or "no connection"


def _shown_url(base_url: str) -> str:
    """The URL without user info or query (settings refuse those; belt and braces)."""
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError):
        return "the marketplace URL"
    return str(url.copy_with(userinfo=b"", query=None, fragment=None))


def protocol_error(
    message: str, *, method: str, path: str, status: int | None, correlation_id: str | None
) -> ApiProtocolError:
    return ApiProtocolError(
        message, method=method, path=path, status=status, correlation_id=correlation_id
    )


def describe_validation(err: pydantic.ValidationError, limit: int = 3) -> str:
    """A short account of what did not fit, without echoing the (maybe huge) input."""
    parts = []
    for item in err.errors(include_input=False, include_url=False)[:limit]:
        loc = ".".join(str(p) for p in item["loc"]) or "body"
        parts.append(f"{loc}: {item['msg']}")
    more = err.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def parse_model(
    model: type[M],
    data: object,
    *,
    method: str,
    path: str,
    status: int | None = None,
    correlation_id: str | None = None,
) -> M:
    """Validate one live object; a mismatch is the server's fault: ApiProtocolError."""
    try:
        return adapter(model).validate_python(data)
    except pydantic.ValidationError as err:
        raise protocol_error(
            f"unexpected {model.__name__} in response: {describe_validation(err)}",
            method=method,
            path=path,
            status=status,
            correlation_id=correlation_id,
        ) from None
