"""``POST /v1/rank``: choose artwork for one or several titles; logged before the answer.

Well-formed ranks are answered by `rank_fast_path.RankFastPath` before they reach this route;
the route answers the rest (and is what the schema describes). Both call `answer`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

import storage
from bandit.rows import RowRequest
from storage.keys import RANK
from thumbnail_bandit.service import metrics
from thumbnail_bandit.service.auth import require, state_of
from thumbnail_bandit.service.problems import responses
from thumbnail_bandit.service.runtime import ServiceState
from thumbnail_bandit.service.schemas import RankedArtwork, RankRequest, RankResponse

router = APIRouter(tags=["rank"])

_ONLINE = {
    (False, False): metrics.DECISIONS.labels("online", "active"),
    (False, True): metrics.DECISIONS.labels("online", "deferred"),
    (True, False): metrics.DECISIONS.labels("apprentice", "active"),
    (True, True): metrics.DECISIONS.labels("apprentice", "deferred"),
}


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
    return await answer(state_of(request), body, str(request.base_url))


async def answer(state: ServiceState, body: RankRequest, base_url: str) -> RankResponse:
    """Choose (the decisions are logged before this returns), count, and say where each image
    is: under ``--public-base-url``, else this service's own ``/artwork``."""
    decisions = await state.rank(
        RowRequest(
            body.titles,
            body.context.model_dump(),
            event_id=body.event_id,
            excluded=body.excluded,
            defer_activation=body.defer_activation,
            unit_id=body.unit_id,
        )
    )
    metrics.POLICY_VERSION.set(state.chooser.checkpoint_version_)
    for d in decisions:
        _ONLINE[d.apprentice, body.defer_activation].inc()
        if d.policy_agreed:
            metrics.APPRENTICE_AGREED.inc()
    base = state.settings.public_base_url or base_url.rstrip("/") + "/artwork"
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
