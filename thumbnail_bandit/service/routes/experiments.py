"""Admin: online experiments, the same as ``thumbnail-bandit experiments
start|status|stop|promote|list``. Status answers what ``status --json`` prints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

import storage
from bandit.experiments import (
    experiment_status,
    promote,
    start_experiment,
    stop_arm,
    stop_experiment,
)
from bandit.experiments.status import summary_json
from storage.keys import ADMIN
from thumbnail_bandit.service.auth import require, state_of
from thumbnail_bandit.service.experiment_schemas import (
    ExperimentRequest,
    PromoteRequest,
    StopRequest,
)
from thumbnail_bandit.service.problems import responses

router = APIRouter(tags=["experiments"])

NamePath = Annotated[str, Path(min_length=1, max_length=storage.EXPERIMENT_NAME.max_length)]


@router.get("/v1/experiments", responses=responses(401, 403, 429, 503))
async def list_experiments(
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> list[dict[str, Any]]:
    """Every experiment, newest first."""
    state = state_of(request)
    found = await state.run(state.log.experiments)
    return [summary_json(e) for e in found]


@router.post(
    "/v1/experiments", status_code=201, responses=responses(401, 403, 404, 409, 413, 422, 429, 503)
)
async def start(
    body: ExperimentRequest,
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> dict[str, Any]:
    """Screen each challenger by replay on the log, then start: 409 ``screen-refused`` when
    a challenger's interval lies wholly below control's (``force`` starts it anyway)."""
    arms = [storage.ExperimentArm(a.name, a.spec, a.share) for a in body.arms]
    state = state_of(request)
    experiment, screen = await state.run(
        lambda: start_experiment(
            state.log, body.name, body.titles, arms, reward=body.reward, force=body.force
        )
    )
    return {**summary_json(experiment), "screen": screen.as_json()}


@router.get("/v1/experiments/{name}", responses=responses(401, 403, 404, 422, 429, 503))
async def status(
    name: NamePath,
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> dict[str, Any]:
    """Per arm: units, decisions, mean reward with an anytime-valid interval; per
    challenger: the difference to control with its confidence sequence; the verdict."""
    state = state_of(request)
    found = await state.run(lambda: experiment_status(state.log, name))
    return found.as_json()


@router.post("/v1/experiments/{name}/stop", responses=responses(401, 403, 404, 422, 429, 503))
async def stop(
    name: NamePath,
    request: Request,
    body: StopRequest | None = None,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> dict[str, Any]:
    """End the experiment, or stop one arm (its units go to control)."""
    body = body or StopRequest()
    state = state_of(request)

    def work() -> dict[str, Any]:
        if body.arm is not None:
            stop_arm(state.log, name, body.arm, body.reason)
        else:
            stop_experiment(state.log, name, body.reason)
        return experiment_status(state.log, name).as_json()

    return await state.run(work)


@router.post("/v1/experiments/{name}/promote", responses=responses(401, 403, 404, 422, 429, 503))
async def promote_arm(
    name: NamePath,
    body: PromoteRequest,
    request: Request,
    key: storage.ApiKey = Depends(require(ADMIN)),  # noqa: B008
) -> dict[str, Any]:
    """Make the arm what serves the experiment's titles, and end the experiment."""
    state = state_of(request)

    def work() -> dict[str, Any]:
        promote(state.log, name, body.arm)
        return experiment_status(state.log, name).as_json()

    return await state.run(work)
