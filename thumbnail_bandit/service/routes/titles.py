"""Admin: a title's artworks, retiring and restoring them, online vs apprentice mode."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

import storage
from storage import TITLE_ID
from storage.keys import ADMIN, RANK
from thumbnail_bandit.service.auth import require, state_of
from thumbnail_bandit.service.problems import Problem, responses
from thumbnail_bandit.service.schemas import (
    ApprenticeResponse,
    ArtworkOut,
    ArtworksResponse,
    ModeRequest,
    ModeResponse,
    StatusChange,
    TitleOut,
    TitlesPage,
)

router = APIRouter(tags=["titles"])

TitlePath = Annotated[str, Path(min_length=1, max_length=TITLE_ID.max_length)]
ArtworkPath = Annotated[int, Path(ge=1, le=2**31 - 1)]  # as `schemas.ArtworkId`
_ERRORS = responses(401, 403, 404, 422, 429, 503)


@router.get("/v1/titles", response_model=TitlesPage, responses=_ERRORS)
async def list_titles(
    request: Request,
    after: Annotated[str | None, Query(max_length=TITLE_ID.max_length)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    key: storage.ApiKey = Depends(require(RANK)),  # noqa: B008
) -> TitlesPage:
    """The titles a site can rank, in id order, a page at a time (``after``: the last id of
    the previous page), with their artwork counts. Any rank key may list them."""
    state = state_of(request)
    page = await state.run(lambda: state.log.title_page(after, limit=limit))
    return TitlesPage(
        titles=[
            TitleOut(
                title_id=t.title_id, name=t.name, mode=t.mode, artworks=t.artworks, active=t.active
            )
            for t in page
        ],
        next=page[-1].title_id if len(page) == limit else None,
    )


@router.get("/v1/titles/{title_id}/artworks", response_model=ArtworksResponse, responses=_ERRORS)
async def list_artworks(
    title_id: TitlePath,
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> ArtworksResponse:
    """Every artwork of the title, active and retired, with its features."""
    log = state_of(request).log

    def read() -> tuple[storage.TitleMode, list[storage.Artwork]]:
        return log.title_mode(title_id), log.artworks(title_id, active_only=False)

    mode, artworks = await state_of(request).run(read)
    return ArtworksResponse(
        title_id=title_id,
        mode=mode.mode,
        artworks=[
            ArtworkOut(
                id=a.id,
                status=a.status,
                image_path=a.image_path,
                features=dict(a.features),
                baseline=a.id == mode.baseline_artwork_id,
            )
            for a in artworks
        ],
    )


async def _set_status(request: Request, artwork_id: int, status: str) -> StatusChange:
    log = state_of(request).log
    found = await state_of(request).run(lambda: log.set_artwork_status([artwork_id], status))
    if not found:
        raise Problem(404, "unknown-artwork", f"no artwork with id {artwork_id}")
    return StatusChange(artwork_id=artwork_id, status=status)


@router.post("/v1/artworks/{artwork_id}/retire", response_model=StatusChange, responses=_ERRORS)
async def retire(
    artwork_id: ArtworkPath,
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> StatusChange:
    """Stop serving the artwork; its history stays in the log."""
    return await _set_status(request, artwork_id, "retired")


@router.post("/v1/artworks/{artwork_id}/restore", response_model=StatusChange, responses=_ERRORS)
async def restore(
    artwork_id: ArtworkPath,
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> StatusChange:
    return await _set_status(request, artwork_id, "active")


@router.put(
    "/v1/titles/{title_id}/mode",
    response_model=ModeResponse,
    responses=responses(401, 403, 404, 413, 422, 429, 503),
)
async def set_mode(
    title_id: TitlePath,
    body: ModeRequest,
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> ModeResponse:
    """``apprentice``: serve the baseline artwork and let the policy learn behind it.
    ``online``: the policy chooses. One call switches."""
    log = state_of(request).log
    mode = await state_of(request).run(
        lambda: log.set_title_mode(title_id, body.mode, body.baseline_artwork_id)
    )
    return ModeResponse(
        title_id=mode.title_id, mode=mode.mode, baseline_artwork_id=mode.baseline_artwork_id
    )


@router.get(
    "/v1/titles/{title_id}/apprentice", response_model=ApprenticeResponse, responses=_ERRORS
)
async def apprentice(
    title_id: TitlePath,
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> ApprenticeResponse:
    """How often the policy would have chosen the baseline, and what the baseline earns,
    from the log (every worker's decisions)."""
    log = state_of(request).log

    def read() -> tuple[storage.TitleMode, storage.ApprenticeSummary]:
        return log.title_mode(title_id), log.apprentice_summary(title_id)

    mode, summary = await state_of(request).run(read)
    return ApprenticeResponse(
        title_id=title_id,
        mode=mode.mode,
        decisions=summary.decisions,
        policy_agreed=summary.policy_agreed,
        policy_baseline_probability=summary.policy_baseline_probability,
        rewarded=summary.rewarded,
        baseline_reward=summary.baseline_reward,
    )
