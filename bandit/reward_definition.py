"""Rewards from signals: a stored definition (`storage.RewardDefinition`) turns the signals a
decision received within its window into one reward in [0, 1].

>>> from datetime import UTC, datetime, timedelta
>>> quality = definition("quality", "1 if watch_minutes >= 5 else 0", window_s=6 * 3600)
>>> t0 = datetime(2026, 12, 6, tzinfo=UTC)
>>> watched = [storage.Signal("e", "watch_minutes", 7.0, t0 + timedelta(minutes=9), False)]
>>> reward_from(quality, t0, watched)
1.0
>>> reward_from(quality, t0, [])  # nothing came: the default
0.0
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import storage
from bandit.reward_expression import RewardExpression

#: How a signal's values combine when the definition does not say: its largest, so that
#: repeated progress updates (``watch_minutes``) and repeated clicks count once.
DEFAULT_COMBINE = "max"


def definition(
    name: str,
    expression: str,
    *,
    window_s: float,
    default: float = 0.0,
    combine: Mapping[str, str] | None = None,
    low: float = 0.0,
    high: float = 1.0,
) -> storage.RewardDefinition:
    """A definition ready to store: its expression parsed and checked first
    (`InvalidRewardExpression` names the column of a mistake)."""
    parsed = RewardExpression.parse(expression)
    candidate = storage.RewardDefinition(
        name=name,
        version=0,
        expression=parsed.text,
        window_s=float(window_s),
        default_value=float(default),
        combine=dict(combine or {}),
        low=float(low),
        high=float(high),
    )
    return candidate


def combined(definition: storage.RewardDefinition, values: Sequence[float], name: str) -> float:
    how = definition.combine.get(name, DEFAULT_COMBINE)
    if how == "first":
        return values[0]
    if how == "last":
        return values[-1]
    return sum(values) if how == "sum" else max(values)


def reward_from(
    definition: storage.RewardDefinition,
    decided_at: datetime,
    signals: Sequence[storage.Signal],
    expression: RewardExpression | None = None,
) -> float:
    """The reward in [0, 1] of one decision made at ``decided_at``: the expression over its
    signals that arrived within the window (combined per name), or the default when none of
    the names it reads arrived; clipped to the definition's range and mapped onto [0, 1]."""
    parsed = expression or RewardExpression.parse(definition.expression)
    closes = (
        None
        if math.isinf(definition.window_s)  # the built-in: whatever was joined in time
        else decided_at + timedelta(seconds=definition.window_s)
    )
    by_name: dict[str, list[float]] = {}
    for signal in signals:
        if signal.name in parsed.names and (closes is None or signal.received_at <= closes):
            by_name.setdefault(signal.name, []).append(signal.value)
    if by_name:
        values = {name: combined(definition, got, name) for name, got in by_name.items()}
        raw = parsed.evaluate(values)
    else:
        raw = definition.default_value
    clipped = min(max(raw, definition.low), definition.high)
    return (clipped - definition.low) / (definition.high - definition.low)


def rewarded(
    log: storage.Log,
    rows: Sequence[storage.JoinedExample],
    definition: storage.RewardDefinition,
) -> list[storage.JoinedExample]:
    """Joined rows with their rewards under ``definition`` (`rewards_under`); under the
    built-in ``reward``, the reward as joined."""
    if definition.name == storage.BUILT_IN_REWARD or not rows:
        return list(rows)
    rewards = rewards_under(
        log, [row.event_id for row in rows], [row.created_at for row in rows], definition
    )
    return [dataclasses.replace(row, reward=r) for row, r in zip(rows, rewards, strict=True)]


def rewards_under(
    log: storage.Log,
    event_ids: Sequence[str],
    decided_at: Sequence[datetime],
    definition: storage.RewardDefinition,
) -> list[float]:
    """The rewards under ``definition`` of these joined decisions (made at ``decided_at``),
    from the signals each received before its join: later ones are late, never learned, so
    never scored either."""
    expression = RewardExpression.parse(definition.expression)
    signals = log.signals_for(event_ids)
    return [
        reward_from(
            definition,
            at,
            [s for s in signals.get(event_id, ()) if not s.late],
            expression,
        )
        for event_id, at in zip(event_ids, decided_at, strict=True)
    ]
