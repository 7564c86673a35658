"""``/healthz`` (the process is up), ``/readyz`` (the log answers) and ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bandit.log_boundary import log_errors
from thumbnail_bandit.service import metrics
from thumbnail_bandit.service.auth import state_of
from thumbnail_bandit.service.problems import responses
from thumbnail_bandit.service.schemas import Health

router = APIRouter(tags=["health"])


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

    await state.run(ping)  # LogUnavailable becomes 503 with Retry-After
    return Health(status="ready")


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def prometheus() -> Response:
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
