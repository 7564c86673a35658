"""The log's sampling salts: the newest is in use, rotation adds one, and every one stays so
that a logged decision can be reproduced. Session functions; they never commit."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.errors import SchemaVersionError
from storage.models import SamplingSaltRow
from storage.records import SamplingSalt


def current_salt(session: Session) -> SamplingSalt:
    """The salt in use: the newest."""
    row = session.scalars(select(SamplingSaltRow).order_by(SamplingSaltRow.id.desc())).first()
    if row is None:  # the migration that makes the table also makes the first salt
        raise SchemaVersionError("the log has no sampling salt; run `thumbnail-bandit create`")
    return SamplingSalt(row.id, row.secret, row.created_at)


def salt(session: Session, salt_id: int) -> SamplingSalt | None:
    row = session.get(SamplingSaltRow, salt_id)
    return None if row is None else SamplingSalt(row.id, row.secret, row.created_at)


def rotate_salt(session: Session, *, now: datetime | None = None) -> SamplingSalt:
    """Add a new salt, in use from the next draw of every chooser that reloads it."""
    newest = session.scalar(select(func.max(SamplingSaltRow.id))) or 0
    row = SamplingSaltRow(
        id=newest + 1, secret=secrets.token_hex(32), created_at=now or datetime.now(UTC)
    )
    session.add(row)
    session.flush()
    return SamplingSalt(row.id, row.secret, row.created_at)
