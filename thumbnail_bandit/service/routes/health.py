"""``/healthz`` (the process is up), ``/readyz`` (the log answers) and ``/metrics``."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from bandit.errors import LogUnavailable
from bandit.log_boundary import log_errors
from thumbnail_bandit.service import metrics
from thumbnail_bandit.service.auth import state_of
from thumbnail_bandit.service.problems import Problem, responses
from thumbnail_bandit.service.schemas import Health

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=responses(503))
async def readyz(request: Request) -> Health:
    """200 while the log answers; 503 with Retry-After while it does not."""
    state = state_of(request)

    def ping() -> None:
        with log_errors():
            state.log.ping()

    try:
        await state.run(ping)
    except LogUnavailable as exc:
        # The reason names the database (a file path, a host): for the operator, not for
        # whoever can reach an unauthenticated route.
        log.warning("not ready: %s", exc)
        retry = {"Retry-After": str(state.settings.retry_after_s)}
        raise Problem(503, "log-unavailable", "the log does not answer", retry) from None
    return Health(status="ready")


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def prometheus() -> Response:
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
