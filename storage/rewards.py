"""Record rewards: append-only, idempotent, and flagged late after the decision's window."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.decisions import feedback_is_late
from storage.dialect import insert_ignoring_duplicates
from storage.errors import ConflictingRecord, InvalidReward
from storage.ids import EVENT_ID
from storage.models import Base, RewardRow
from storage.records import RewardReceipt, check_reward

_TABLE = Base.metadata.tables["rewards"]


def record_reward(
    session: Session, event_id: str, value: float, *, now: datetime | None = None
) -> RewardReceipt:
    """Store the reward for ``event_id`` (click = 1). Does not commit.

    The same reward sent twice is stored once. A reward that comes after the decision's window,
    or after the decision was joined, is stored with ``late=True`` and is never learned.

    Raises:
        NotActivated: the decision was deferred and never activated (the user never saw it).
        InvalidReward: NaN, infinite, or outside [0, 1]; or an event id that is not a string
            of 1-64 storable characters.
        UnknownEvent: no decision has this event id.
        ConflictingRecord: a different value was already recorded for this event.
    """
    EVENT_ID.check(event_id, InvalidReward)
    value = check_reward(value)
    now = now or datetime.now(UTC)
    late = feedback_is_late(session, event_id, now, "reward")
    statement = (
        insert_ignoring_duplicates(session, _TABLE)
        .values(event_id=event_id, value=value, received_at=now, late=late)
        .returning(_TABLE.c.event_id)
    )
    if session.execute(statement).scalar() is not None:
        return RewardReceipt(event_id=event_id, value=value, late=late, duplicate=False)
    existing = session.execute(
        select(RewardRow.value, RewardRow.late).where(RewardRow.event_id == event_id)
    ).one()
    if existing.value != value:
        raise ConflictingRecord(
            f"event {event_id!r} already has reward {existing.value}; a different reward"
            f" ({value}) was refused. Rewards are append-only: send one per event"
        )
    return RewardReceipt(event_id=event_id, value=value, late=existing.late, duplicate=True)
