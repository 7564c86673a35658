"""Activate deferred decisions: a decision ranked with ``defer_activation`` is learned from only
once the caller says the artwork was really shown."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.dialect import is_postgresql
from storage.errors import ActivationClosed, InvalidDecision, UnknownEvent
from storage.ids import EVENT_ID
from storage.models import DecisionRow
from storage.records import ActivationReceipt


def activate(session: Session, event_id: str, *, now: datetime | None = None) -> ActivationReceipt:
    """Mark a deferred decision as shown. Idempotent. Does not commit.

    Raises:
        InvalidDecision: a malformed event id.
        UnknownEvent: no decision has this event id.
        ActivationClosed: the decision's reward window has closed; it stays unactivated (and
            so unlearned), because the join may already have passed it by.
    """
    EVENT_ID.check(event_id, InvalidDecision)
    now = now or datetime.now(UTC)
    query = select(DecisionRow.reward_deadline, DecisionRow.activated).where(
        DecisionRow.event_id == event_id
    )
    if is_postgresql(session):
        query = query.with_for_update()  # against a second activation racing this one
    found = session.execute(query).one_or_none()
    if found is None:
        raise UnknownEvent(f"no decision with event id {event_id!r}; was it logged?")
    deadline, activated = found
    if activated:
        return ActivationReceipt(event_id=event_id, duplicate=True)
    if now > deadline:
        raise ActivationClosed(
            f"event {event_id!r}: its reward window closed at {deadline.isoformat()}; a"
            " decision must be activated within its window to be learned from"
        )
    session.execute(
        update(DecisionRow).where(DecisionRow.event_id == event_id).values(activated=True)
    )
    return ActivationReceipt(event_id=event_id, duplicate=False)
