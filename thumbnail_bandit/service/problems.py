"""Errors as ``application/problem+json`` (RFC 9457), each with a stable ``type``. One table
maps the library's errors to HTTP, so routes never build error responses by hand."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

import storage
from bandit.errors import (
    ActivationClosed,
    BanditError,
    CheckpointNotFound,
    ConflictingRecord,
    InvalidContext,
    InvalidExperiment,
    InvalidReward,
    InvalidSignal,
    LogUnavailable,
    NoActiveArtwork,
    NotActivated,
    ScreenRefused,
    UnknownDefinition,
    UnknownEvent,
    UnknownExperiment,
    UnknownTitle,
)
from bandit.reward_expression import InvalidRewardExpression

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
    (InvalidSignal, 422, "invalid-signal"),
    (UnknownEvent, 404, "unknown-event"),
    (UnknownTitle, 404, "unknown-title"),
    (UnknownDefinition, 404, "unknown-definition"),
    (InvalidRewardExpression, 422, "invalid-reward-definition"),
    (CheckpointNotFound, 409, "nothing-learned"),
    (UnknownExperiment, 404, "unknown-experiment"),
    (InvalidExperiment, 422, "invalid-experiment"),
    (ScreenRefused, 409, "screen-refused"),
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
    404: "No such title, event, artwork, definition or experiment",
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


#: What a validation error's type means, in the service's words.
_MEANINGS = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "dict_type": "must be an object",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long",
    "too_long": "has too many items",
    "too_short": "has too few items",
    "less_than_equal": "is too large",
    "greater_than_equal": "is too small",
    "string_pattern_mismatch": "holds characters it may not",
    "literal_error": "is not one of the values allowed",
}
#: The names pydantic adds to a location for each member of a union (``x.str``, ``x.int``).
_UNION_MEMBER = re.compile(r"^(str|bool|int|float|list\[.*\]|dict\[.*\]|function-.*)$")


def in_words(error: Mapping[str, Any]) -> str:
    """A validation error as one sentence of ours: ``context.x must be a string, number, true
    or false, or a list of strings``, not pydantic's ``body.context.x.str: ...``."""
    kind = str(error.get("type", ""))
    if kind == "json_invalid":
        return "the request body is not valid JSON"
    parts = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    union = any(_UNION_MEMBER.match(p) for p in parts)
    field = ".".join(p for p in parts if not _UNION_MEMBER.match(p)) or "the request body"
    if union:
        return f"{field} must be a string, number, true or false, or a list of strings"
    meaning = _MEANINGS.get(kind)
    if meaning is None:
        meaning = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        return f"{field}: {meaning}"
    limit = (error.get("ctx") or {}).get("max_length") or (error.get("ctx") or {}).get("le")
    return f"{field} {meaning}" + (f" (at most {limit})" if limit is not None else "")


def _allowed(request: Request) -> list[str]:
    """Every method some route serves on the request's path."""
    methods: set[str] = set()
    pending = list(request.app.routes)
    while pending:
        route = pending.pop()
        included = getattr(route, "original_router", None)  # FastAPI's include_router
        if included is not None:
            pending += included.routes
        elif hasattr(route, "matches") and getattr(route, "methods", None):
            match, _ = route.matches({**request.scope, "method": "GET"})
            if match != Match.NONE:
                methods |= set(route.methods)
    return sorted(methods | ({"HEAD"} if "GET" in methods else set()))


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
        errors = exc.errors()
        return problem_response(422, "invalid-request", in_words(errors[0]) if errors else "")

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 400:  # a body FastAPI could not even decode: still malformed
            return problem_response(422, "invalid-request", str(exc.detail))
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        if exc.status_code == 405:  # every method the path serves, not just the first route's
            headers = {**(headers or {}), "Allow": ", ".join(_allowed(request))}
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
