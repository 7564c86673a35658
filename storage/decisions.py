"""Counting logged decisions, and whether feedback (a reward, a signal) for one comes late.
Decisions are written by one path only: `DecisionWriter` (through `Log.record_decisions` or the
chooser); look one up with `Log.decision`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.dialect import is_postgresql
from storage.errors import NotActivated, UnknownEvent
from storage.models import DecisionRow, JoinedExampleRow


def count_decisions(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(DecisionRow)) or 0)


def feedback_is_late(session: Session, event_id: str, now: datetime, what: str) -> bool:
    """Whether feedback (``what``: "reward", "signals") for ``event_id`` arriving ``now`` is
    late: after the decision's window, or after its join. Late feedback is kept, never learned.

    Raises:
        UnknownEvent: no decision has this event id.
        NotActivated: the decision was deferred and never activated.
    """
    query = select(DecisionRow.reward_deadline, DecisionRow.activated).where(
        DecisionRow.event_id == event_id
    )
    if is_postgresql(session):
        # Hold the decision row so a joiner cannot join it between this check and the
        # caller's commit; the joiner locks the same rows FOR UPDATE. (SQLite: BEGIN
        # IMMEDIATE already serialises us against the joiner.)
        query = query.with_for_update(read=True)
    found = session.execute(query).one_or_none()
    if found is None:
        raise UnknownEvent(f"no decision with event id {event_id!r}; was it logged?")
    deadline, activated = found
    if not activated:
        raise NotActivated(
            f"event {event_id!r} was ranked with deferred activation and has not been"
            f" activated; activate it when the artwork is shown, then send its {what}"
        )
    # A separate statement, so under READ COMMITTED it sees a join that committed meanwhile.
    joined = session.scalar(
        select(JoinedExampleRow.seq).where(JoinedExampleRow.event_id == event_id)
    )
    return joined is not None or now > deadline
