"""Bearer tokens for the marketplace: fetch, cache, refresh early, refresh once on 401.

Sits between the retry layer and the exchange: ``Authenticator.send`` adds
``Authorization: Bearer`` and ``X-Subscription-Key`` to a request, and when the API
answers 401 it drops that token, fetches a new one and sends the request once more
(a 401 means the request was not processed, so this is safe even for POST /orders).

Tokens come from ``POST /token`` (HTTP Basic, ``X-Subscription-Key``, body
``{"marketplace": ...}``) and are replaced ``margin`` seconds before they expire (at
most a quarter of their lifetime early, so short sandbox tokens still get used). One
fetch at a time: concurrent callers wait on a lock and share the fresh token.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping

import anyio

from controller.errors import Unauthorized
from controller.marketplace.errors_map import protocol_error
from controller.marketplace.exchange import Exchange, Reply
from controller.marketplace.limits import Clock
from controller.marketplace.models import TokenInfo
from controller.marketplace.settings import ApiSettings, Secret
from controller.redact import remember_secret

TOKEN_PATH = "/token"  # noqa: S105 - a URL path


class Authenticator:
    def __init__(
        self,
        exchange: Exchange,
        settings: ApiSettings,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self._exchange = exchange
        self._settings = settings
        self._clock = clock
        self._lock = anyio.Lock()
        self._token: Secret | None = None
        self._refresh_at = 0.0
        self.fetches = 0

    def __repr__(self) -> str:
        state = "cached" if self._token is not None else "empty"
        return f"Authenticator(token={state})"

    def _basic(self) -> str:
        pair = f"{self._settings.username}:{self._settings.password.reveal()}"
        return "Basic " + base64.b64encode(pair.encode()).decode("ascii")

    async def _fetch(self) -> None:
        headers = {
            "Authorization": self._basic(),
            "X-Subscription-Key": self._settings.subscription_key.reveal(),
        }
        body = {"marketplace": self._settings.marketplace}

        # One attempt: the caller's retry (idempotent calls, or ordering.py's token
        # pre-fetch) repeats the whole call, so retrying here too would multiply attempts.
        reply = await self._exchange.send(
            "POST", TOKEN_PATH, TOKEN_PATH, headers=headers, body=body
        )
        info = reply.parse(TokenInfo)
        self.fetches += 1
        # Masked from every message from now on (controller/redact.py), and refused if
        # it cannot be sent as a header: httpx's error would quote it.
        remember_secret(info.token)
        if not info.token.isascii() or not info.token.isprintable():
            raise protocol_error(
                "the token has characters that cannot be sent in a header; refused",
                **reply.where,
            )
        ttl = float(info.expiresInSeconds)
        margin = min(self._settings.token_refresh_margin, ttl / 4)
        self._token = Secret(info.token)
        self._refresh_at = self._clock() + ttl - margin

    async def token(self) -> Secret:
        """A token valid for a while yet; fetched only when none is cached or it is due."""
        cached = self._token
        if cached is not None and self._clock() < self._refresh_at:
            # Every request asks: a cached token needs no lock (and no trip through the
            # event loop). A fetch under way has set ``_token`` to None, so callers wait.
            return cached
        async with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token = None
                await self._fetch()
            assert self._token is not None
            return self._token

    async def invalidate(self, rejected: Secret) -> None:
        """Forget ``rejected`` unless another task has already replaced it."""
        async with self._lock:
            if self._token == rejected:
                self._token = None

    def _headers(self, token: Secret) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token.reveal()}",
            "X-Subscription-Key": self._settings.subscription_key.reveal(),
        }

    async def send(
        self,
        method: str,
        template: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: object = None,
    ) -> Reply:
        """Send an authenticated request; on 401 refresh the token and send it once more."""
        token = await self.token()
        try:
            return await self._exchange.send(
                method, template, path, headers=self._headers(token), params=params, body=body
            )
        except Unauthorized as err:
            if err.status != 401:
                raise  # 403: the token is fine, the permission is not; a new token won't help
            await self.invalidate(token)
        token = await self.token()
        return await self._exchange.send(
            method, template, path, headers=self._headers(token), params=params, body=body
        )
