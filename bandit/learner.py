"""The learner: joins matured decisions, feeds them to the policy in sequence order, and
checkpoints the model with its cursor in one transaction, so each event is learned exactly once.

1. load the head checkpoint (or start the configured policy fresh);
2. read the joined examples after its cursor, in order;
3. learn;
4. write the next checkpoint (model + cursor) with the head as its parent. The parent is
   UNIQUE, so of two racing learners one wins; the other reloads the new head and retries.
   A crash before the commit loses nothing: the next run replays the same batch from the
   same model.

Each reward definition is learned into a lineage of its own (``reward=NAME``; the built-in
``reward``, what reward() sends, by default): a checkpoint names the definition and version it
learned, and a decision's reward under a definition is made from the signals it received
before its join (later ones are flagged late and never learned, so the same log always learns
the same model).

A head checkpoint marked bad (``thumbnail-bandit checkpoints mark-bad N``) is not built on:
the next checkpoint still follows it in the chain (so the UNIQUE parent keeps racing learners
apart), but starts from the newest good model and its cursor. A head that is corrupt and not
marked is refused with `CorruptModel`, naming it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import storage
from bandit.context import Context
from bandit.errors import CorruptModel, InvalidContext
from bandit.join_beside import JoinBeside
from bandit.log_boundary import log_errors
from bandit.policies.base import Policy
from bandit.policies.registry import default_policy, restore_policy
from bandit.records import Arm, LearningExample
from bandit.reward_definition import rewards_under

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called with (examples learned so far, examples to learn in this run)."""


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


@dataclass(frozen=True, slots=True)
class _Start:
    policy: Policy
    parent: int
    """The head checkpoint's version: the parent of the next one."""
    cursor: int
    """The last sequence number the starting model has learned."""


