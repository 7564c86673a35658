"""The half of `storage.Log` that takes what members did after a decision: its reward, its
signals, the reward definitions that turn signals into rewards, and which definition the
choosers serve."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.orm import Session

from storage import checkpoints, log_settings, reward_definitions, rewards, signals
from storage.errors import CheckpointNotFound, UnknownDefinition
from storage.queries import reward_for_event
from storage.records import RewardReceipt
from storage.reward_definitions import BUILT_IN_REWARD, RewardDefinition
from storage.signals import Signal, SignalReceipt

#: The log setting that names the definition choosers serve.
ACTIVE_REWARD = "active_reward"


class FeedbackMethods:
    """Rewards, signals and reward definitions; mixed into `storage.Log`."""

    def session(self) -> Session:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def reward(self, event_id: str) -> RewardReceipt | None:
        """The reward recorded for a decision, or None while it has none."""
        with self.session() as s:
            return reward_for_event(s, event_id)

    def record_reward(
        self, event_id: str, value: float, *, now: datetime | None = None
    ) -> RewardReceipt:
        """Store a reward (click = 1), idempotently; see `storage.record_reward`."""
        with self.transaction() as s:
            return rewards.record_reward(s, event_id, value, now=now)

    def record_signal(
        self,
        event_id: str,
        name: str,
        value: float,
        *,
        signal_id: str | None = None,
        now: datetime | None = None,
    ) -> SignalReceipt:
        """Append a named signal (click, play, watch_minutes, ...) to a decision.

        The signal ``reward`` is the reward: it is recorded as `record_reward` records it
        (one per decision, in [0, 1]; ``signal_id`` plays no part)."""
        if name == BUILT_IN_REWARD:
            got = self.record_reward(event_id, value, now=now)
            return SignalReceipt(event_id, name, got.value, got.late, got.duplicate)
        with self.transaction() as s:
            return signals.record_signal(s, event_id, name, value, signal_id=signal_id, now=now)

    def define_reward(self, definition: RewardDefinition) -> RewardDefinition:
        """Store a reward definition as its name's next version (idempotent)."""
        with self.transaction() as s:
            return reward_definitions.define(s, definition)

    def reward_definition(self, name: str, version: int | None = None) -> RewardDefinition:
        """The newest version of a definition (or that version); ``reward`` is the built-in
        one. Raises UnknownDefinition."""
        if name == BUILT_IN_REWARD and version in (None, 0):
            return reward_definitions.BUILT_IN
        with self.session() as s:
            found = reward_definitions.latest(s, name, version)
        if found is None:
            which = name if version is None else f"{name} version {version}"
            raise UnknownDefinition(
                f"no reward definition {which!r}; `thumbnail-bandit rewards list` shows them"
            )
        return found

    def reward_definitions(self) -> list[RewardDefinition]:
        """The built-in ``reward``, then the newest version of every defined one by name."""
        with self.session() as s:
            return [reward_definitions.BUILT_IN, *reward_definitions.every_latest(s)]

    def signals_for(self, event_ids: Sequence[str]) -> dict[str, list[Signal]]:
        """Every signal of these decisions (their rewards as the signal ``reward``), by event
        id, in arrival order."""
        with self.session() as s:
            return reward_definitions.signals_for(s, event_ids)

    def signals(self, event_id: str) -> list[Signal]:
        """A decision's signals (its reward as the signal ``reward``), in arrival order."""
        return self.signals_for([event_id]).get(event_id, [])

    def active_reward(self) -> str:
        """The definition whose checkpoints choosers serve (``reward`` until one is activated)."""
        with self.session() as s:
            return log_settings.get(s, ACTIVE_REWARD) or BUILT_IN_REWARD

    def activate_reward(self, name: str, *, force: bool = False) -> RewardDefinition:
        """Make ``name`` the definition choosers serve, from their next reload. Unless
        ``force``, its lineage needs a checkpoint first (or choosers would fall back to their
        starting policy).

        Raises:
            UnknownDefinition: never defined.
            CheckpointNotFound: nothing learned for it yet.
        """
        found = self.reward_definition(name)
        with self.transaction() as s:
            if not force and name != BUILT_IN_REWARD and not checkpoints.head_version(s, name):
                raise CheckpointNotFound(
                    f"nothing is learned for {name!r} yet: run `thumbnail-bandit learn --reward"
                    f" {name}` first (or activate with --force, and choosers serve their"
                    " starting policy until its first checkpoint)"
                )
            log_settings.put(s, ACTIVE_REWARD, name)
        return found
