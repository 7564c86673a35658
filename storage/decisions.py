"""Counting logged decisions. Decisions are written by one path only: `DecisionWriter`
(through `Log.record_decisions` or the chooser); look one up with `Log.decision`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import DecisionRow


def count_decisions(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(DecisionRow)) or 0)
