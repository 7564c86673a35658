"""The serving hot path: one dedicated connection that logs each decision with one durable commit.

`record_decision` through a Session costs ~3x the database's own commit time in SQLAlchemy
overhead (measured by benchmarks/bench_storage.py). A server that must log thousands of
decisions a second per core uses a `DecisionWriter` instead: statements are compiled once by
SQLAlchemy from the ORM tables, then run on the driver's cursor. One writer per thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from storage import driver_errors
from storage.engine import check_same_file, sqlite_path
from storage.errors import ConflictingRecord, DatabaseUnavailable, StorageError
from storage.experiment_records import Assignment
from storage.models import ArtworkRow, Base, DecisionRow, TitleRow
from storage.records import Artwork, NewDecision, TitleMode, same_decision

_DECISIONS = Base.metadata.tables["decisions"]


@dataclass(frozen=True, slots=True)
class ServedTitle:
    """What a decision is made from: the title's active artworks in id order, and its mode."""

    artworks: list[Artwork]
    mode: TitleMode


Decide = Callable[[ServedTitle], NewDecision]
_COMPARED = (
    "title_id",
    "artwork_id",
    "candidate_ids",
    "pmf",
    "policy_version",
    "context",
    "activated",
)


class DecisionWriter:
    """Log decisions on a connection of its own. Not thread-safe: one per serving thread.

    This is the one way a decision is written: `storage.Log.record_decisions` and the chooser
    both come here.

    >>> writer = DecisionWriter(engine)                        # doctest: +SKIP
    >>> writer.serve("title-1", lambda title: decide(title.artworks))  # doctest: +SKIP
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        dialect = engine.dialect
        if dialect.name not in ("sqlite", "postgresql"):
            raise StorageError(f"the log supports SQLite and PostgreSQL, not {dialect.name}")
        self._sqlite = dialect.name == "sqlite"
        self._path = sqlite_path(engine.url)
        insert = sqlite.insert if self._sqlite else postgresql.insert
        columns = [c.name for c in _DECISIONS.columns]
        self._insert = insert(_DECISIONS).values({c: bindparam(c) for c in columns})
        self._insert_sql, self._insert_order = self._compile(self._insert.on_conflict_do_nothing())
        artworks = (
            select(
                ArtworkRow.id,
                ArtworkRow.image_path,
                ArtworkRow.features,
                TitleRow.mode,
                TitleRow.baseline_artwork_id,
                ArtworkRow.content_sha256,
            )
            .join(TitleRow, TitleRow.id == ArtworkRow.title_id)
            .where(
                ArtworkRow.title_id == bindparam("title_id"),
                ArtworkRow.status == bindparam("status"),
            )
            .order_by(ArtworkRow.id)
        )
        self._artworks_sql, self._artworks_order = self._compile(artworks)
        compared = select(DecisionRow.event_id, *(_DECISIONS.c[c] for c in _COMPARED)).where(
            DecisionRow.event_id.in_(bindparam("ids", expanding=True))
        )
        self._compared = compared
        self._time = _sqlite_time if self._sqlite else _naive_utc
        # The artworks of the last rows seen per title: catalogues rarely change, requests are
        # many, so rows equal to last time's give back last time's records without parsing.
        self._catalog: dict[str, tuple[list[tuple[Any, ...]], ServedTitle]] = {}
        self._conn: Any = None
        # Once SQLite reports the file damaged, nothing more is written to it, even where a
        # statement would happen to touch only sound pages.
        self._damaged: str | None = None

    def _compile(self, statement: Any) -> tuple[str, list[str] | None]:
        compiled = statement.compile(dialect=self.engine.dialect)
        return str(compiled), list(compiled.positiontup) if compiled.positional else None

    def _params(self, order: list[str] | None, values: dict[str, Any]) -> Any:
        return values if order is None else tuple(values[name] for name in order)

    def _row(self, d: NewDecision) -> dict[str, Any]:
        return {
            "event_id": d.event_id,
            "created_at": self._time(d.created_at),
            "title_id": d.title_id,
            "context": d.context_json,
            # Finite floats' repr and ints' str are valid JSON; json.dumps costs ~4x more here.
            "candidate_ids": f"[{','.join(map(str, d.candidate_ids))}]",
            "pmf": f"[{','.join(map(repr, map(float, d.pmf)))}]",
            "artwork_id": d.artwork_id,
            "probability": d.probability,
            "policy_version": d.policy_version,
            "exploration": d.exploration_json,
            "reward_deadline": self._time(d.reward_deadline),
            "activated": d.activated,
            "policy_pmf": None
            if d.policy_pmf is None
            else f"[{','.join(map(repr, map(float, d.policy_pmf)))}]",
            **_assignment_columns(d.assignment),
        }

    # --- transactions -------------------------------------------------------------------

    def _run(self, work: Callable[[Any], Any]) -> Any:
        """Run ``work(cursor)`` in one transaction; commit, or roll back and re-raise."""
        if self._damaged is not None:
            raise DatabaseUnavailable(
                f"the log file is damaged ({self._damaged}); restore it from a backup"
            )
        if self._conn is None:
            try:
                self._conn = self.engine.raw_connection()
            except Exception as exc:
                # raw_connection() bypasses the engine's handle_error, so map it here.
                mapped = exc if isinstance(exc, StorageError) else driver_errors.translate(exc)
                if mapped is None:
                    raise
                raise DatabaseUnavailable(f"cannot connect to the log: {mapped}") from exc
        conn = self._conn
        driver = conn.driver_connection
        try:
            cursor = conn.cursor()
            if self._sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            result = work(cursor)
            if self._path is not None:
                # Last thing before the commit: a commit into a deleted file would "succeed".
                check_same_file(self._path, conn.info.get("file_id"))
                cursor.execute("COMMIT")
            else:
                driver.commit()
            return result
        except BaseException as exc:
            broken = self._rollback()
            mapped = driver_errors.translate(exc, disconnect=broken)
            if mapped is None or mapped is exc:
                raise
            if self._sqlite and driver_errors.is_corruption(exc):
                self._damaged = driver_errors.first_line(exc)
            raise mapped from exc

    def _rollback(self) -> bool:
        """Roll back; on a dead connection drop it so the next call reconnects. True if dead."""
        try:
            if self._sqlite:
                if self._conn.driver_connection.in_transaction:
                    self._conn.driver_connection.execute("ROLLBACK")
            else:
                self._conn.driver_connection.rollback()
            if not self._sqlite and self._conn.driver_connection.closed:
                raise ConnectionError("closed")
            return False
        except Exception:
            try:
                self._conn.invalidate()
            finally:
                self._conn = None
            return True

    # --- operations ---------------------------------------------------------------------

    def _served_title(self, cursor: Any, title_id: str) -> ServedTitle:
        params = {"title_id": title_id, "status": "active"}
        cursor.execute(self._artworks_sql, self._params(self._artworks_order, params))
        rows = cursor.fetchall()
        cached = self._catalog.get(title_id)
        if cached is not None and cached[0] == rows:
            return cached[1]
        artworks = [
            Artwork(
                artwork_id,
                title_id,
                image_path,
                None,
                None,
                # SQLite hands back JSON text; psycopg parses it
                json.loads(features) if isinstance(features, str) else features,
                "active",
                content_sha256,
            )
            for artwork_id, image_path, features, _, _, content_sha256 in rows
        ]
        mode = (
            TitleMode(title_id, rows[0][3], rows[0][4])
            if rows
            else TitleMode(title_id, "online", None)
        )
        served = ServedTitle(artworks, mode)
        self._catalog[title_id] = (rows, served)
        return served

    def _insert_checked(self, cursor: Any, decisions: Sequence[NewDecision]) -> int:
        rows = [self._params(self._insert_order, self._row(d)) for d in decisions]
        if len(rows) == 1:
            cursor.execute(self._insert_sql, rows[0])
        else:
            cursor.executemany(self._insert_sql, rows)
        inserted = int(cursor.rowcount)
        if inserted < len(decisions):
            self._check_repeats(cursor, decisions)
        return inserted

    def _check_repeats(self, cursor: Any, decisions: Sequence[NewDecision]) -> None:
        compiled = self._compared.compile(dialect=self.engine.dialect)
        state = compiled.construct_expanded_state({"ids": [d.event_id for d in decisions]})
        order = state.positiontup
        params = state.parameters
        cursor.execute(state.statement, tuple(params[k] for k in order) if order else params)
        stored = {row[0]: row[1:] for row in cursor.fetchall()}
        for d in decisions:
            row = stored.get(d.event_id)
            if row is None or not _matches(row, d):
                raise ConflictingRecord(
                    f"event {d.event_id!r} is already logged with a different decision;"
                    " event ids must be unique per decision"
                )

    def serve(self, title_id: str, decide: Decide) -> NewDecision:
        """In one transaction: read the title's active artworks and mode, call ``decide`` with
        them, and log the decision it returns. The decision is committed before this returns.

        Exceptions from ``decide`` roll back and propagate; nothing is logged.
        """
        return self.serve_many([(title_id, decide)])[0]

    def serve_many(self, requests: Sequence[tuple[str, Decide]]) -> list[NewDecision]:
        """`serve` for several titles (a row of a home page) in one transaction: every
        decision is logged, or none is."""

        def work(cursor: Any) -> list[NewDecision]:
            titles: dict[str, ServedTitle] = {}  # one read per title, however many ask
            decisions = []
            for title_id, decide in requests:
                title = titles.get(title_id)
                if title is None:
                    title = titles[title_id] = self._served_title(cursor, title_id)
                decisions.append(decide(title))
            self._insert_checked(cursor, decisions)
            return decisions

        result: list[NewDecision] = self._run(work)
        return result

    def active_artworks(self, title_id: str) -> list[Artwork]:
        served: ServedTitle = self._run(lambda cursor: self._served_title(cursor, title_id))
        return served.artworks

    def write(self, decision: NewDecision) -> bool:
        """Log one decision with one commit. False if the same decision was already logged."""
        return self.write_many([decision]) == 1

    def write_many(self, decisions: Sequence[NewDecision]) -> int:
        """Log decisions in one commit; all or none. Returns how many were new.

        Raises:
            ConflictingRecord: an event id is taken by a different decision (nothing written).
        """
        if not decisions:
            return 0
        inserted: int = self._run(lambda cursor: self._insert_checked(cursor, decisions))
        return inserted

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _matches(row: Sequence[Any], d: NewDecision) -> bool:
    title_id, artwork_id, candidate_ids, pmf, policy_version, context, activated = row
    if bool(activated) != d.activated:  # a retry that deferred what was shown, or the reverse
        return False
    if isinstance(candidate_ids, str):  # SQLite hands back JSON text
        candidate_ids, pmf, context = map(json.loads, (candidate_ids, pmf, context))
    return same_decision(d, title_id, artwork_id, candidate_ids, pmf, policy_version, context)


def _assignment_columns(a: Assignment | None) -> dict[str, Any]:
    if a is None:
        return {"experiment_id": None, "arm": None, "arm_probability": None, "unit": None}
    return {
        "experiment_id": a.experiment_id,
        "arm": a.arm,
        "arm_probability": a.probability,
        "unit": a.unit,
    }


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _sqlite_time(value: datetime) -> str:
    # The exact text SQLAlchemy's SQLite DateTime stores, so both paths write the same thing.
    return _naive_utc(value).isoformat(" ", "microseconds")
