"""`Log`: the one face of a decision log. ``with open_log(url) as log:`` is the way in.

A `Log` owns the engine (and with it the mapping of driver errors to `storage` errors), the
single way decisions are written (`DecisionWriter`), and typed queries that return records.
Callers outside `storage` need neither its ORM models nor SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage import activation, apprentice, catalog, checkpoints, join, keys, log_settings, salts
from storage.engine import READ_ONLY
from storage.experiment_log import ExperimentMethods
from storage.feedback_log import ACTIVE_REWARD, FeedbackMethods
from storage.learning_rows import LearningRows, learning_rows
from storage.queries import (
    JoinedFilter,
    decision_for_event,
    joined_examples,
    replay_sums,
)
from storage.records import (
    ActivationReceipt,
    ApiKey,
    ApprenticeSummary,
    Artwork,
    Checkpoint,
    JoinedExample,
    LoggedDecision,
    NewArtwork,
    NewDecision,
    ReplaySums,
    SamplingSalt,
    TitleMode,
    TitleSummary,
    Waiting,
)
from storage.reward_definitions import BUILT_IN_REWARD
from storage.writer import DecisionWriter


@dataclass(frozen=True, slots=True)
class CheckpointInfo:
    """A checkpoint's version, whether it was marked bad, its cursor and its lineage (no
    model bytes)."""

    version: int
    bad_reason: str | None
    last_seq: int
    """The last join sequence number it learned."""
    reward: str = BUILT_IN_REWARD
    """The reward definition its lineage optimises."""


class Log(FeedbackMethods, ExperimentMethods):
    """An open decision log. Made by `open_log`; close it (or use ``with``) when done.

    >>> import tempfile, pathlib
    >>> from storage import open_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.sqlite"
    >>> with open_log(path, create=True) as log:
    ...     [a.id for a in log.register("bunny", [NewArtwork("a.jpg"), NewArtwork("b.jpg")])]
    [1, 2]
    """

    def __init__(self, engine: Engine, url: str, checkpoint_key: bytes | None = None) -> None:
        self.engine = engine
        self.url = url
        """The log's URL, with any password hidden: safe to print."""
        self._checkpoint_key = checkpoint_key
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    # --- sessions: the caller owns them; these hand one out ------------------------------

    def session(self) -> Session:
        """A session for reads only (the caller closes it). On SQLite it does not take the
        write lock, so it never waits for a writer nor holds one up; a write in it may fail
        with "database is locked", so write in `transaction`."""
        return self._read_sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a transaction that commits at the end of the block (rolls back on error)."""
        with self._sessions.begin() as session:
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def signs_checkpoints(self) -> bool:
        return self._checkpoint_key is not None

    # --- catalogue ---------------------------------------------------------------------

    def register(
        self,
        title_id: str,
        artworks: Sequence[NewArtwork],
        name: str | None = None,
        *,
        extraction: tuple[str, str, str] | None = None,
    ) -> list[Artwork]:
        """Register a title and its artworks in one transaction: all of them or none.

        ``extraction``: (key, video, output folder) of the extraction they came from, recorded
        in the same transaction so a re-run can skip it (see `extraction_output`).
        """
        with self.transaction() as s:
            catalog.register_title(s, title_id, name)
            registered = catalog.register_artworks(s, title_id, artworks)
            if extraction is not None:
                catalog.record_extraction(s, title_id, *extraction)
            return registered

    def extraction_output(self, key: str) -> str | None:
        """The output folder of an extraction done with this key, if any."""
        with self.session() as s:
            return catalog.extraction_output(s, key)

    def titles(self) -> list[str]:
        with self.session() as s:
            return catalog.list_titles(s)

    def title_page(self, after: str | None = None, limit: int = 100) -> list[TitleSummary]:
        """Titles in id order after ``after``, with their artwork counts (a page of them)."""
        with self.session() as s:
            return catalog.title_page(s, after, limit)

    def title_exists(self, title_id: str) -> bool:
        with self.session() as s:
            return catalog.title_exists(s, title_id)

    def artworks(self, title_id: str, *, active_only: bool = True) -> list[Artwork]:
        """A title's artworks in id order (the order candidates are offered in)."""
        with self.session() as s:
            if active_only:
                return catalog.active_artworks(s, title_id)
            return catalog.title_artworks(s, title_id)

    def artworks_by_id(self, artwork_ids: Sequence[int] | set[int]) -> dict[int, Artwork]:
        with self.session() as s:
            return catalog.artworks_by_id(s, artwork_ids)

    def artwork_by_content(self, content_sha256: str) -> Artwork | None:
        """The registered artwork whose image's sha256 this is, if any."""
        with self.session() as s:
            return catalog.artwork_by_content(s, content_sha256)

    def set_artwork_status(self, artwork_ids: Sequence[int], status: str) -> int:
        """Retire (``retired``) or restore (``active``) artworks; returns how many exist."""
        with self.transaction() as s:
            return catalog.set_artwork_status(s, artwork_ids, status)

    def title_mode(self, title_id: str) -> TitleMode:
        """Whether the title is served online or in apprentice mode, and its baseline."""
        with self.session() as s:
            return apprentice.title_mode(s, title_id)

    def set_title_mode(
        self, title_id: str, mode: str, baseline_artwork_id: int | None = None
    ) -> TitleMode:
        """Switch a title to ``online`` or ``apprentice`` (see `storage.apprentice`)."""
        with self.transaction() as s:
            return apprentice.set_title_mode(s, title_id, mode, baseline_artwork_id)

    def apprentice_summary(self, title_id: str) -> ApprenticeSummary:
        with self.session() as s:
            return apprentice.apprentice_summary(s, title_id)

    # --- decisions and rewards ----------------------------------------------------------

    def writer(self) -> DecisionWriter:
        """The decision-write path, on a connection of its own (one per serving thread)."""
        return DecisionWriter(self.engine)

    def record_decisions(self, decisions: Sequence[NewDecision]) -> int:
        """Log decisions in one commit through `DecisionWriter`; returns how many were new."""
        writer = self.writer()
        try:
            return writer.write_many(decisions)
        finally:
            writer.close()

    def decision(self, event_id: str) -> LoggedDecision:
        """One logged decision. Raises UnknownEvent."""
        with self.session() as s:
            return decision_for_event(s, event_id)

    def activate(self, event_id: str, *, now: datetime | None = None) -> ActivationReceipt:
        """Mark a deferred decision as shown, so it is learned from; see `storage.activate`."""
        with self.transaction() as s:
            return activation.activate(s, event_id, now=now)

    # --- the join and the learning sequence ----------------------------------------------

    def waiting(self) -> Waiting:
        """Decisions not joined yet, when the next matures, and the rewards so far."""
        with self.session() as s:
            return join.waiting(s)

    def join_matured(self, now: datetime | None = None, window: timedelta | None = None) -> int:
        """Join every decision whose reward window has closed (or, given ``window``, that was
        made at least that long ago), in batches; returns how many."""
        return sum(self.join_batches(now, window))

    def join_batches(
        self, now: datetime | None = None, window: timedelta | None = None
    ) -> Iterator[int]:
        """`join_matured` a batch at a time: each batch is committed before its count is
        yielded, and the last is the first short of a full batch (it may be 0)."""
        while True:
            with self.transaction() as s:
                joined = join.join_matured(
                    s, now=now or datetime.now(UTC), limit=join.JOIN_BATCH, window=window
                )
            yield joined
            if joined < join.JOIN_BATCH:
                return

    def last_joined_seq(self) -> int:
        """The newest join sequence number, 0 before the first join."""
        with self.session() as s:
            return join.last_joined_seq(s)

    def joined(
        self, after_seq: int = 0, limit: int | None = None, where: JoinedFilter | None = None
    ) -> list[JoinedExample]:
        """Joined examples with ``seq > after_seq``, in sequence order."""
        with self.session() as s:
            return joined_examples(s, after_seq, limit, where)

    def learning_rows(
        self, after_seq: int, limit: int, *, decided_at: bool = False
    ) -> LearningRows:
        """The learner's read: joined rows with ``seq > after_seq``, with only what learning
        uses (`storage.learning_rows`)."""
        with self.session() as s:
            return learning_rows(s, after_seq, limit, decided_at=decided_at)

    def replay_sums(
        self, table: dict[str, dict[str, float]], where: JoinedFilter | None = None
    ) -> ReplaySums:
        """IPS sums for a static (segment -> artwork -> probability) table, computed in SQL."""
        with self.session() as s:
            return replay_sums(s, table, where)

    # --- checkpoints -------------------------------------------------------------------

    def head_version(self, reward: str | None = BUILT_IN_REWARD) -> int:
        """The newest checkpoint of ``reward``'s lineage (None: of any), 0 if none."""
        with self.session() as s:
            return checkpoints.head_version(s, reward)

    def serving_head(self) -> tuple[str, int]:
        """The active reward definition and its lineage's newest version: what a chooser
        polls, in one round trip's worth of session."""
        with self.session() as s:
            active = log_settings.get(s, ACTIVE_REWARD) or BUILT_IN_REWARD
            return active, checkpoints.head_version(s, active)

    def head_checkpoint(self, reward: str = BUILT_IN_REWARD) -> Checkpoint | None:
        """The newest checkpoint of ``reward``'s lineage, verified (CorruptCheckpoint if it is
        not); None if none."""
        with self.session() as s:
            return checkpoints.head_checkpoint(s, self._checkpoint_key, reward)

    def checkpoint(self, version: int) -> Checkpoint:
        """One checkpoint, verified. Raises CheckpointNotFound, CorruptCheckpoint."""
        with self.session() as s:
            return checkpoints.load_checkpoint(s, version, self._checkpoint_key)

    def checkpoints(
        self,
        reward: str | None = None,
        *,
        newer_than: int = 0,
        good_only: bool = False,
        limit: int | None = None,
    ) -> list[CheckpointInfo]:
        """Checkpoints' versions and bad marks, newest first: only ``reward``'s lineage when
        given, only versions above ``newer_than``, only good ones with ``good_only``, at most
        ``limit``."""
        with self.session() as s:
            rows = checkpoints.checkpoint_versions(
                s, reward, newer_than=newer_than, good_only=good_only, limit=limit
            )
            return [CheckpointInfo(*row) for row in rows]

    def write_checkpoint(
        self,
        *,
        parent_version: int,
        policy: str,
        args: str,
        model: bytes,
        last_seq: int,
        reward: str = BUILT_IN_REWARD,
        reward_version: int | None = None,
    ) -> Checkpoint:
        """Commit the checkpoint after ``parent_version`` in ``reward``'s lineage. Raises
        CheckpointConflict."""
        with self.transaction() as s:
            return checkpoints.write_checkpoint(
                s,
                parent_version=parent_version,
                policy=policy,
                args=args,
                model=model,
                last_seq=last_seq,
                key=self._checkpoint_key,
                reward=reward,
                reward_version=reward_version,
            )

    def mark_checkpoint_bad(self, version: int, reason: str) -> None:
        """Never serve or build on this checkpoint again. Raises CheckpointNotFound."""
        with self.transaction() as s:
            checkpoints.mark_checkpoint_bad(s, version, reason)

    # --- API keys of the decision service ------------------------------------------------

    def create_key(self, name: str, scopes: Sequence[str]) -> tuple[ApiKey, str]:
        """A new key and its token (shown once; only its hash is kept)."""
        with self.transaction() as s:
            return keys.create_key(s, name, scopes)

    def verify_key(self, token: str) -> ApiKey | None:
        """The live key of this token, or None."""
        with self.session() as s:
            return keys.verify_key(s, token)

    def revoke_key(self, name: str) -> bool:
        with self.transaction() as s:
            return keys.revoke_key(s, name)

    def api_keys(self) -> list[ApiKey]:
        with self.session() as s:
            return keys.list_keys(s)

    # --- sampling salts ----------------------------------------------------------------

    def sampling_salt(self) -> SamplingSalt:
        """The secret salt in use for the sampling draw (made with the log)."""
        with self.session() as s:
            return salts.current_salt(s)

    def salt(self, salt_id: int) -> SamplingSalt | None:
        """A salt by id, current or rotated out, to reproduce a decision drawn with it."""
        with self.session() as s:
            return salts.salt(s, salt_id)

    def rotate_salt(self) -> SamplingSalt:
        """Start drawing with a new salt; choosers take it at their next reload."""
        with self.transaction() as s:
            return salts.rotate_salt(s)

    # --- lifecycle ---------------------------------------------------------------------

    def ping(self) -> None:
        """Raise DatabaseUnavailable unless the log answers a trivial query now."""
        with self.session() as s:
            s.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Log:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Log({self.url!r})"
