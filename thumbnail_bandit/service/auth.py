"""API keys on every route but health: ``Authorization: Bearer <key>``. Missing or bad key:
401. Key without the route's scope: 403. Over the key's rate: 429 with Retry-After.

Neither the key nor its secret is ever put in a message or a log line: a 401 says only what
kind of problem the key has.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

import storage
from thumbnail_bandit.service.problems import Problem
from thumbnail_bandit.service.runtime import ServiceState

_bearer = HTTPBearer(auto_error=False, description="An API key: `thumbnail-bandit keys create`")


def state_of(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def require(scope: str) -> Callable[..., Awaitable[storage.ApiKey]]:
    """A dependency that admits a live key with ``scope`` and takes one rate-limit token."""

    async def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
    ) -> storage.ApiKey:
        challenge = {"WWW-Authenticate": "Bearer"}
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Problem(
                401, "missing-key", "send an API key: Authorization: Bearer <key>", challenge
            )
        state = state_of(request)
        token = credentials.credentials
        # Verified before the body was read (`KeyFirst`); looked up here only without it.
        key: storage.ApiKey | None = getattr(request.state, "api_key", None)
        if key is None:
            key = await state.run(lambda: state.verify_key(token))
        if key is None:
            raise Problem(
                401, "invalid-key", "the API key is malformed, unknown or revoked", challenge
            )
        if scope not in key.scopes:
            raise Problem(
                403, "wrong-scope", f"key {key.name!r} lacks the {scope!r} scope this route needs"
            )
        limited = over_rate(state, key)
        if limited is not None:
            raise limited
        return key

    return dependency


def over_rate(state: ServiceState, key: storage.ApiKey) -> Problem | None:
    """Take one of the key's rate-limit tokens; the 429 to answer if there was none."""
    wait = state.buckets.take(key.key_id)
    if wait <= 0:
        return None
    return Problem(
        429,
        "rate-limited",
        f"key {key.name!r} is over its rate of {state.settings.rate_per_s:g} requests/s",
        {"Retry-After": state.buckets.retry_after(wait)},
    )
