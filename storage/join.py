"""Join matured decisions with their rewards into a strictly ordered, gap-free sequence."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import exists, func, insert, select
from sqlalchemy.orm import Session

from storage.dialect import is_postgresql, take_join_lock
from storage.models import DecisionRow, JoinedExampleRow, RewardRow
from storage.queries import joined_examples
from storage.records import JoinedExample

#: Rows per join transaction: big enough to amortise the commit, small enough to keep the
#: single-writer lock short and the IN list under SQLite's bound-parameter limit.
JOIN_BATCH = 5_000


def join_matured(session: Session, *, now: datetime | None = None, limit: int = JOIN_BATCH) -> int:
    """Join up to ``limit`` decisions whose reward window has closed. Returns how many.

    Each gets the next sequence number under the single-writer lock, so sequence numbers
    commit in order and a reader after a cursor never skips a row. Does not commit; commit
    promptly, because the lock is held until then.
    """
    take_join_lock(session)
    now = now or datetime.now(UTC)
    already = exists().where(JoinedExampleRow.event_id == DecisionRow.event_id)
    matured = (
        select(DecisionRow.event_id)
        # A deferred decision that was never activated was never shown: never learned.
        .where(DecisionRow.reward_deadline <= now, DecisionRow.activated.is_(True), ~already)
        .order_by(DecisionRow.reward_deadline, DecisionRow.event_id)
        .limit(limit)
    )
    if is_postgresql(session):
        # Conflicts with record_reward's FOR SHARE, so a reward is either in time and seen
        # here, or sees this join and is flagged late.
        matured = matured.with_for_update(of=DecisionRow)
    event_ids = list(session.scalars(matured))
    if not event_ids:
        return 0
    in_time = select(RewardRow.event_id, RewardRow.value).where(
        RewardRow.event_id.in_(event_ids), RewardRow.late.is_(False)
    )
    rewards = {event_id: value for event_id, value in session.execute(in_time)}
    last = session.scalar(select(func.max(JoinedExampleRow.seq))) or 0
    session.execute(
        insert(JoinedExampleRow),
        [
            {
                "seq": last + offset,
                "event_id": event_id,
                "reward": rewards.get(event_id, 0.0),
                "rewarded": event_id in rewards,
                "joined_at": now,
            }
            for offset, event_id in enumerate(event_ids, start=1)
        ],
    )
    return len(event_ids)


def read_joined(session: Session, after_seq: int, limit: int = 10_000) -> list[JoinedExample]:
    """The joined examples with ``seq > after_seq``, in order, at most ``limit`` of them."""
    return joined_examples(session, after_seq, limit)


def last_joined_seq(session: Session) -> int:
    return int(session.scalar(select(func.max(JoinedExampleRow.seq))) or 0)
