"""The two places where SQLite and PostgreSQL need different SQL: insert-or-ignore, writer lock."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# Any constant works; every joiner of one database must use the same one.
_JOIN_LOCK_KEY = 0x7468756D62_02


def insert_ignoring_duplicates(session: Session, table: Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the session's dialect."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"the log supports SQLite and PostgreSQL, not {name}")


def take_join_lock(session: Session) -> None:
    """Make this transaction the single join writer until it ends.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: nothing to do, because every
    transaction starts with BEGIN IMMEDIATE and so already holds the database's one write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _JOIN_LOCK_KEY})


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