class Learner:
    """Learn from the log into checkpoints.

    Args:
        log: a `storage.Log`, or the URL of an existing log.
        policy_factory: builds the policy to start from when the log has no checkpoint yet.
        batch_size: joined examples read per transaction.
        restart: ignore the models already in the log: the first checkpoint of this learner
            is ``policy_factory()`` trained on the whole joined log from the start.
        reward_window: for a trial, join decisions made at least this long ago even if
            their own window is longer (later rewards are kept, flagged late, not learned).
        reward: the reward definition to learn (`thumbnail-bandit rewards define`); its newest
            version when each round starts. Default: the built-in ``reward``.
        lineage: the checkpoint lineage to learn into; default the definition's own. An
            experiment's ``policy:`` arm learns into one of its own
            (`bandit.experiments.arms.lineage`).
        clock: time source for joining (tests inject one).
        after_learn: test hook, called after learning and before checkpointing.
    """

    def __init__(
        self,
        log: str | Path | storage.Log,
        policy_factory: Callable[[], Policy] = default_policy,
        *,
        batch_size: int = 5_000,
        max_retries: int = 5,
        restart: bool = False,
        reward_window: timedelta | None = None,
        reward: str = storage.BUILT_IN_REWARD,
        lineage: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        after_learn: Callable[[], None] | None = None,
    ) -> None:
        self.policy_factory = policy_factory
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.restart = restart
        self.reward_window = reward_window
        self.reward = reward
        self.lineage = lineage or reward
        self.clock = clock
        self.after_learn = after_learn
        self._resources = ExitStack()  # closes the log only if it opened it
        with log_errors():
            self._log = self._resources.enter_context(storage.using_log(log))
            self._definition = self._log.reward_definition(reward)  # UnknownDefinition early

    def join(self) -> int:
        """Join every matured decision; returns how many."""
        with log_errors():
            return self._log.join_matured(now=self.clock(), window=self.reward_window)

    def waiting(self) -> storage.Waiting:
        """Where the loop stands: decisions waiting for their window, the next to mature, and
        the rewards received."""
        with log_errors():
            return self._log.waiting()

    def head_policy(self) -> tuple[str, str] | None:
        """The (name, arguments) of the policy the head checkpoint holds; None if none."""
        with log_errors():
            head = self._log.head_checkpoint(self.lineage)
        return None if head is None else (head.policy, head.args)

    def _load(self, version: int) -> tuple[Policy, int]:
        hint = (
            f"mark it bad (`thumbnail-bandit checkpoints mark-bad {version} --db URL`) and the"
            " learner rebuilds from the good checkpoint before it"
        )
        try:
            checkpoint = self._log.checkpoint(version)
            return restore_policy(checkpoint.policy, checkpoint.args, checkpoint.model), (
                checkpoint.last_seq
            )
        except (storage.CorruptCheckpoint, CorruptModel) as exc:
            raise CorruptModel(f"will not build on checkpoint {version}: {exc}; {hint}") from exc

    def _start(self) -> _Start:
        # The head, and the newest good checkpoint when the head is marked bad: two short
        # reads, not the lineage's whole history before every batch.
        newest = self._log.checkpoints(reward=self.lineage, limit=1)
        if not newest:
            return _Start(self.policy_factory(), 0, 0)
        head = newest[0].version
        if self.restart:
            return _Start(self.policy_factory(), head, 0)
        if newest[0].bad_reason is not None:
            newest = self._log.checkpoints(reward=self.lineage, good_only=True, limit=1)
        good = newest[0].version if newest else None
        if good is None:
            return _Start(self.policy_factory(), head, 0)
        policy, cursor = self._load(good)
        return _Start(policy, head, cursor)

    def _read(self, joining: JoinBeside, after: int) -> storage.LearningRows:
        """The batch after ``after``: a full one, or what there is once the join is done, so
        the batches are the ones a learner that joined everything first would read."""
        joining.wait_for(after + self.batch_size)
        built_in = self._definition.name == storage.BUILT_IN_REWARD
        return self._log.learning_rows(after, self.batch_size, decided_at=not built_in)

    def _examples(
        self, rows: storage.LearningRows, after: int
    ) -> tuple[list[LearningExample], int, int]:
        if not rows:
            return [], 0, after
        rewards = (
            rows.rewards
            if self._definition.name == storage.BUILT_IN_REWARD
            else rewards_under(self._log, rows.event_ids, rows.decision_times(), self._definition)
        )
        lists = set(rows.candidate_ids)
        artworks = self._log.artworks_by_id({aid for ids in lists for aid in ids})
        examples, skipped = [], 0
        # Logs repeat contexts and candidate lists: each distinct one is validated and built
        # once per batch. The read gives rows with equal logged text one shared object, so
        # its id is the key (the rows keep every object alive, so no id is reused meanwhile).
        contexts: dict[int, Context] = {}
        candidates: dict[int, tuple[Arm, ...]] = {}
        for event_id, mapping, ids, shown, probability, reward in zip(
            rows.event_ids,
            rows.contexts,
            rows.candidate_ids,
            rows.artwork_ids,
            rows.probabilities,
            rewards,
            strict=True,
        ):
            context = contexts.get(id(mapping))
            if context is None:
                try:
                    context = contexts[id(mapping)] = Context.from_mapping(mapping)
                except InvalidContext as exc:
                    log.warning("event %s: not learned: %s", event_id, exc)
                    skipped += 1
                    continue
            arms = candidates.get(id(ids))
            if arms is None:
                arms = candidates[id(ids)] = tuple(Arm(aid, artworks[aid].features) for aid in ids)
            examples.append(LearningExample(context, arms, ids.index(shown), probability, reward))
        return examples, skipped, rows.seqs[-1]

    def run_once(self, progress: Progress | None = None) -> LearnReport:
        """Join, then learn everything joined so far into new checkpoints.

        Raises:
            CorruptModel: the head checkpoint does not verify or load (and is not marked bad).
            LogUnavailable: the log cannot be read or written.
        """
        with log_errors():
            return self._run_once(progress)

    def _run_once(self, progress: Progress | None) -> LearnReport:
        self._definition = self._log.reward_definition(self.reward)  # a new version counts
        with JoinBeside(self._log, self.clock(), self.reward_window) as joining:
            report = self._learn(joining, progress)
        return dataclasses.replace(report, joined=joining.joined)

    def _learn(self, joining: JoinBeside, progress: Progress | None) -> LearnReport:
        """Learn batch after batch while ``joining`` joins; its count goes in afterwards."""
        joined = learned = skipped = conflicts = 0
        first_cursor: int | None = None
        while True:
            start = self._start()
            if first_cursor is None:
                first_cursor = start.cursor
            rows = self._read(joining, start.cursor)
            total = max(0, self._log.last_joined_seq() - first_cursor)
            examples, skipped_now, last = self._examples(rows, start.cursor)
            if last == start.cursor and not (self.restart and start.parent):
                return LearnReport(joined, learned, skipped, start.parent, start.cursor, conflicts)
            start.policy.learn(examples)
            if self.after_learn is not None:
                self.after_learn()
            try:
                checkpoint = self._log.write_checkpoint(
                    parent_version=start.parent,
                    policy=start.policy.name,
                    args=start.policy.describe_args(),
                    model=start.policy.save(),
                    last_seq=last,
                    reward=self.lineage,
                    reward_version=self._definition.version or None,
                )
            except storage.CheckpointConflict:
                conflicts += 1
                if conflicts > self.max_retries:
                    raise
                continue  # another learner moved the head: start again from it
            self.restart = False  # the fresh model is in the log now; build on it
            learned += len(examples)
            skipped += skipped_now
            if progress is not None:
                progress(learned + skipped, total)
            if last == start.cursor:  # a restart over an empty log: one checkpoint, done
                return LearnReport(joined, learned, skipped, checkpoint.version, last, conflicts)

    def close(self) -> None:
        self._resources.close()

    def __enter__(self) -> Learner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
