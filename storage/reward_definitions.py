"""Reward definitions, stored in the log and versioned: a definition names how each signal's
values combine, the window after a decision in which they count, a default, and an expression
(parsed and checked by `bandit.reward_expression` before it is stored). Session functions;
they never commit."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.errors import InvalidSignal
from storage.ids import SIGNAL_NAME
from storage.models import RewardDefinitionRow, RewardRow, SignalRow
from storage.signals import Signal

#: How a signal's several values in the window make one.
COMBINERS = ("first", "last", "sum", "max")

#: The definition every log has without defining it: the signal reward() and ``POST
#: .../reward`` send, as it was joined (within the decision's own window, 0 when none came).
#: It is the active definition until a team activates another.
BUILT_IN_REWARD = "reward"


@dataclass(frozen=True, slots=True)
class RewardDefinition:
    """One version of a named reward definition."""

    name: str
    version: int
    expression: str
    window_s: float
    default_value: float
    combine: Mapping[str, str] = field(default_factory=dict)
    """Per signal name, how its values combine; a name not listed takes its maximum."""
    low: float = 0.0
    high: float = 1.0
    created_at: datetime | None = None


#: The built-in definition as a record: version 0, never stored; its window is each
#: decision's own (infinite here: whatever was joined in time counts).
BUILT_IN = RewardDefinition(
    name=BUILT_IN_REWARD,
    version=0,
    expression=BUILT_IN_REWARD,
    window_s=math.inf,
    default_value=0.0,
    combine={BUILT_IN_REWARD: "first"},
)


def check(definition: RewardDefinition) -> None:
    """Refuse what cannot be stored (the expression itself is the caller's to check)."""
    SIGNAL_NAME.check(definition.name, InvalidSignal, "a reward definition's name")
    if definition.name == BUILT_IN_REWARD:
        raise InvalidSignal(
            f"{BUILT_IN_REWARD!r} is the built-in definition (what reward() sends, as it is"
            " joined); give yours another name, and read that signal as `reward` in it"
        )
    for name, how in definition.combine.items():
        SIGNAL_NAME.check(name, InvalidSignal)
        if how not in COMBINERS:
            raise InvalidSignal(f"{name}: combine by one of {', '.join(COMBINERS)}, not {how!r}")
    if not (math.isfinite(definition.window_s) and 0 < definition.window_s <= 366 * 86400):
        raise InvalidSignal("a reward window is more than 0 seconds and at most a year")
    if not all(map(math.isfinite, (definition.default_value, definition.low, definition.high))):
        raise InvalidSignal("a definition's default and range are finite numbers")
    if not definition.low < definition.high:
        raise InvalidSignal(f"a range needs low < high, got [{definition.low}, {definition.high}]")
    if not definition.low <= definition.default_value <= definition.high:
        raise InvalidSignal("the default reward lies within the range")


def define(session: Session, definition: RewardDefinition) -> RewardDefinition:
    """Store ``definition`` as the next version of its name; the same content as the newest
    version is that version (defining twice is idempotent)."""
    check(definition)
    newest = latest(session, definition.name)
    same = (
        newest is not None
        and (newest.expression, newest.window_s, newest.default_value)
        == (definition.expression, definition.window_s, definition.default_value)
        and dict(newest.combine) == dict(definition.combine)
        and (newest.low, newest.high) == (definition.low, definition.high)
    )
    if same and newest is not None:
        return newest
    row = RewardDefinitionRow(
        name=definition.name,
        version=(newest.version if newest else 0) + 1,
        expression=definition.expression,
        window_s=definition.window_s,
        default_value=definition.default_value,
        combine=dict(definition.combine),
        low=definition.low,
        high=definition.high,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return _record(row)


def latest(session: Session, name: str, version: int | None = None) -> RewardDefinition | None:
    """The newest version of ``name`` (or that version)."""
    query = select(RewardDefinitionRow).where(RewardDefinitionRow.name == name)
    if version is not None:
        query = query.where(RewardDefinitionRow.version == version)
    row = session.scalars(query.order_by(RewardDefinitionRow.version.desc())).first()
    return None if row is None else _record(row)


def every_latest(session: Session) -> list[RewardDefinition]:
    """The newest version of every definition, by name."""
    newest = (
        select(RewardDefinitionRow.name, func.max(RewardDefinitionRow.version).label("v"))
        .group_by(RewardDefinitionRow.name)
        .subquery()
    )
    rows = session.scalars(
        select(RewardDefinitionRow)
        .join(
            newest,
            (RewardDefinitionRow.name == newest.c.name)
            & (RewardDefinitionRow.version == newest.c.v),
        )
        .order_by(RewardDefinitionRow.name)
    )
    return [_record(row) for row in rows]


def signals_for(session: Session, event_ids: Sequence[str]) -> dict[str, list[Signal]]:
    """Every signal of these decisions, by event id, in arrival order (batched queries); a
    decision's reward is its signal ``reward``."""
    found: dict[str, list[Signal]] = {}
    for start in range(0, len(event_ids), 5_000):  # under SQLite's bound-parameter limit
        batch = list(event_ids[start : start + 5_000])
        for reward in session.scalars(select(RewardRow).where(RewardRow.event_id.in_(batch))):
            found.setdefault(reward.event_id, []).append(
                Signal(
                    reward.event_id,
                    BUILT_IN_REWARD,
                    reward.value,
                    reward.received_at,
                    reward.late,
                    None,
                )
            )
        rows = session.scalars(
            select(SignalRow).where(SignalRow.event_id.in_(batch)).order_by(SignalRow.id)
        )
        for r in rows:
            found.setdefault(r.event_id, []).append(
                Signal(r.event_id, r.name, r.value, r.received_at, r.late, r.signal_id)
            )
    for got in found.values():  # the reward among the signals, by arrival (sort is stable)
        got.sort(key=lambda signal: signal.received_at)
    return found


def _record(row: RewardDefinitionRow) -> RewardDefinition:
    return RewardDefinition(
        name=row.name,
        version=row.version,
        expression=row.expression,
        window_s=row.window_s,
        default_value=row.default_value,
        combine=dict(row.combine),
        low=row.low,
        high=row.high,
        created_at=row.created_at,
    )
