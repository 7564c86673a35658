"""Errors as ``application/problem+json`` (RFC 9457), each with a stable ``type``. One table
maps the library's errors to HTTP, so routes never build error responses by hand."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

import storage
from bandit.errors import (
    ActivationClosed,
    BanditError,
    ConflictingRecord,
    InvalidContext,
    InvalidReward,
    LogUnavailable,
    NoActiveArtwork,
    NotActivated,
    UnknownEvent,
    UnknownTitle,
)

MEDIA_TYPE = "application/problem+json"
_TYPE_ROOT = "urn:thumbnail-bandit:problem:"


class Problem(Exception):
    """An error a route or a dependency answers with directly."""

    def __init__(
        self, status: int, slug: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail, self.headers = status, slug, detail, headers or {}


#: bandit error -> (status, type slug). Checked in order: the first isinstance wins.
_BANDIT: list[tuple[type[BanditError], int, str]] = [
    (InvalidContext, 422, "invalid-request"),
    (InvalidReward, 422, "invalid-reward"),
    (UnknownEvent, 404, "unknown-event"),
    (UnknownTitle, 404, "unknown-title"),
    (NoActiveArtwork, 409, "no-active-artwork"),
    (NotActivated, 409, "not-activated"),
    (ActivationClosed, 409, "activation-closed"),
    (ConflictingRecord, 409, "conflict"),
    (LogUnavailable, 503, "log-unavailable"),
]

#: The OpenAPI description of every status a route may answer with a problem.
DESCRIPTIONS = {
    401: "No API key, or one that is malformed, unknown or revoked",
    403: "The key lacks the scope this route needs",
    404: "No such title, event or artwork",
    409: "Conflicts with what the log holds",
    413: "The request body is too large",
    422: "The request is malformed",
    429: "The key's rate limit is exhausted; see Retry-After",
    503: "The log is unavailable; nothing was served or stored; see Retry-After",
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that may answer with these problems."""
    return {
        status: {"description": DESCRIPTIONS[status], "content": {MEDIA_TYPE: {"schema": SCHEMA}}}
        for status in statuses
    }


def problem_response(
    status: int, slug: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    title = slug.replace("-", " ").capitalize()
    body = {"type": _TYPE_ROOT + slug, "title": title, "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def for_bandit(exc: BanditError, retry_after_s: int) -> JSONResponse:
    """The problem response for a bandit error."""
    for kind, status, slug in _BANDIT:
        if isinstance(exc, kind):
            headers = {"Retry-After": str(retry_after_s)} if status == 503 else None
            return problem_response(status, slug, str(exc), headers)
    return problem_response(400, "bad-request", str(exc))


def install(app: FastAPI, retry_after_s: int) -> None:
    """Register the handlers that turn every error into a problem response."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc.status, exc.slug, exc.detail, exc.headers)

    async def on_bandit(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BanditError)
        return for_bandit(exc, retry_after_s)

    async def on_storage(request: Request, exc: Exception) -> JSONResponse:
        # Only the admin routes reach the log without the chooser's mapping in between.
        from bandit.log_boundary import as_bandit_error

        assert isinstance(exc, storage.StorageError)
        return for_bandit(as_bandit_error(exc), retry_after_s)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        detail = f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request"
        return problem_response(422, "invalid-request", detail)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 400:  # a body FastAPI could not even decode: still malformed
            return problem_response(422, "invalid-request", str(exc.detail))
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return problem_response(exc.status_code, slug, str(exc.detail), headers)

    async def on_bug(request: Request, exc: Exception) -> JSONResponse:
        # The traceback goes to the server's log (uvicorn's); the client learns nothing more.
        return problem_response(500, "internal", "internal error; see the service's log")

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(BanditError, on_bandit)
    app.add_exception_handler(storage.StorageError, on_storage)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_bug)
