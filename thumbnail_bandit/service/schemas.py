"""Request and response bodies of the ``/v1`` API. Sizes are capped here, so an oversized list
is a 422 before any work; the context itself is validated by `bandit.Context`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bandit.context import MAX_FEATURES

MAX_TITLES = 50
"""Titles one rank call may ask for: a row of a home page, not a catalogue."""
MAX_EXCLUDED = 200

TitleId = Annotated[str, Field(min_length=1, max_length=200)]
EventId = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._:-]+$")]
ContextValue = str | bool | int | float | list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RankRequest(_Strict):
    titles: Annotated[list[TitleId], Field(min_length=1, max_length=MAX_TITLES)]
    """The titles to choose artwork for, in the order answered."""
    context: Annotated[dict[str, ContextValue], Field(max_length=MAX_FEATURES + 1)]
    """The user: ``segment`` plus named features (country, device, hour, ...)."""
    excluded: Annotated[list[int], Field(max_length=MAX_EXCLUDED)] = []
    """Artwork ids not to offer this time."""
    event_id: EventId | None = None
    """Your id for this call; a retry with the same id gets the same answer, logged once.
    With several titles, title i's event id is ``{event_id}-{i}``."""
    defer_activation: bool = False
    """The artwork may not be shown: learn from it only after ``activate``."""


class RankedArtwork(BaseModel):
    """One title's answer, read straight off the `bandit.Decision` that was logged."""

    model_config = ConfigDict(from_attributes=True)

    title_id: str
    event_id: str
    artwork_id: int
    image_path: str
    probability: float
    policy_version: str
    activated: bool
    apprentice: bool


class RankResponse(BaseModel):
    decisions: list[RankedArtwork]


class RewardRequest(_Strict):
    value: Annotated[float, Field(ge=0.0, le=1.0)]
    """Click = 1, no click = 0, or anything between."""


class RewardResponse(BaseModel):
    event_id: str
    value: float
    late: bool
    """Came after the reward window: kept, never learned."""
    duplicate: bool


class ActivationResponse(BaseModel):
    event_id: str
    duplicate: bool


class ArtworkOut(BaseModel):
    id: int
    status: str
    image_path: str
    features: dict[str, float]
    baseline: bool


class ArtworksResponse(BaseModel):
    title_id: str
    mode: str
    artworks: list[ArtworkOut]


class StatusChange(BaseModel):
    artwork_id: int
    status: str


class ModeRequest(_Strict):
    mode: Literal["online", "apprentice"]
    baseline_artwork_id: int | None = None


class ModeResponse(BaseModel):
    title_id: str
    mode: str
    baseline_artwork_id: int | None


class ApprenticeResponse(BaseModel):
    title_id: str
    mode: str
    decisions: int
    policy_agreed: float
    policy_baseline_probability: float
    rewarded: int
    baseline_reward: float | None


class KeyRequest(_Strict):
    name: Annotated[
        str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    ]
    scopes: Annotated[list[Literal["rank", "admin"]], Field(min_length=1, max_length=2)]


class KeyOut(BaseModel):
    key_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class NewKeyResponse(KeyOut):
    token: str
    """Shown this once; only its hash is stored."""


class Health(BaseModel):
    status: str
