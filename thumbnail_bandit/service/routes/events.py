"""``POST /v1/events/{event_id}/reward`` and ``.../activate``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

import storage
from storage import EVENT_ID
from storage.keys import RANK
from thumbnail_bandit.service import metrics
from thumbnail_bandit.service.auth import require, state_of
from thumbnail_bandit.service.problems import responses
from thumbnail_bandit.service.schemas import (
    ActivationResponse,
    RewardRequest,
    RewardResponse,
    SignalRequest,
    SignalResponse,
    anchored,
)

router = APIRouter(tags=["events"])

EventPath = Annotated[
    str, Path(min_length=1, max_length=EVENT_ID.max_length, pattern=anchored(EVENT_ID))
]


@router.post(
    "/v1/events/{event_id}/reward",
    response_model=RewardResponse,
    responses=responses(401, 403, 404, 409, 413, 422, 429, 503),
    summary="Record the reward of a decision (click = 1)",
)
async def reward(
    event_id: EventPath,
    body: RewardRequest,
    request: Request,
    key: storage.ApiKey = Depends(require(RANK)),  # noqa: B008
) -> RewardResponse:
    """Idempotent: the same value again changes nothing; a different value is 409."""
    state = state_of(request)
    receipt = await state.run(lambda: state.chooser.reward(event_id, body.value))
    outcome = "duplicate" if receipt.duplicate else "late" if receipt.late else "new"
    metrics.REWARDS.labels(outcome).inc()
    return RewardResponse(
        event_id=receipt.event_id,
        value=receipt.value,
        late=receipt.late,
        duplicate=receipt.duplicate,
    )


@router.post(
    "/v1/events/{event_id}/signals",
    response_model=SignalResponse,
    responses=responses(401, 403, 404, 409, 413, 422, 429, 503),
    summary="Record what the member did: a click, a play, minutes watched, ...",
)
async def signal(
    event_id: EventPath,
    body: SignalRequest,
    request: Request,
    key: storage.ApiKey = Depends(require(RANK)),  # noqa: B008
) -> SignalResponse:
    """Append-only, any number per decision (up to 100); with ``signal_id``, a retry is
    recorded once and a different value under it is 409."""
    state = state_of(request)
    receipt = await state.run(
        lambda: state.chooser.signal(event_id, body.name, body.value, signal_id=body.signal_id)
    )
    return SignalResponse(
        event_id=receipt.event_id,
        name=receipt.name,
        value=receipt.value,
        late=receipt.late,
        duplicate=receipt.duplicate,
    )


@router.post(
    "/v1/events/{event_id}/activate",
    response_model=ActivationResponse,
    responses=responses(401, 403, 404, 409, 422, 429, 503),
    summary="Say a deferred decision was shown, so it is learned from",
)
async def activate(
    event_id: EventPath,
    request: Request,
    key: storage.ApiKey = Depends(require(RANK)),  # noqa: B008
) -> ActivationResponse:
    state = state_of(request)
    receipt = await state.run(lambda: state.chooser.activate(event_id))
    if not receipt.duplicate:
        metrics.ACTIVATIONS.inc()
    return ActivationResponse(event_id=receipt.event_id, duplicate=receipt.duplicate)
