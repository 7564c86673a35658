"""`ArtworkChooser`: choose artwork for a user, log the decision, take rewards.

>>> chooser = ArtworkChooser("sqlite:///log.sqlite")                 # doctest: +SKIP
>>> decision = chooser.choose("bigbuckbunny", {"segment": "kids", "device": "tv"})  # doctest: +SKIP
>>> chooser.reward(decision.event_id, 1.0)   # the user clicked      # doctest: +SKIP
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

import storage
from bandit.context import Context
from bandit.errors import InvalidContext, LogUnavailable, NoActiveArtwork, UnknownTitle
from bandit.explain import ArtworkExplanation, explain_vw
from bandit.policies.base import Policy
from bandit.policies.registry import restore_policy
from bandit.policies.vw import VWPolicy
from bandit.records import Arm, Decision
from bandit.sampling import sample_index

# What reward() raises and returns, re-exported by the bandit package so callers need not
# import storage themselves.
ConflictingRecord = storage.ConflictingRecord
InvalidReward = storage.InvalidReward
RewardReceipt = storage.RewardReceipt
UnknownEvent = storage.UnknownEvent

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ArtworkChooser:
    """Serves decisions from a policy and logs each one before returning it.

    Args:
        log: a database URL (SQLite path or PostgreSQL URL) or an engine from
            `storage.open_log`.
        policy: the policy to serve until the learner writes a checkpoint; default `VWPolicy()`.
            When the log has checkpoints, the newest one is served instead.
        reward_window: how long a reward may take to arrive; later ones are kept, not learned.
        salt: mixed into each event id's sampling seed (keep it secret to make choices
            unpredictable to clients; keep it fixed to make them reproducible).
        reload_every_s: how often to look for a newer checkpoint (0: on every call).
        clock: the time source (tests inject one).
    """

    def __init__(
        self,
        log: str | Engine,
        policy: Policy | None = None,
        *,
        reward_window: timedelta = timedelta(minutes=30),
        salt: str = "",
        reload_every_s: float = 5.0,
        clock: Clock = _utcnow,
    ) -> None:
        self.reward_window = reward_window
        self.salt = salt
        self.reload_every_s = reload_every_s
        self.clock = clock
        self._resources = ExitStack()  # disposes the engine only if it opened it
        self._engine = self._resources.enter_context(storage.using_log(log))
        self._sessions = storage.session_factory(self._engine)
        self._writer = storage.DecisionWriter(self._engine)
        self.policy_: Policy = policy or VWPolicy()
        self.checkpoint_version_ = 0
        self._checked_at = float("-inf")
        self._reload(force=True)

    # --- checkpoints ------------------------------------------------------------------

    @property
    def policy_version(self) -> str:
        return f"{self.policy_.name}:{self.checkpoint_version_}"

    def _reload(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_at < self.reload_every_s:
            return
        self._checked_at = now
        try:
            with self._sessions() as session:
                head = storage.head_version(session)
                if head == self.checkpoint_version_:
                    return
                checkpoint = storage.head_checkpoint(session)
        except storage.DatabaseUnavailable as exc:
            raise LogUnavailable(str(exc)) from exc
        except storage.StorageError:
            raise
        except Exception as exc:
            raise LogUnavailable(f"the log could not be read: {exc}") from exc
        if checkpoint is not None:
            self.policy_ = restore_policy(checkpoint.policy, checkpoint.args, checkpoint.model)
            self.checkpoint_version_ = checkpoint.version

    # --- serving ----------------------------------------------------------------------

    def choose(
        self,
        title_id: str,
        context: Context | Mapping[str, Any],
        *,
        event_id: str | None = None,
    ) -> Decision:
        """Choose one of the title's active artworks for this user. The decision, with its
        full pmf, is logged (one durable commit) before this returns.

        Raises:
            InvalidContext: the context is malformed (non-string keys, huge values, ...).
            UnknownTitle / NoActiveArtwork: nothing to choose from.
            LogUnavailable: the log cannot be written; nothing was served.
        """
        ctx = context if isinstance(context, Context) else Context.from_mapping(context)
        if event_id is None:
            event_id = uuid.uuid4().hex
        elif not isinstance(event_id, str) or not 0 < len(event_id) <= 64:
            raise InvalidContext(f"event_id must be a string of 1-64 characters: {event_id!r}")
        self._reload()
        policy, version = self.policy_, self.policy_version
        logged_context = ctx.as_json()

        def decide(artworks: list[storage.Artwork]) -> storage.NewDecision:
            if not artworks:
                raise NoActiveArtwork(title_id)  # which error exactly is found after rollback
            arms = [Arm(a.id, a.features) for a in artworks]
            pmf = [1.0] if len(arms) == 1 else policy.probabilities(ctx, arms).tolist()
            index = sample_index(pmf, event_id, self.salt)
            now = self.clock()
            return storage.NewDecision(
                event_id=event_id,
                title_id=title_id,
                context=logged_context,
                candidate_ids=tuple(a.id for a in arms),
                pmf=tuple(pmf),
                artwork_id=arms[index].id,
                probability=pmf[index],
                policy_version=version,
                exploration=dict(policy.exploration),
                created_at=now,
                reward_deadline=now + self.reward_window,
            )

        try:
            logged = self._writer.serve(title_id, decide)
        except NoActiveArtwork:
            raise self._nothing_to_choose(title_id) from None
        except storage.DatabaseUnavailable as exc:
            raise LogUnavailable(f"decision not served: {exc}") from exc
        return Decision(
            event_id=logged.event_id,
            title_id=title_id,
            artwork_id=logged.artwork_id,
            probability=logged.probability,
            pmf=logged.pmf,
            candidate_ids=logged.candidate_ids,
            policy_version=logged.policy_version,
        )

    def _nothing_to_choose(self, title_id: str) -> Exception:
        with self._sessions() as session:
            known = storage.title_exists(session, title_id)
        if not known:
            return UnknownTitle(f"title {title_id!r} is not registered; register it first")
        return NoActiveArtwork(f"title {title_id!r} has no active artwork to choose from")

    def reward(self, event_id: str, value: float) -> RewardReceipt:
        """Record the reward for a decision: click = 1, no click = 0 (or anything in [0, 1]).

        Idempotent: the same reward sent again changes nothing.

        Raises:
            InvalidReward, UnknownEvent, ConflictingRecord.
            LogUnavailable: the log cannot be written.
        """
        try:
            with self._sessions.begin() as session:
                return storage.record_reward(session, event_id, value, now=self.clock())
        except storage.StorageError:
            raise
        except Exception as exc:
            raise LogUnavailable(f"reward not recorded: {exc}") from exc

    def explain(
        self, title_id: str, context: Context | Mapping[str, Any], top: int = 5
    ) -> list[ArtworkExplanation]:
        """Each active artwork's probability and score for this context, with the features
        that contributed most, from VW's audit. Nothing is logged."""
        ctx = context if isinstance(context, Context) else Context.from_mapping(context)
        self._reload()
        artworks = self._writer.active_artworks(title_id)
        if not artworks:
            raise self._nothing_to_choose(title_id)
        arms = [Arm(a.id, a.features) for a in artworks]
        if isinstance(self.policy_, VWPolicy):
            return explain_vw(self.policy_, ctx, arms, top)
        pmf = self.policy_.probabilities(ctx, arms)
        return [
            ArtworkExplanation(arm.id, float(p), float(p), ())
            for arm, p in zip(arms, pmf, strict=True)
        ]

    def close(self) -> None:
        self._writer.close()
        self._resources.close()

    def __enter__(self) -> ArtworkChooser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
