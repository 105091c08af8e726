"""Delivering a notification document to each URL; the last step of ``subctl notify``.

Two kinds of URL:
- ``https://...`` (or ``http://`` to a loopback host): a plain webhook. It receives
  subctl's own JSON document (payload.py), ``Content-Type: application/json``.
- anything else is an apprise URL (``slack://``, ``workflows://`` for Microsoft Teams,
  ``json://`` / ``jsons://``, ...): apprise sends the title and markdown message of
  text.py in that service's own format. apprise is imported only when such a URL is used.

A URL usually holds a secret (a Slack token, a webhook signature), so it is never shown
whole: messages name only its scheme and host. A failed delivery is returned, never
raised: a notification must not change the outcome of the run it reports.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from controller.marketplace.settings import ENV_ALLOW_INSECURE, is_loopback
from controller.notify import text

ENV_NOTIFY_URLS = "SUBCTL_NOTIFY_URLS"
TIMEOUT_SECONDS = 15.0
USER_AGENT = "subctl-notify/1"
log = logging.getLogger("subctl.notify")


@dataclass(frozen=True)
class Failure:
    url: str  # shown form: scheme and host only
    reason: str


def urls_from_env(env: dict[str, str] | None = None) -> list[str]:
    """``SUBCTL_NOTIFY_URLS``: URLs separated by whitespace (as click reads it for
    ``apply --notify``; apprise URLs may hold commas)."""
    return (os.environ if env is None else env).get(ENV_NOTIFY_URLS, "").split()


def shown(url: str) -> str:
    """``scheme://host/…``: enough to tell which URL failed, without its secret parts."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "<not a URL>"
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    # apprise URLs often put tokens where a host would be (slack://TOKEN/...).
    if scheme not in ("http", "https", "json", "jsons", "workflow", "workflows"):
        host = "…"
    return f"{scheme}://{host}/…"


def _post_webhook(url: str, doc: dict[str, Any]) -> str | None:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "not a valid URL"
    insecure_ok = os.environ.get(ENV_ALLOW_INSECURE) == "1"
    if parsed.scheme == "http" and not insecure_ok and not is_loopback(parsed.host):
        return (
            "plain http is refused (the payload names customers): "
            f"use https, or set {ENV_ALLOW_INSECURE}=1"
        )
    try:
        response = httpx.post(
            url,
            content=json.dumps(doc, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
        )
    except httpx.HTTPError as err:
        # httpx's messages ("[Errno 111] Connection refused") do not hold the URL; checked
        # anyway, since the URL's path is often the webhook's secret.
        detail = str(err)
        secret_part = parsed.path if len(parsed.path) > 1 else url
        return type(err).__name__ + (f": {detail}" if detail and secret_part not in detail else "")
    if not response.is_success:
        return f"HTTP {response.status_code}"
    return None


def _apprise(url: str, doc: dict[str, Any]) -> str | None:
    # apprise touches modules that Python deprecates (imghdr); that is its business, not
    # something to show an operator (nor an error under pytest's filterwarnings).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return _apprise_send(url, doc)


def _apprise_send(url: str, doc: dict[str, Any]) -> str | None:
    import apprise  # noqa: PLC0415 - ~0.3 s of imports, only when a chat URL is used

    # apprise logs at debug level what it sends, URLs included: keep that out of our -vv.
    logging.getLogger("apprise").setLevel(logging.ERROR)
    sender = apprise.Apprise()
    if not sender.add(url):
        if url.startswith("msteams://"):
            return (
                "msteams:// (Office 365 connectors) is retired; use a Teams workflow URL "
                "(workflows://...), see docs/notifications.md"
            )
        return "not a notification URL apprise understands"
    ok = sender.notify(
        body=text.body(doc), title=text.title(doc), body_format=apprise.NotifyFormat.MARKDOWN
    )
    return None if ok else "the service did not accept the message"


def deliver(urls: Sequence[str], doc: dict[str, Any]) -> list[Failure]:
    """Send ``doc`` to every URL; the failures (none when all were delivered)."""
    failures = []
    for url in urls:
        plain = url.startswith(("https://", "http://"))
        try:
            reason = _post_webhook(url, doc) if plain else _apprise(url, doc)
        except Exception as err:  # a notifier bug must not fail the apply
            log.debug("notification error", exc_info=True)
            reason = f"unexpected {type(err).__name__}"
        if reason is None:
            log.info("notification sent to %s", shown(url))
        else:
            failures.append(Failure(shown(url), reason))
    return failures
