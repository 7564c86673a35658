"""The learner: joins matured decisions, feeds them to the policy in sequence order, and
checkpoints the model with its cursor in one transaction, so each event is learned exactly once.

1. load the head checkpoint (or start the configured policy fresh);
2. read the joined examples after its cursor, in order;
3. learn;
4. write the next checkpoint (model + cursor) with the head as its parent. The parent is
   UNIQUE, so of two racing learners one wins; the other reloads the new head and retries.
   A crash before the commit loses nothing: the next run replays the same batch from the
   same model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

import storage
from bandit.context import Context
from bandit.errors import InvalidContext
from bandit.policies.base import Policy
from bandit.policies.registry import restore_policy
from bandit.policies.vw import VWPolicy
from bandit.records import Arm, LearningExample

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LearnReport:
    joined: int
    """Decisions that matured and were joined in this round."""
    learned: int
    """Examples the policy learned from."""
    skipped: int
    """Examples that could not be learned (a context that no longer validates); counted, logged."""
    version: int
    """The head checkpoint after this round."""
    last_seq: int
    conflicts: int
    """Times another learner won the race and this one retried."""


class Learner:
    """Learn from the log into checkpoints.

    Args:
        log: database URL or engine.
        policy_factory: builds the policy to start from when the log has no checkpoint yet.
        batch_size: joined examples read per transaction.
        clock: time source for joining (tests inject one).
        after_learn: test hook, called after learning and before checkpointing.
    """

    def __init__(
        self,
        log: str | Engine,
        policy_factory: Callable[[], Policy] = VWPolicy,
        *,
        batch_size: int = 5_000,
        max_retries: int = 5,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        after_learn: Callable[[], None] | None = None,
    ) -> None:
        self.policy_factory = policy_factory
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.clock = clock
        self.after_learn = after_learn
        self._resources = ExitStack()  # disposes the engine only if it opened it
        self._engine = self._resources.enter_context(storage.using_log(log))
        self._sessions = storage.session_factory(self._engine)

    def join(self) -> int:
        """Join every matured decision; returns how many."""
        total = 0
        while True:
            with self._sessions.begin() as session:
                joined = storage.join_matured(session, now=self.clock())
            total += joined
            if joined < storage.join.JOIN_BATCH:
                return total

    def _head(self) -> tuple[Policy, int, int]:
        with self._sessions() as session:
            checkpoint = storage.head_checkpoint(session)
        if checkpoint is None:
            return self.policy_factory(), 0, 0
        policy = restore_policy(checkpoint.policy, checkpoint.args, checkpoint.model)
        return policy, checkpoint.version, checkpoint.last_seq

    def _examples(self, after: int) -> tuple[list[LearningExample], int, int]:
        with self._sessions() as session:
            rows = storage.read_joined(session, after, limit=self.batch_size)
            artworks = storage.artworks_by_id(
                session, {aid for row in rows for aid in row.candidate_ids}
            )
        examples, skipped = [], 0
        for row in rows:
            try:
                context = Context.from_mapping(row.context)
            except InvalidContext as exc:
                log.warning("event %s: not learned: %s", row.event_id, exc)
                skipped += 1
                continue
            arms = tuple(Arm(aid, artworks[aid].features) for aid in row.candidate_ids)
            examples.append(
                LearningExample(context, arms, row.chosen_index, row.probability, row.reward)
            )
        return examples, skipped, (rows[-1].seq if rows else after)

    def run_once(self) -> LearnReport:
        """Join, then learn everything joined so far into new checkpoints."""
        joined = self.join()
        learned = skipped = conflicts = 0
        while True:
            policy, version, cursor = self._head()
            examples, skipped_now, last = self._examples(cursor)
            if last == cursor:
                return LearnReport(joined, learned, skipped, version, cursor, conflicts)
            policy.learn(examples)
            if self.after_learn is not None:
                self.after_learn()
            try:
                with self._sessions.begin() as session:
                    storage.write_checkpoint(
                        session,
                        parent_version=version,
                        policy=policy.name,
                        args=policy.describe_args(),
                        model=policy.save(),
                        last_seq=last,
                    )
            except storage.CheckpointConflict:
                conflicts += 1
                if conflicts > self.max_retries:
                    raise
                continue  # another learner moved the head: start again from it
            learned += len(examples)
            skipped += skipped_now

    def close(self) -> None:
        self._resources.close()
