"""Log-wide settings every worker reads (which reward definition is served). Session
functions; they never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from storage.models import LogSettingRow


def get(session: Session, name: str) -> str | None:
    row = session.get(LogSettingRow, name)
    return None if row is None else row.value


def put(session: Session, name: str, value: str) -> None:
    row = session.get(LogSettingRow, name, with_for_update=True)
    if row is None:
        session.add(LogSettingRow(name=name, value=value, updated_at=datetime.now(UTC)))
    else:
        row.value, row.updated_at = value, datetime.now(UTC)
    session.flush()
