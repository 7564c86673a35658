"""Named signals per decision, append-only: what a member did after seeing the artwork (a
click, a play, minutes watched, a completion), each stored as it arrived. Reward definitions
turn them into rewards later, so a team can change its mind about the reward and learn or
evaluate again from the same log. Session functions; they never commit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.decisions import feedback_is_late
from storage.errors import ConflictingRecord, InvalidSignal
from storage.ids import EVENT_ID, SIGNAL_ID, SIGNAL_NAME
from storage.models import SignalRow

#: Signals one decision may receive: a member's session is a handful (a click, a play, a few
#: progress updates), so more is a client gone wrong, not a member.
MAX_SIGNALS_PER_EVENT = 100
#: Largest magnitude of a signal's value (minutes watched, seconds, counts all fit).
MAX_ABS_VALUE = 1e9


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal as stored."""

    event_id: str
    name: str
    value: float
    received_at: datetime
    late: bool
    """Came after the decision's reward window or its join: kept, never learned."""
    signal_id: str | None = None


@dataclass(frozen=True, slots=True)
class SignalReceipt:
    """What happened to a signal that was sent."""

    event_id: str
    name: str
    value: float
    late: bool
    duplicate: bool
    """The same ``signal_id`` with the same name and value was recorded before."""


def check_value(value: object) -> float:
    """``value`` as a float if it is a finite number within ±`MAX_ABS_VALUE`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidSignal(f"a signal's value must be a number, got {value!r:.40}")
    number = float(value) if abs(value) < 1e300 else math.inf
    if not math.isfinite(number) or abs(number) > MAX_ABS_VALUE:
        raise InvalidSignal(f"a signal's value must be finite, within ±{MAX_ABS_VALUE:g}")
    return number


def record_signal(
    session: Session,
    event_id: str,
    name: str,
    value: float,
    *,
    signal_id: str | None = None,
    now: datetime | None = None,
) -> SignalReceipt:
    """Append a signal to the decision ``event_id``. Does not commit.

    Raises:
        InvalidSignal: a name that is not an identifier, a value that is not a finite number
            within bounds, or a decision that has `MAX_SIGNALS_PER_EVENT` already.
        UnknownEvent: no decision has this event id.
        NotActivated: the decision was deferred and never activated.
        ConflictingRecord: ``signal_id`` was recorded before with another name or value.
    """
    EVENT_ID.check(event_id, InvalidSignal)
    SIGNAL_NAME.check(name, InvalidSignal)
    if signal_id is not None:
        SIGNAL_ID.check(signal_id, InvalidSignal)
    number = check_value(value)
    now = now or datetime.now(UTC)
    late = feedback_is_late(session, event_id, now, "signals")
    if signal_id is not None:
        earlier = session.execute(
            select(SignalRow).where(
                SignalRow.event_id == event_id, SignalRow.signal_id == signal_id
            )
        ).scalar_one_or_none()
        if earlier is not None:
            if (earlier.name, earlier.value) != (name, number):
                raise ConflictingRecord(
                    f"signal {signal_id!r} of event {event_id!r} was recorded as {earlier.name}"
                    f" = {earlier.value}; a retry must send the same name and value"
                )
            return SignalReceipt(event_id, name, number, earlier.late, duplicate=True)
    count = session.scalar(select(func.count()).where(SignalRow.event_id == event_id)) or 0
    if count >= MAX_SIGNALS_PER_EVENT:
        raise InvalidSignal(
            f"event {event_id!r} has {MAX_SIGNALS_PER_EVENT} signals already, the most one"
            " decision may have"
        )
    session.add(
        SignalRow(
            event_id=event_id,
            name=name,
            value=number,
            signal_id=signal_id,
            received_at=now,
            late=late,
        )
    )
    session.flush()
    return SignalReceipt(event_id, name, number, late, duplicate=False)


def signals_of(session: Session, event_id: str) -> list[Signal]:
    """A decision's signals, in arrival order."""
    rows = session.scalars(
        select(SignalRow).where(SignalRow.event_id == event_id).order_by(SignalRow.id)
    )
    return [Signal(r.event_id, r.name, r.value, r.received_at, r.late, r.signal_id) for r in rows]
