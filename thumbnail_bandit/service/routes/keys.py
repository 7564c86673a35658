"""Admin: API keys. Created keys' tokens are answered once; only hashes are stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

import storage
from storage.keys import ADMIN
from thumbnail_bandit.service.auth import require, state_of
from thumbnail_bandit.service.problems import Problem, responses
from thumbnail_bandit.service.schemas import KeyOut, KeyRequest, NewKeyResponse

router = APIRouter(tags=["keys"])

NamePath = Annotated[str, Path(min_length=1, max_length=100)]


def _out(key: storage.ApiKey) -> KeyOut:
    return KeyOut(
        key_id=key.key_id,
        name=key.name,
        scopes=list(key.scopes),
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


@router.get("/v1/keys", response_model=list[KeyOut], responses=responses(401, 403, 429, 503))
async def list_keys(
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> list[KeyOut]:
    state = state_of(request)
    return [_out(k) for k in await state.run(state.log.api_keys)]


@router.post(
    "/v1/keys",
    status_code=201,
    response_model=NewKeyResponse,
    responses=responses(401, 403, 413, 422, 429, 503),
)
async def create_key(
    body: KeyRequest,
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> NewKeyResponse:
    state = state_of(request)
    created, token = await state.run(lambda: state.log.create_key(body.name, body.scopes))
    return NewKeyResponse(**_out(created).model_dump(), token=token)


@router.delete(
    "/v1/keys/{name}",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 422, 429, 503),
)
async def revoke_key(
    name: NamePath,
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> Response:
    """Other workers stop accepting the key within their key cache time."""
    state = state_of(request)
    if not await state.run(lambda: state.log.revoke_key(name)):
        raise Problem(404, "unknown-key", f"no live key named {name!r}")
    state.forget_keys()
    return Response(status_code=204)
