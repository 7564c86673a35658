"""Request bodies of the admin routes for online experiments (``/v1/experiments``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from storage import ARM_NAME, EXPERIMENT_NAME, TITLE_ID
from thumbnail_bandit.service.schemas import anchored

ArmName = Annotated[
    str, Field(min_length=1, max_length=ARM_NAME.max_length, pattern=anchored(ARM_NAME))
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ArmRequest(_Strict):
    name: ArmName
    spec: Annotated[str, Field(min_length=1, max_length=100)]
    """``head``, ``checkpoint:N``, ``baseline`` or ``policy:NAME[?key=value&...]``."""
    share: Annotated[int, Field(ge=1, le=99)]
    """Percent of the units; the arms' shares sum to 100."""


class ExperimentRequest(_Strict):
    name: Annotated[
        str,
        Field(
            min_length=1,
            max_length=EXPERIMENT_NAME.max_length,
            pattern=anchored(EXPERIMENT_NAME),
        ),
    ]
    titles: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=TITLE_ID.max_length)]],
        Field(min_length=1, max_length=1_000),
    ]
    arms: Annotated[list[ArmRequest], Field(min_length=2, max_length=10)]
    """Control first."""
    reward: Annotated[str, Field(min_length=1, max_length=64)] = "reward"
    force: bool = False
    """Start even when the replay screen refuses a challenger (logged)."""


class StopRequest(_Strict):
    arm: ArmName | None = None
    """Stop this arm only (its units go to control); without it, the experiment."""
    reason: Annotated[str, Field(min_length=1, max_length=200)] = "stopped by hand"


class PromoteRequest(_Strict):
    arm: ArmName
