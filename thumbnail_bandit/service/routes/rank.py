"""``POST /v1/rank``: choose artwork for one or several titles; logged before the answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

import storage
from storage.keys import RANK
from thumbnail_bandit.service import metrics
from thumbnail_bandit.service.auth import require, state_of
from thumbnail_bandit.service.problems import responses
from thumbnail_bandit.service.schemas import RankedArtwork, RankRequest, RankResponse

router = APIRouter(tags=["rank"])


@router.post(
    "/v1/rank",
    response_model=RankResponse,
    responses=responses(401, 403, 404, 409, 413, 422, 429, 503),
    summary="Choose artwork for titles, for one user",
)
async def rank(
    body: RankRequest,
    request: Request,
    key: storage.ApiKey = Depends(require(RANK)),  # noqa: B008
) -> RankResponse:
    """Every decision is in the log before this answers, all of them or none. The same
    ``event_id`` sent again with the same request answers what was logged the first time."""
    state = state_of(request)
    decisions = await state.run(
        lambda: state.chooser.choose_many(
            body.titles,
            body.context.model_dump(),
            event_id=body.event_id,
            excluded=body.excluded,
            defer_activation=body.defer_activation,
            unit_id=body.unit_id,
        )
    )
    version = state.chooser.checkpoint_version_
    metrics.POLICY_VERSION.set(version)
    activation = "deferred" if body.defer_activation else "active"
    for d in decisions:
        metrics.DECISIONS.labels("apprentice" if d.apprentice else "online", activation).inc()
        if d.policy_agreed:
            metrics.APPRENTICE_AGREED.inc()
    base = state.settings.public_base_url or str(request.base_url).rstrip("/") + "/artwork"
    return RankResponse(
        decisions=[
            RankedArtwork(
                title_id=d.title_id,
                event_id=d.event_id,
                artwork_id=d.artwork_id,
                image_url=None if d.image_sha256 is None else f"{base}/{d.image_sha256}",
                image_path=d.image_path,
                probability=d.probability,
                policy_version=d.policy_version,
                activated=d.activated,
                apprentice=d.apprentice,
                experiment=d.experiment,
                arm=d.arm,
            )
            for d in decisions
        ]
    )
