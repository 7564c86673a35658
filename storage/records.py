"""Plain records that go in and out of the log. Frozen, validated on construction, no SQL."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.errors import InvalidDecision, InvalidReward
from storage.experiment_records import Assignment
from storage.ids import EVENT_ID, TITLE_ID, IdRule

#: How far a pmf may drift from summing to 1 (float32 arithmetic inside VW rounds at ~1e-7).
PMF_TOLERANCE = 1e-4


def check_text(
    what: str, value: object, max_length: int, error: type[Exception] = InvalidDecision
) -> str:
    """``value`` if it is a short id-like string (`storage.ids.IdRule` without a pattern),
    else raise ``error``."""
    return IdRule(what, max_length).check(value, error)


def _check_storable(what: str, text: str, error: type[Exception]) -> None:
    if "\x00" in text:
        raise error(f"{what} contains a NUL character, which PostgreSQL cannot store")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{what} is not valid Unicode (a lone surrogate)") from None


def check_reward(value: float) -> float:
    """Return ``value`` as a float if it is a finite number in [0, 1], else raise InvalidReward."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidReward(f"reward must be a number in [0, 1], got {value!r}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond float range, e.g. 10**400
        raise InvalidReward(f"reward must be in [0, 1] (click = 1), got {value!r}") from None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise InvalidReward(f"reward must be in [0, 1] (click = 1), got {value!r}")
    return value


