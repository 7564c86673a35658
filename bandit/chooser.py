"""`ArtworkChooser`: choose artwork for a user, log the decision, take rewards.

>>> chooser = ArtworkChooser("log.sqlite")                           # doctest: +SKIP
>>> decision = chooser.choose("bigbuckbunny", {"segment": "kids", "device": "tv"})  # doctest: +SKIP
>>> chooser.reward(decision.event_id, 1.0)   # the user clicked      # doctest: +SKIP
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import storage
from bandit.context import Context
from bandit.decide import Request, decide
from bandit.errors import (
    BanditError,
    ConflictingRecord,
    InvalidContext,
    InvalidReward,
    InvalidSignal,
    NoActiveArtwork,
    UnknownTitle,
)
from bandit.experiments.routing import Route, Router
from bandit.log_boundary import log_errors
from bandit.policies.base import Policy
from bandit.policies.registry import default_policy, restore_policy
from bandit.records import Arm, ArtworkExplanation, Decision
from bandit.rows import PreparedRow, RowRequest, excluded_ids, logged_answers
from storage import EVENT_ID, TITLE_ID, UNIT_ID

#: What reward() and activate() return, re-exported so callers need not import storage.
RewardReceipt = storage.RewardReceipt
ActivationReceipt = storage.ActivationReceipt

Clock = Callable[[], datetime]

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ArtworkChooser:
    """Serves decisions from a policy and logs each one before returning it.

    Args:
        log: a `storage.Log`, or a URL (SQLite path or PostgreSQL URL) of an existing log.
        policy: the policy to serve until the learner writes a checkpoint; default
            `bandit.default_policy()`, a `SegmentMixPolicy`.
            When the log has checkpoints, the newest valid one of the log's active reward
            definition (`storage.Log.activate_reward`) is served instead.
        reward_window: how long a reward may take to arrive; later ones are kept, not learned.
        reload_every_s: how often to look for a newer checkpoint (0: on every call).
        clock: the time source (tests inject one).

    A checkpoint that does not verify or load is skipped: the chooser keeps serving the
    newest one that does (or ``policy``), and logs a warning once per refused version.

    The artwork is drawn from the pmf with randomness fixed by the event id and the log's
    secret salt (`storage.Log.sampling_salt`, made with the log). A retry with the same event
    id gets the same draw; whoever holds the log can reproduce any decision (its exploration
    record names the salt); no client can pick its draw by picking its event id.
    """

    def __init__(
        self,
        log: str | Path | storage.Log,
        policy: Policy | None = None,
        *,
        reward_window: timedelta = timedelta(minutes=30),
        reload_every_s: float = 5.0,
        clock: Clock = _utcnow,
    ) -> None:
        self.reward_window = reward_window
        self.reload_every_s = reload_every_s
        self.clock = clock
        self._resources = ExitStack()  # closes the log only if it opened it
        with log_errors():
            self._log = self._resources.enter_context(storage.using_log(log))
        self._writer = self._log.writer()
        self._resources.callback(self._writer.close)
        with log_errors():
            self._salt = self._log.sampling_salt()
        self._initial_policy: Policy = policy or default_policy()
        self.policy_: Policy = self._initial_policy
        self.checkpoint_version_ = 0
        self._seen_head: tuple[str, int] | None = None
        self.reward_ = storage.BUILT_IN_REWARD
        """The reward definition whose checkpoints are served."""
        self._refused: set[int] = set()
        self._router = Router(self._log)
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
        with log_errors():
            self._salt = self._log.sampling_salt()  # a rotation takes effect here too
            self._router.refresh()
            head = self._log.serving_head()
            if head == self._seen_head:
                return
            self._seen_head = head
            if head[0] != self.reward_:  # another definition was activated: its lineage now
                self.reward_ = head[0]
                self.policy_, self.checkpoint_version_ = self._initial_policy, 0
            self._serve_newest_valid()

    def _serve_newest_valid(self) -> None:
        # Only what is newer than the checkpoint served now: a lineage's history is long.
        newer = self._log.checkpoints(reward=self.reward_, newer_than=self.checkpoint_version_)
        for info in newer:
            if info.bad_reason is not None or info.version in self._refused:
                continue
            try:
                checkpoint = self._log.checkpoint(info.version)
                policy = restore_policy(checkpoint.policy, checkpoint.args, checkpoint.model)
            except (storage.CorruptCheckpoint, BanditError) as exc:
                self._refused.add(info.version)
                log.warning(
                    "checkpoint %d refused, serving %s instead: %s",
                    info.version,
                    self.policy_version,
                    exc,
                )
                continue
            self.policy_, self.checkpoint_version_ = policy, checkpoint.version
            return

    # --- serving ----------------------------------------------------------------------

    def choose(
        self,
        title_id: str,
        context: Context | Mapping[str, Any],
        *,
        event_id: str | None = None,
        excluded: Iterable[int] = (),
        defer_activation: bool = False,
        unit_id: str | None = None,
    ) -> Decision:
        """Choose one of the title's active artworks for this user. The decision, with its
        full pmf, is logged (one durable commit) before this returns.

        Args:
            event_id: the caller's id for this decision. Sent again with the same title and
                context (a retry), the logged decision is returned and nothing more is logged.
            excluded: artwork ids not to offer this time (already on screen, say).
            defer_activation: the artwork may not be shown (a row below the fold): the
                decision is logged but not learned from until `activate` is called.
            unit_id: the member or device, for online experiments: a title in a running
                experiment serves the unit's arm, the same arm every time (the id is hashed
                with the log's secret; only the hash is logged). Without it, each decision
                is assigned on its own.

        Raises:
            InvalidContext: a malformed context, title id, event id or excluded id.
            UnknownTitle / NoActiveArtwork: nothing to choose from.
            ConflictingRecord: ``event_id`` was already used for a different request.
            LogUnavailable: the log cannot be written; nothing was served.
        """
        return self.choose_many(
            [title_id],
            context,
            event_id=event_id,
            excluded=excluded,
            defer_activation=defer_activation,
            unit_id=unit_id,
        )[0]

    def choose_many(
        self,
        title_ids: Sequence[str],
        context: Context | Mapping[str, Any],
        *,
        event_id: str | None = None,
        excluded: Iterable[int] = (),
        defer_activation: bool = False,
        unit_id: str | None = None,
    ) -> list[Decision]:
        """`choose` for several titles at once (a row of a home page), logged in one commit:
        every decision or none. With several titles, title ``i``'s event id is
        ``f"{event_id}-{i}"``."""
        row = RowRequest(title_ids, context, event_id, excluded, defer_activation, unit_id)
        return self._serve(self._prepare(row))

    def choose_rows(self, rows: Sequence[RowRequest]) -> list[list[Decision] | BanditError]:
        """Several independent `choose_many` calls (concurrent requests, say), logged in one
        commit when all of them can be, so they wait for one durable write instead of one
        each. Each row's answer, or the error `choose_many` would have raised for it: a row
        that fails is not logged, and the others are then logged one by one, as they would
        have been without it."""
        outcomes: list[list[Decision] | BanditError | PreparedRow] = []
        for row in rows:
            try:
                outcomes.append(self._prepare(row))
            except BanditError as exc:
                outcomes.append(exc)
        ready = [o for o in outcomes if isinstance(o, PreparedRow)]
        if len(ready) > 1:
            try:
                with log_errors():
                    logged = self._writer.serve_many([r for p in ready for r in p.requests])
            except BanditError:
                pass  # which row failed, and how, is found by serving each on its own
            else:
                shared = iter(logged)
                answers = {id(p): p.answers([next(shared) for _ in p.requests]) for p in ready}
                outcomes = [answers.get(id(o), o) for o in outcomes]
            finally:
                for p in ready:
                    self._stop_unservable(p)
        served: list[list[Decision] | BanditError] = []
        for outcome in outcomes:
            if isinstance(outcome, PreparedRow):
                try:
                    served.append(self._serve(outcome))
                except BanditError as exc:
                    served.append(exc)
            else:
                served.append(outcome)
        return served

    def _prepare(self, row: RowRequest) -> PreparedRow:
        """Check a row and make its (title, decide) pairs; nothing is read or logged yet."""
        context = row.context
        ctx = context if isinstance(context, Context) else Context.from_mapping(context)
        title_ids = list(row.title_ids)
        if not title_ids:
            raise InvalidContext("name at least one title")
        for title_id in title_ids:
            TITLE_ID.check(title_id, InvalidContext)
        if len(set(title_ids)) != len(title_ids):
            raise InvalidContext(f"a title is named twice: {title_ids}")
        skip = excluded_ids(row.excluded)
        if row.unit_id is not None:
            UNIT_ID.check(row.unit_id, InvalidContext)
        event_id = uuid.uuid4().hex if row.event_id is None else row.event_id
        event_ids = (
            [event_id]
            if len(title_ids) == 1
            else [f"{event_id}-{i}" for i in range(len(title_ids))]
        )
        for eid in event_ids:
            EVENT_ID.check(eid, InvalidContext)
        self._reload()
        head = Route(self.policy_, self.policy_version)
        record: dict[str, Any] = {}
        if skip:
            record["excluded"] = sorted(skip)
        if row.defer_activation:
            record["deferred"] = True
        request = Request(
            ctx,
            ctx.as_json(),
            skip,
            record,
            row.defer_activation,
            self._salt,
            self.clock,
            self.reward_window,
        )
        prepared = PreparedRow(title_ids, event_ids, row.event_id is not None, request, [])

        def decider(title_id: str, eid: str) -> storage.Decide:
            route = self._router.route(title_id, head, row.unit_id, eid)

            def decide_title(title: storage.ServedTitle) -> storage.NewDecision:
                prepared.images.update((a.id, a) for a in title.artworks)
                return decide(request, route, title_id, eid, title, prepared.unservable)

            return decide_title

        prepared.requests = [(t, decider(t, e)) for t, e in zip(title_ids, event_ids, strict=True)]
        return prepared

    def _serve(self, row: PreparedRow) -> list[Decision]:
        """Log one prepared row in its own commit, and answer it."""
        try:
            with log_errors():
                logged = self._writer.serve_many(row.requests)
        except NoActiveArtwork as exc:
            raise self._nothing_to_choose(str(exc), bool(row.request.skip)) from None
        except ConflictingRecord:
            if not row.given:
                raise
            # A retry after the policy moved on: answer what was logged the first time.
            return logged_answers(self._log, row)
        finally:
            self._stop_unservable(row)
        return row.answers(logged)

    def _stop_unservable(self, row: PreparedRow) -> None:
        for route, why in row.unservable:
            assert route.assignment is not None and route.experiment is not None
            self._router.fail(route.experiment, route.assignment.arm, why)
        row.unservable.clear()

    def activate(self, event_id: str) -> ActivationReceipt:
        """Say that a decision ranked with ``defer_activation`` was shown, so that it is
        learned from. Idempotent.

        Raises:
            InvalidContext: a malformed event id.
            UnknownEvent: no decision has this event id.
            ActivationClosed: its reward window has closed; it will never be learned from.
            LogUnavailable: the log cannot be written.
        """
        with log_errors():
            return self._log.activate(event_id, now=self.clock())

    def _nothing_to_choose(self, title_id: str, excluding: bool = False) -> Exception:
        with log_errors():
            known = self._log.title_exists(title_id)
        if not known:
            return UnknownTitle(f"title {title_id!r} is not registered; register it first")
        if excluding:
            return NoActiveArtwork(
                f"title {title_id!r} has no active artwork left to choose from once the"
                " excluded ones are taken out"
            )
        return NoActiveArtwork(f"title {title_id!r} has no active artwork to choose from")

    def reward(self, event_id: str, value: float) -> RewardReceipt:
        """Record the reward for a decision: click = 1, no click = 0 (or anything in [0, 1]).

        Idempotent: the same reward sent again changes nothing.

        Raises:
            InvalidReward: a value outside [0, 1] or not a number, or a malformed event id.
            UnknownEvent: no decision has this event id.
            ConflictingRecord: a different reward was already recorded for it.
            LogUnavailable: the log cannot be written.
        """
        with log_errors(bad_input=InvalidReward):
            return self._log.record_reward(event_id, value, now=self.clock())

    def signal(
        self, event_id: str, name: str, value: float, *, signal_id: str | None = None
    ) -> storage.SignalReceipt:
        """Record what the member did (``click``, ``watch_minutes``, ...), as it arrives, up
        to `storage.MAX_SIGNALS_PER_EVENT` per decision; a retry with ``signal_id`` is kept
        once. ``reward`` is `reward`. Raises InvalidSignal, UnknownEvent, NotActivated,
        ConflictingRecord (that signal_id had another value) or LogUnavailable."""
        with log_errors(bad_input=InvalidSignal):
            return self._log.record_signal(
                event_id, name, value, signal_id=signal_id, now=self.clock()
            )

    def explain(
        self, title_id: str, context: Context | Mapping[str, Any], top: int = 5
    ) -> list[ArtworkExplanation]:
        """Each active artwork's probability and score for this context, with the features
        that contributed most, as the serving policy explains them (`Policy.explain`: VW's
        audit for VW and the default; probabilities alone for the baselines). Nothing is
        logged."""
        ctx = context if isinstance(context, Context) else Context.from_mapping(context)
        TITLE_ID.check(title_id, InvalidContext)
        self._reload()
        with log_errors():
            artworks = self._writer.active_artworks(title_id)
        if not artworks:
            raise self._nothing_to_choose(title_id)
        return self.policy_.explain(ctx, [Arm(a.id, a.features) for a in artworks], top)

    def close(self) -> None:
        self._resources.close()

    def __enter__(self) -> ArtworkChooser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
