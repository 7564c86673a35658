"""Admin: reward definitions (what the learner optimises) and which one is served, the same
as ``thumbnail-bandit rewards define|list|show|activate``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

import storage
from bandit.reward_definition import definition
from storage.keys import ADMIN
from thumbnail_bandit.service.auth import require, state_of
from thumbnail_bandit.service.problems import responses
from thumbnail_bandit.service.schemas import ActivateRequest, DefinitionOut, DefinitionRequest

router = APIRouter(tags=["rewards"])

NamePath = Annotated[str, Path(min_length=1, max_length=storage.SIGNAL_NAME.max_length)]


def _out(d: storage.RewardDefinition, active: str) -> DefinitionOut:
    return DefinitionOut(
        name=d.name,
        version=d.version,
        expression=d.expression,
        window_s=None if d.version == 0 else d.window_s,
        default=d.default_value,
        combine=dict(d.combine),
        range=(d.low, d.high),
        active=d.name == active,
        created_at=d.created_at,
    )


@router.get(
    "/v1/rewards", response_model=list[DefinitionOut], responses=responses(401, 403, 429, 503)
)
async def list_definitions(
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> list[DefinitionOut]:
    """The built-in ``reward``, then the newest version of every definition."""
    state = state_of(request)
    log = state.log
    found, active = await state.run(lambda: (log.reward_definitions(), log.active_reward()))
    return [_out(d, active) for d in found]


@router.get(
    "/v1/rewards/{name}",
    response_model=DefinitionOut,
    responses=responses(401, 403, 404, 422, 429, 503),
)
async def show_definition(
    name: NamePath,
    request: Request,
    version: int | None = None,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> DefinitionOut:
    state = state_of(request)
    log = state.log
    found, active = await state.run(
        lambda: (log.reward_definition(name, version), log.active_reward())
    )
    return _out(found, active)


@router.put(
    "/v1/rewards/{name}",
    response_model=DefinitionOut,
    responses=responses(401, 403, 413, 422, 429, 503),
)
async def define(
    name: NamePath,
    body: DefinitionRequest,
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> DefinitionOut:
    """Store the definition as its name's next version; the same content again is the same
    version (a retry changes nothing). A bad expression is 422, naming its column."""
    low, high = body.range
    candidate = definition(
        name,
        body.expression,
        window_s=body.window_s,
        default=body.default,
        combine=body.combine,
        low=low,
        high=high,
    )
    state = state_of(request)
    log = state.log
    stored, active = await state.run(lambda: (log.define_reward(candidate), log.active_reward()))
    return _out(stored, active)


@router.post(
    "/v1/rewards/{name}/activate",
    response_model=DefinitionOut,
    responses=responses(401, 403, 404, 409, 422, 429, 503),
)
async def activate(
    name: NamePath,
    request: Request,
    body: ActivateRequest | None = None,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> DefinitionOut:
    """Serve checkpoints learned for this definition, in every worker within its reload time.
    409 while nothing is learned for it, unless ``force``."""
    force = body is not None and body.force
    state = state_of(request)
    log = state.log
    found = await state.run(lambda: log.activate_reward(name, force=force))
    return _out(found, name)
