"""``POST /v1/rank`` without the framework's per-request machinery, for the requests that need
none of it.

A rank costs about half a millisecond of CPU; routing, dependency solving, validating the
answer against its model and encoding it through ``json`` cost as much again (issue 30). This
middleware answers a rank whose key is live and has the ``rank`` scope, whose body is JSON
within the size cap, and which validates as a `RankRequest` at the first try: the body is
parsed and validated once, in pydantic's core, and the answer is encoded there too.

Everything else (no key, a bad one, a body that fails validation, a CORS request) goes on to
the full app untouched, with the body it already read, so every error answer comes from one
place and stays exactly what the route gives. A rank the fast path answers is counted in the
same metrics, under the same route template."""

from __future__ import annotations

import time
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import storage
from bandit import BanditError
from storage.keys import RANK
from thumbnail_bandit.service import metrics
from thumbnail_bandit.service.auth import over_rate
from thumbnail_bandit.service.problems import for_bandit, problem_response
from thumbnail_bandit.service.routes.rank import answer
from thumbnail_bandit.service.runtime import ServiceState
from thumbnail_bandit.service.schemas import RankRequest

ROUTE = "/v1/rank"
_JSON = (b"content-type", b"application/json")
_BASE_URLS_KEPT = 64
"""Base URLs remembered by Host header (a client chooses that header, so the memory is capped)."""


class RankFastPath:
    """See the module docstring. Added as the outermost middleware."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, cors: bool) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.cors = cors
        self._base_urls: dict[tuple[Any, ...], str] = {}
        self._answered = metrics.REQUESTS.labels(ROUTE, "POST", "200")
        self._latency = metrics.LATENCY.labels(ROUTE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != ROUTE or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope["headers"])
        state: ServiceState = scope["app"].state.service
        key = _rank_key(state, headers) if self._plain(headers) else None
        if key is None:
            await self.app(scope, receive, send)
            return
        body, messages = await self._body(receive)
        if body is None:  # too large, or the client left: the full app says which
            await self.app(scope, _replay(messages, receive), send)
            return
        request = None
        if not isinstance(key, BanditError):
            try:
                request = RankRequest.model_validate_json(body)
            except ValidationError:  # the route gives the 422 in the service's own words
                await self.app(scope, _replay(messages, receive), send)
                return
        status = 500
        try:
            if request is None:  # the log is unavailable (503), said once the body is in
                assert isinstance(key, BanditError)
                status = await _problem(for_bandit(key, state.settings.retry_after_s), send)
            else:
                assert not isinstance(key, BanditError)
                status = await self._rank(state, key, request, scope, headers, send)
        finally:
            counter = self._answered if status == 200 else None
            (counter or metrics.REQUESTS.labels(ROUTE, "POST", str(status))).inc()
            self._latency.observe(time.perf_counter() - started)

    def _plain(self, headers: dict[bytes, bytes]) -> bool:
        """A JSON body of a length within the cap, and no browser origin to answer for."""
        length = headers.get(b"content-length")
        kind = headers.get(b"content-type", b"").partition(b";")[0].strip().lower()
        return (
            kind == _JSON[1]
            and length is not None
            and length.isdigit()
            and int(length) <= self.max_body_bytes
            and not (self.cors and b"origin" in headers)
        )

    async def _body(self, receive: Receive) -> tuple[bytes | None, list[Message]]:
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return None, messages
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return None, messages
            if not message.get("more_body", False):
                break
        return b"".join(m.get("body", b"") for m in messages), messages

    async def _rank(
        self,
        state: ServiceState,
        key: storage.ApiKey,
        request: RankRequest,
        scope: Scope,
        headers: dict[bytes, bytes],
        send: Send,
    ) -> int:
        limited = over_rate(state, key)
        if limited is not None:
            return await _problem(
                problem_response(limited.status, limited.slug, limited.detail, limited.headers),
                send,
            )
        try:
            ranked = await answer(state, request, self._base_url(scope, headers))
        except BanditError as exc:
            return await _problem(for_bandit(exc, state.settings.retry_after_s), send)
        content = ranked.model_dump_json().encode()
        start: Message = {
            "type": "http.response.start",
            "status": 200,
            "headers": [_JSON, (b"content-length", str(len(content)).encode())],
        }
        await send(start)
        await send({"type": "http.response.body", "body": content})
        return 200

    def _base_url(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        """Starlette's ``request.base_url``, remembered per Host header and root path."""
        server = scope.get("server")
        memo = (
            scope["scheme"],
            headers.get(b"host"),
            scope.get("root_path"),
            scope.get("app_root_path"),
            None if server is None else tuple(server),
        )
        url = self._base_urls.get(memo)
        if url is None:
            if len(self._base_urls) >= _BASE_URLS_KEPT:
                self._base_urls.clear()
            url = self._base_urls[memo] = str(Request(scope).base_url)
        return url


def _token(headers: dict[bytes, bytes]) -> str:
    scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
    return token.strip().decode("latin-1") if scheme.lower() == b"bearer" else ""


def _rank_key(
    state: ServiceState, headers: dict[bytes, bytes]
) -> storage.ApiKey | BanditError | None:
    """The request's key if it is live and may rank, or why the log could not say; None
    sends the request on to the full app (which answers 401 or 403 before the body)."""
    token = _token(headers)
    if not token:
        return None
    try:
        key = state.verify_key(token)
    except BanditError as exc:
        # The log is unavailable. The 503 waits for the body: answered before it, the
        # connection would be closed, and a client's next request on it reset.
        return exc
    return key if key is not None and RANK in key.scopes else None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives back what was already read, then the rest."""

    async def again() -> Message:
        return messages.pop(0) if messages else await receive()

    return again


async def _problem(response: Response, send: Send) -> int:
    """Send a problem response; its status, for the metrics."""

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    await response({"type": "http"}, nothing, send)
    return response.status_code
