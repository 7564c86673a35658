"""Record decisions. Idempotent by event id: a retry with the same content changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.dialect import insert_ignoring_duplicates
from storage.errors import ConflictingRecord, UnknownEvent
from storage.models import Base, DecisionRow
from storage.records import NewDecision, same_decision

_TABLE = Base.metadata.tables["decisions"]


def _params(d: NewDecision) -> dict[str, Any]:
    return {
        "event_id": d.event_id,
        "created_at": d.created_at,
        "title_id": d.title_id,
        "context": dict(d.context),
        "candidate_ids": list(d.candidate_ids),
        "pmf": list(d.pmf),
        "artwork_id": d.artwork_id,
        "probability": d.probability,
        "policy_version": d.policy_version,
        "exploration": dict(d.exploration),
        "reward_deadline": d.reward_deadline,
    }


def record_decision(session: Session, decision: NewDecision) -> bool:
    """Write one decision. Returns False if the same decision was already logged.

    Raises:
        ConflictingRecord: the event id is taken by a different decision.
    """
    return record_decisions(session, [decision]) == 1


def record_decisions(session: Session, decisions: Sequence[NewDecision]) -> int:
    """Write many decisions in one statement; returns how many were new. Does not commit."""
    if not decisions:
        return 0
    statement = insert_ignoring_duplicates(session, _TABLE).returning(_TABLE.c.event_id)
    inserted = set(session.execute(statement, [_params(d) for d in decisions]).scalars())
    repeats = [d for d in decisions if d.event_id not in inserted]
    if repeats:
        stored = {
            row.event_id: row
            for row in session.scalars(
                select(DecisionRow).where(DecisionRow.event_id.in_([d.event_id for d in repeats]))
            )
        }
        for d in repeats:
            row = stored.get(d.event_id)
            if row is None or not same_decision(
                d, row.title_id, row.artwork_id, row.candidate_ids, row.pmf, row.policy_version
            ):
                raise ConflictingRecord(
                    f"event {d.event_id!r} is already logged with a different decision;"
                    " event ids must be unique per decision"
                )
    return len(inserted)


def get_decision(session: Session, event_id: str) -> DecisionRow:
    row = session.get(DecisionRow, event_id)
    if row is None:
        raise UnknownEvent(f"no decision with event id {event_id!r}")
    return row


def count_decisions(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(DecisionRow)) or 0)
