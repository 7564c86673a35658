"""The HTTP stack's own cost per rank, without a server or a client: the ASGI app called in
process, with the rank fast path and with the full route (FastAPI's routing, dependencies and
response model), beside ``choose_many`` alone on the same log. No sockets, so it is steadier
than wrk on a shared machine, and it says which layer the time goes to."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from starlette.types import ASGIApp, Message

from thumbnail_bandit.service import ServiceSettings, create_app
from thumbnail_bandit.service.rank_fast_path import RankFastPath

RANKS = 2_000
ROUNDS = 3


def _ms_each(started: float) -> float:
    return 1e3 * (time.perf_counter() - started) / RANKS


def _bodies(n: int) -> list[bytes]:
    devices = ["tv", "phone", "web"]
    return [
        json.dumps(
            {"titles": ["t"], "context": {"segment": f"s{i % 4}", "device": devices[i % 3]}}
        ).encode()
        for i in range(n)
    ]


def _scope(app: Any, token: str, body: bytes) -> dict[str, Any]:
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {token}".encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/rank",
        "raw_path": b"/v1/rank",
        "query_string": b"",
        "root_path": "",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "headers": headers,
        "app": app,
    }


async def _call(app: ASGIApp, scope: dict[str, Any], body: bytes) -> int:
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    status = [0]

    async def receive() -> Message:
        return pending.pop() if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    await app(scope, receive, send)
    return status[0]


def _behind_fast_path(stack: Any) -> ASGIApp:
    """The middleware the fast path passes requests on to: the full route from there."""
    layer = stack
    while not isinstance(layer, RankFastPath):
        layer = layer.app
    return layer.app


def stack_cost(url: str, token: str) -> dict[str, float]:
    """Mean ms per rank: through the fast path, through the route, and choose_many alone."""
    app = create_app(ServiceSettings(url, rate_per_s=1e9, burst=10**9))

    async def measure() -> dict[str, float]:
        async with app.router.lifespan_context(app):
            stack = app.build_middleware_stack()
            ways = {"fast_path": stack, "route": _behind_fast_path(stack)}
            bodies = _bodies(RANKS)
            for way in ways.values():  # warm up both, and check they answer
                assert await _call(way, _scope(app, token, bodies[0]), bodies[0]) == 200
            chooser = app.state.service.chooser
            contexts = [json.loads(b)["context"] for b in bodies]
            means = {name: float("inf") for name in (*ways, "choose_many")}
            for _ in range(ROUNDS):  # interleaved, best of each: the machine drifts
                for name, way in ways.items():
                    started = time.perf_counter()
                    for body in bodies:
                        await _call(way, _scope(app, token, body), body)
                    means[name] = min(means[name], _ms_each(started))
                started = time.perf_counter()
                for context in contexts:
                    chooser.choose_many(["t"], context)
                means["choose_many"] = min(means["choose_many"], _ms_each(started))
            return means

    return asyncio.run(measure())