def _to_json(what: str, value: object) -> str:
    try:
        text = json.dumps(value, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise InvalidDecision(f"{what} is not JSON-serialisable: {exc}") from exc
    _check_storable(what, text, InvalidDecision)
    if "\\u0000" in text:  # how json.dumps writes a NUL inside a string
        raise InvalidDecision(f"{what} contains a NUL character, which PostgreSQL cannot store")
    return text


def _is_sha256(text: object) -> bool:
    return isinstance(text, str) and len(text) == 64 and all(c in "0123456789abcdef" for c in text)


@dataclass(frozen=True, slots=True)
class NewArtwork:
    """One candidate image to register under a title."""

    image_path: str
    """Where the image lives (a path or URL); unique within its title."""
    timestamp_s: float | None = None
    """Time of the source frame in the video, in seconds."""
    frame_index: int | None = None
    """Index of the source frame in the video."""
    features: Mapping[str, float] = field(default_factory=dict)
    """Named numeric features (the bandit's action features)."""
    content_sha256: str | None = None
    """sha256 of the image's bytes: the artwork's identity within its title. Registering the
    same picture again, from any path, updates that artwork instead of adding another."""

    def __post_init__(self) -> None:
        if not self.image_path:
            raise InvalidDecision("artwork image_path must not be empty")
        if self.content_sha256 is not None and not _is_sha256(self.content_sha256):
            raise InvalidDecision(f"content_sha256 must be 64 hex digits: {self.content_sha256!r}")
        for name, value in self.features.items():
            if not isinstance(name, str) or not isinstance(value, (int, float)):
                raise InvalidDecision(f"artwork feature {name!r}={value!r}: need str -> number")
            if not math.isfinite(float(value)):
                raise InvalidDecision(f"artwork feature {name!r} is not finite: {value!r}")


@dataclass(frozen=True, slots=True)
class Artwork:
    """A registered artwork as read back from the log."""

    id: int
    title_id: str
    image_path: str
    timestamp_s: float | None
    frame_index: int | None
    features: Mapping[str, float]
    status: str
    """``active`` or ``retired``; only active artworks are served."""
    content_sha256: str | None = None
    """sha256 of the image's bytes, when it was registered with one."""


@dataclass(frozen=True, slots=True)
class NewDecision:
    """One served decision, exactly as the policy made it. Validated so the log stays evaluable."""

    event_id: str
    """Client-safe unique id; the primary key, so a retried write is idempotent."""
    title_id: str
    context: Mapping[str, Any]
    """The user context, as JSON."""
    candidate_ids: tuple[int, ...]
    """Artwork ids offered, in the order the pmf refers to; shape (n_candidates,)."""
    pmf: tuple[float, ...]
    """Probability of each candidate; shape (n_candidates,), sums to 1."""
    artwork_id: int
    """The chosen artwork, one of ``candidate_ids``."""
    probability: float
    """The chosen artwork's probability (its propensity), equal to its pmf entry."""
    policy_version: str
    exploration: Mapping[str, Any]
    """Exploration settings in force, for the record (e.g. {"kind": "epsilon", "epsilon": 0.05})."""
    created_at: datetime
    reward_deadline: datetime
    """After this instant the decision is joined with whatever reward came (or 0)."""
    activated: bool = True
    """False for a deferred decision: ranked but not (yet) shown, so never learned from until
    it is activated before ``reward_deadline``."""
    policy_pmf: tuple[float, ...] | None = None
    """Apprentice mode: the policy's own pmf over ``candidate_ids``; shape (n_candidates,).
    ``pmf`` is then the baseline's (1 on the artwork served)."""
    assignment: Assignment | None = None
    """The experiment arm that served it, if any."""
    context_json: str = field(init=False, repr=False, compare=False)
    """``context`` serialised once, when validated, and written as is."""
    exploration_json: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        EVENT_ID.check(self.event_id, InvalidDecision)
        TITLE_ID.check(self.title_id, InvalidDecision, f"{self.event_id}: title id")
        check_text(f"{self.event_id}: policy_version", self.policy_version, 100)
        n = len(self.candidate_ids)
        if n == 0:
            raise InvalidDecision(f"{self.event_id}: a decision needs at least one candidate")
        if len(self.pmf) != n:
            raise InvalidDecision(f"{self.event_id}: pmf has {len(self.pmf)} entries for {n}")
        if len(set(self.candidate_ids)) != n:
            raise InvalidDecision(f"{self.event_id}: candidate ids repeat: {self.candidate_ids}")
        if any(not math.isfinite(p) or p < 0.0 or p > 1.0 for p in self.pmf):
            raise InvalidDecision(f"{self.event_id}: pmf entries must be in [0, 1]: {self.pmf}")
        if abs(math.fsum(self.pmf) - 1.0) > PMF_TOLERANCE:
            raise InvalidDecision(f"{self.event_id}: pmf sums to {math.fsum(self.pmf)!r}, not 1")
        if self.artwork_id not in self.candidate_ids:
            raise InvalidDecision(
                f"{self.event_id}: chosen artwork {self.artwork_id} is not among the candidates"
            )
        chosen_p = self.pmf[self.candidate_ids.index(self.artwork_id)]
        if not 0.0 < self.probability <= 1.0 or abs(chosen_p - self.probability) > PMF_TOLERANCE:
            raise InvalidDecision(
                f"{self.event_id}: probability {self.probability} does not match its pmf entry"
                f" {chosen_p} (a chosen artwork must have had a chance)"
            )
        if self.policy_pmf is not None and (
            len(self.policy_pmf) != n or abs(math.fsum(self.policy_pmf) - 1.0) > PMF_TOLERANCE
        ):
            raise InvalidDecision(f"{self.event_id}: policy_pmf is not a pmf over the candidates")
        if self.reward_deadline < self.created_at:
            raise InvalidDecision(f"{self.event_id}: reward_deadline is before created_at")
        if self.created_at.tzinfo is None or self.reward_deadline.tzinfo is None:
            raise InvalidDecision(f"{self.event_id}: created_at and reward_deadline need a tz")
        context_json = _to_json(f"{self.event_id}: context", self.context)
        object.__setattr__(self, "context_json", context_json)
        exploration_json = _to_json(f"{self.event_id}: exploration", self.exploration)
        object.__setattr__(self, "exploration_json", exploration_json)


def same_json(a: object, b: object) -> bool:
    """Equal as JSON documents, types included: ``1``, ``1.0`` and ``true`` are three values
    (Python's ``1 == True == 1.0`` would make them one)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def same_decision(
    d: NewDecision,
    title_id: str,
    artwork_id: int,
    candidate_ids: Sequence[int],
    pmf: Sequence[float],
    policy_version: str,
    context: Mapping[str, Any],
) -> bool:
    """Whether a stored decision is ``d`` again (a retry), not another decision reusing its id
    (for another title, another user's context, or with another outcome)."""
    return (
        title_id == d.title_id
        and same_json(context, json.loads(d.context_json))
        and artwork_id == d.artwork_id
        and list(candidate_ids) == list(d.candidate_ids)
        and policy_version == d.policy_version
        and len(pmf) == len(d.pmf)
        and all(math.isclose(a, b, abs_tol=1e-12) for a, b in zip(pmf, d.pmf, strict=True))
    )


@dataclass(frozen=True, slots=True)
class RewardReceipt:
    """What happened to a reward that was sent."""

    event_id: str
    value: float
    late: bool
    """True when it came after the reward window: kept, never learned."""
    duplicate: bool
    """True when the same reward had already been recorded (the call changed nothing)."""


@dataclass(frozen=True, slots=True)
class JoinedExample:
    """A decision whose reward window has closed, with its reward; read in ``seq`` order."""

    seq: int
    """Strictly increasing, gap-free join sequence number."""
    event_id: str
    title_id: str
    context: Mapping[str, Any]
    candidate_ids: tuple[int, ...]
    pmf: tuple[float, ...]
    artwork_id: int
    probability: float
    policy_version: str
    created_at: datetime
    reward: float
    """The reward that came within the window, or 0 (no click) if none did."""
    rewarded: bool
    """False when ``reward`` is the default."""

    @property
    def chosen_index(self) -> int:
        """Position of the chosen artwork in ``candidate_ids``."""
        return self.candidate_ids.index(self.artwork_id)


@dataclass(frozen=True, slots=True)
class LoggedDecision:
    """A decision as read back from the log."""

    event_id: str
    title_id: str
    context: Mapping[str, Any]
    candidate_ids: tuple[int, ...]
    pmf: tuple[float, ...]
    artwork_id: int
    probability: float
    policy_version: str
    created_at: datetime
    reward_deadline: datetime
    activated: bool = True
    """False while a deferred decision waits for activation."""
    policy_pmf: tuple[float, ...] | None = None
    """Apprentice mode: what the policy itself would have chosen with."""
    exploration: Mapping[str, Any] = field(default_factory=dict)
    """The exploration settings logged with it; ``salt`` names the sampling salt's id."""
    assignment: Assignment | None = None
    """The experiment arm that served it, if any."""


@dataclass(frozen=True, slots=True)
class ActivationReceipt:
    """What happened to an activation that was sent."""

    event_id: str
    duplicate: bool
    """True when the decision was already activated (the call changed nothing)."""


@dataclass(frozen=True, slots=True)
class TitleMode:
    """How a title is served: by its policy, or in apprentice mode behind a baseline."""

    title_id: str
    mode: str
    """``online`` or ``apprentice``."""
    baseline_artwork_id: int | None
    """The editorial default; required in apprentice mode."""


@dataclass(frozen=True, slots=True)
class ApprenticeSummary:
    """How an apprentice policy compares with the baseline it is learning behind."""

    title_id: str
    decisions: int
    """Apprentice decisions counted (the newest, at most the query's limit)."""
    policy_agreed: float
    """Share of them where the policy's most likely artwork was the baseline."""
    policy_baseline_probability: float
    """Mean probability the policy gave the baseline."""
    rewarded: int
    """How many of them have a reward in time."""
    baseline_reward: float | None
    """Mean reward of the baseline over the activated ones whose window has closed (no reward
    = 0); None while none has."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as listed: never its secret."""

    key_id: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class TitleSummary:
    """A title as listed: its id, name, how it is served, and its artworks."""

    title_id: str
    name: str
    mode: str
    artworks: int
    active: int
    """Artworks served; the rest are retired."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """Where the learning loop stands (`Log.waiting`)."""

    decisions: int
    """Every decision the log holds."""
    waiting: int
    """Decisions not joined yet: their reward window is open, or they await activation."""
    unactivated: int
    """Of those, deferred decisions never activated (never joined unless activated)."""
    next_deadline: datetime | None
    """When the earliest waiting decision's window closes (None: none waits)."""
    rewards: int
    """Rewards received, in time or late."""
    late_rewards: int
    """Rewards that came after their window or their join: kept, never learned."""


@dataclass(frozen=True, slots=True)
class SamplingSalt:
    """A secret mixed into the sampling draw (`storage.salts`). Never printed."""

    id: int
    """Logged with each decision drawn with it (its exploration record's ``salt``)."""
    secret: str = field(repr=False)
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReplaySums:
    """The sums behind IPS and SNIPS for one target, computed by the database.

    With w = target probability / logged propensity of the logged artwork, and r the reward.
    """

    n: int
    sum_wr: float
    sum_w: float
    sum_ww: float
    sum_wr2: float


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A learner checkpoint: the model and the cursor it has learned up to."""

    version: int
    parent_version: int
    """The previous checkpoint of its lineage, 0 for the first; UNIQUE within the lineage, so
    two learners cannot both extend one parent."""
    policy: str
    """Which policy class wrote the model (e.g. ``vw``)."""
    args: str
    """The policy's arguments (for VW, the command line it was built with)."""
    model: bytes
    sha256: str
    last_seq: int
    """The last join sequence number this model has learned; resume after it."""
    created_at: datetime
    bad_reason: str | None = None
    """Why the checkpoint was marked bad; None for a good one. A bad one is never served."""
    reward: str = "reward"
    """The reward definition its lineage optimises (``reward``: what reward() sends)."""
    reward_version: int | None = None
    """That definition's version when it learned (None for the built-in ``reward``)."""
