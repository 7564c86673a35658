"""ASGI middlewares: the API key checked before anything of the body is read, bodies capped
(413 before any parsing), and every request counted and timed by its route template."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bandit import BanditError
from thumbnail_bandit.service import metrics
from thumbnail_bandit.service.problems import MEDIA_TYPE, for_bandit, problem_response


class KeyFirst:
    """Refuse a ``/v1`` request without a live API key before reading a byte of its body, so
    that nobody without a key can make a worker wait for one. The verified key rides along in
    the request's state for the route's own check (scope and rate)."""

    def __init__(self, app: ASGIApp, prefix: str = "/v1/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        challenge = {"WWW-Authenticate": "Bearer"}
        scheme, _, token = dict(scope["headers"]).get(b"authorization", b"").partition(b" ")
        if scheme.lower() != b"bearer" or not token.strip():
            detail = "send an API key: Authorization: Bearer <key>"
            await problem_response(401, "missing-key", detail, challenge)(scope, receive, send)
            return
        service = scope["app"].state.service
        try:
            key = service.verify_key(token.strip().decode("latin-1"))
        except BanditError as exc:  # the log is unavailable: 503, as the routes answer
            await for_bandit(exc, service.settings.retry_after_s)(scope, receive, send)
            return
        if key is None:
            detail = "the API key is malformed, unknown or revoked"
            await problem_response(401, "invalid-key", detail, challenge)(scope, receive, send)
            return
        scope.setdefault("state", {})["api_key"] = key
        await self.app(scope, receive, send)


class BodyLimit:
    """Answer 413 to a body over ``max_bytes``, whether it declares its length or not."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        chunks: list[Message] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                chunks.append(message)
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(message)
            more = message.get("more_body", False)

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps(
            {
                "type": "urn:thumbnail-bandit:problem:too-large",
                "title": "Too large",
                "status": 413,
                "detail": f"the request body is over {self.max_bytes} bytes",
            }
        ).encode()
        headers = [
            (b"content-type", MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class RequestMetrics:
    """Requests by route template, method and status, and latency by route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route: Any = scope.get("route")
            # The template, not the path: event ids must not become label values.
            name = getattr(route, "path", "unmatched")
            metrics.REQUESTS.labels(name, scope["method"], str(status[0])).inc()
            metrics.LATENCY.labels(name).observe(time.perf_counter() - started)
