"""The decision service as an ASGI app: ``create_app(ServiceSettings(db=...))``.

A thin adapter: routes parse the request, call `ArtworkChooser` (or the `storage.Log`, for
admin work) exactly as a Python caller would, and map errors to problem responses. The log's
guarantees therefore hold once, in the library: decisions logged with their pmf before the
answer, idempotent rewards, exactly-once learning by ``thumbnail-bandit learn``.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from thumbnail_bandit.service import access_log, problems
from thumbnail_bandit.service.middleware import BodyLimit, KeyFirst, RequestMetrics
from thumbnail_bandit.service.rank_fast_path import RankFastPath
from thumbnail_bandit.service.routes import (
    artwork,
    events,
    experiments,
    health,
    keys,
    rank,
    rewards,
    titles,
)
from thumbnail_bandit.service.runtime import ServiceState
from thumbnail_bandit.service.settings import ServiceSettings


def create_app(settings: ServiceSettings) -> FastAPI:
    """The app for one worker. The log is opened when the app starts (lifespan), so a bad
    ``db`` fails the start-up, not the first request."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = ServiceState(settings)
        app.state.service = state
        access_log.install()
        # Everything loaded so far (FastAPI, pydantic, VW, SQLAlchemy: ~115,000 objects) lives
        # as long as the worker. Frozen, it is left out of every later garbage collection; a
        # full collection over it took ~70 ms here and stalled about one rank in a hundred.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="thumbnail-bandit decision service",
        version="1",
        summary="Rank artwork per user, reward it, and learn, over the SQL decision log.",
        description=_limits(settings),
        lifespan=lifespan,
        # The schema is at /openapi.json. FastAPI's /docs and /redoc pages load their scripts
        # from a CDN: a service should not make its callers' browsers fetch third-party code
        # (and on a closed network the pages stay blank).
        docs_url=None,
        redoc_url=None,
    )
    problems.install(app, settings.retry_after_s)
    for module in (rank, events, titles, keys, rewards, experiments, artwork, health):
        app.include_router(module.router)
    # Added last is outermost: metrics see every answer; the key is checked before the body.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(KeyFirst)
    if settings.origins:  # outside the key check: a browser's preflight carries no key
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    app.add_middleware(RequestMetrics)
    # Outermost: a well-formed rank is answered before any of the above (it counts itself).
    app.add_middleware(
        RankFastPath, max_body_bytes=settings.max_body_bytes, cors=bool(settings.origins)
    )
    return app


def _limits(settings: ServiceSettings) -> str:
    """The limits a caller meets, for the schema's description (docs/service.md has them)."""
    return (
        "Every /v1 route needs `Authorization: Bearer <key>`. Limits, per worker process:"
        f" {settings.rate_per_s:g} requests/s per key with bursts of {settings.burst} (429"
        f" with Retry-After past them); bodies up to {settings.max_body_bytes // 1024} KiB"
        f" (413); request line and headers up to {settings.max_header_bytes // 1024} KiB"
        f" (431); a request's head within {settings.header_timeout_s:g} s and its body within"
        f" {settings.body_timeout_s:g} s (the connection is closed past them);"
        f" {settings.max_connections} connections (the oldest waiting one is closed past"
        " it). A rank names at most 50 titles, 200 excluded artworks and 64 context features"
        " besides `segment`, which is required. Errors are application/problem+json."
    )


def app_from_env() -> FastAPI:
    """uvicorn's factory for worker processes: settings from the environment."""
    return create_app(ServiceSettings.from_env())
