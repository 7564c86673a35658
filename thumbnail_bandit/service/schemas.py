"""Request and response bodies of the ``/v1`` API. Sizes are capped here, so an oversized list
is a 422 before any work; the context itself is validated by `bandit.Context`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bandit.context import MAX_FEATURES, MAX_TEXT
from storage import EVENT_ID, KEY_NAME, SIGNAL_ID, SIGNAL_NAME, TITLE_ID, UNIT_ID, IdRule

MAX_TITLES = 50
"""Titles one rank call may ask for: a row of a home page, not a catalogue."""
MAX_EXCLUDED = 200


def anchored(rule: IdRule) -> str | None:
    """The rule's pattern for a schema, which searches rather than matches."""
    return None if rule.pattern is None else f"^(?:{rule.pattern})$"


TitleId = Annotated[str, Field(min_length=1, max_length=TITLE_ID.max_length)]
EventId = Annotated[
    str,
    # Room for the "-{i}" each title of a row adds to the call's event id (`choose_many`).
    Field(
        min_length=1,
        max_length=EVENT_ID.max_length - len(f"-{MAX_TITLES - 1}"),
        pattern=anchored(EVENT_ID),
    ),
]
ContextValue = str | bool | int | float | list[str]


#: An artwork id as the log stores it (a 32-bit integer); larger is a 422, not an overflow.
ArtworkId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class _Strict(BaseModel):
    """A request body: no unknown fields, and JSON types as declared. ``"1"`` is not a number,
    ``true`` is not 1, ``"yes"`` is not a boolean: the library refuses them too."""

    model_config = ConfigDict(extra="forbid", strict=True)


class RankContext(BaseModel):
    """The user: ``segment`` (required) plus up to 64 named features (country, device, hour,
    recent genres...): strings, numbers, booleans or lists of strings."""

    model_config = ConfigDict(extra="allow", strict=True)
    __pydantic_extra__: dict[str, ContextValue]  # the named features' types

    segment: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    """The audience segment: what per-segment learning keys on."""

    @model_validator(mode="after")
    def _bounded(self) -> RankContext:
        if len(self.__pydantic_extra__) > MAX_FEATURES:
            raise ValueError(f"at most {MAX_FEATURES} features besides segment")
        return self


class RankRequest(_Strict):
    titles: Annotated[list[TitleId], Field(min_length=1, max_length=MAX_TITLES)]
    """The titles to choose artwork for, in the order answered."""
    context: RankContext
    excluded: Annotated[list[ArtworkId], Field(max_length=MAX_EXCLUDED)] = []
    """Artwork ids not to offer this time."""
    event_id: EventId | None = None
    """Your id for this call; a retry with the same id gets the same answer, logged once.
    With several titles, title i's event id is ``{event_id}-{i}``."""
    defer_activation: bool = False
    """The artwork may not be shown: learn from it only after ``activate``."""
    unit_id: Annotated[str, Field(min_length=1, max_length=UNIT_ID.max_length)] | None = None
    """The member or device, for online experiments: it gets the same arm every time (hashed
    with the log's secret, so no client can pick its arm). Without it, each decision is
    assigned on its own."""


class RankedArtwork(BaseModel):
    """One title's answer, read straight off the `bandit.Decision` that was logged."""

    model_config = ConfigDict(from_attributes=True)

    title_id: str
    event_id: str
    artwork_id: int
    image_url: str | None
    """Where a browser loads the image: under the service's ``--public-base-url`` (a CDN in
    front of ``/artwork/``), else this service's own ``/artwork/<sha256>``. None for an
    artwork registered without a content hash."""
    image_path: str
    """The image's path on the server's disk, as registered (for back ends that share it)."""
    probability: float
    policy_version: str
    activated: bool
    apprentice: bool
    experiment: str | None = None
    """The online experiment this decision is part of, if any."""
    arm: str | None = None
    """Its arm in that experiment."""


class RankResponse(BaseModel):
    decisions: list[RankedArtwork]


class SignalRequest(_Strict):
    name: Annotated[
        str, Field(min_length=1, max_length=SIGNAL_NAME.max_length, pattern=anchored(SIGNAL_NAME))
    ]
    """What happened: ``click``, ``play``, ``watch_minutes``, ``complete``, or your own name."""
    value: Annotated[float, Field(ge=-1e9, le=1e9)]
    signal_id: (
        Annotated[
            str, Field(min_length=1, max_length=SIGNAL_ID.max_length, pattern=anchored(SIGNAL_ID))
        ]
        | None
    ) = None
    """Your id for this signal: a retry with it is recorded once (another value: 409)."""


class SignalResponse(BaseModel):
    event_id: str
    name: str
    value: float
    late: bool
    """After the decision's window or its join: kept, never learned."""
    duplicate: bool


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


class DefinitionRequest(_Strict):
    """A reward definition: ``1 if watch_minutes >= 5 else 0`` over the signals that came
    within ``window_s`` of the decision."""

    expression: Annotated[str, Field(min_length=1, max_length=2_000)]
    window_s: Annotated[float, Field(gt=0, le=366 * 86400)]
    default: float = 0.0
    """The reward when none of the signals it reads came."""
    combine: Annotated[dict[str, str], Field(max_length=64)] = {}
    """Per signal: first, last, sum or max (the default) of its values."""
    range: Annotated[list[float], Field(min_length=2, max_length=2)] = [0.0, 1.0]
    """``[low, high]``: the expression's range, mapped onto a reward in [0, 1]."""


class DefinitionOut(BaseModel):
    name: str
    version: int
    """0 for the built-in ``reward``."""
    expression: str
    window_s: float | None
    """None for the built-in ``reward``: each decision's own window."""
    default: float
    combine: dict[str, str]
    range: tuple[float, float]
    active: bool
    """Whether choosers serve checkpoints learned for it."""
    created_at: datetime | None


class ActivateRequest(_Strict):
    force: bool = False
    """Activate before anything is learned for it (choosers serve their starting policy)."""


class TitleOut(BaseModel):
    title_id: str
    name: str
    mode: str
    """``online`` (the policy chooses) or ``apprentice``."""
    artworks: int
    active: int
    """Artworks served; the rest are retired."""


class TitlesPage(BaseModel):
    titles: list[TitleOut]
    next: str | None
    """Pass as ``after`` for the next page; null on the last one."""


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
    baseline_artwork_id: ArtworkId | None = None


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
        str, Field(min_length=1, max_length=KEY_NAME.max_length, pattern=anchored(KEY_NAME))
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
