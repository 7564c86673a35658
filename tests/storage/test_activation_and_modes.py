"""Deferred activation and apprentice mode in the log, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from storage import (
    ActivationClosed,
    InvalidDecision,
    Log,
    NotActivated,
    UnknownEvent,
    UnknownTitle,
)
from tests.storage.helpers import T0, decision
from tests.storage.test_engine_and_schema import seed_title_ids


def deferred(event_id: str, ids: list[int]) -> object:
    return dataclasses.replace(decision(event_id, ids), activated=False)


def test_a_deferred_decision_joins_only_once_activated(log: Log) -> None:
    ids = seed_title_ids(log)
    log.record_decisions([deferred("shown", ids), deferred("never", ids), decision("plain", ids)])  # type: ignore[list-item]
    with pytest.raises(NotActivated):
        log.record_reward("shown", 1.0, now=T0)
    assert log.activate("shown", now=T0).duplicate is False
    assert log.activate("shown", now=T0).duplicate is True
    log.record_reward("shown", 1.0, now=T0)
    assert log.join_matured(now=T0 + timedelta(hours=1)) == 2
    assert {row.event_id: row.reward for row in log.joined()} == {"shown": 1.0, "plain": 0.0}
    assert log.join_matured(now=T0 + timedelta(days=30)) == 0  # "never" stays out for good
    assert not log.decision("never").activated


def test_activation_after_the_window_is_refused(log: Log) -> None:
    ids = seed_title_ids(log)
    log.record_decisions([deferred("late", ids)])  # type: ignore[list-item]
    with pytest.raises(ActivationClosed, match="window closed"):
        log.activate("late", now=T0 + timedelta(hours=1))
    assert not log.decision("late").activated
    with pytest.raises(UnknownEvent):
        log.activate("nope", now=T0)
    with pytest.raises(InvalidDecision):
        log.activate("x" * 65, now=T0)


def test_title_modes_and_the_apprentice_summary(log: Log) -> None:
    ids = seed_title_ids(log)
    assert log.title_mode("t1").mode == "online"
    with pytest.raises(InvalidDecision, match="no baseline"):
        log.set_title_mode("t1", "apprentice")
    with pytest.raises(InvalidDecision, match="not an active artwork"):
        log.set_title_mode("t1", "apprentice", 999)
    with pytest.raises(InvalidDecision, match="mode must be"):
        log.set_title_mode("t1", "sometimes", ids[0])
    with pytest.raises(UnknownTitle):
        log.set_title_mode("nope", "online")
    mode = log.set_title_mode("t1", "apprentice", ids[1])
    assert (mode.mode, mode.baseline_artwork_id) == ("apprentice", ids[1])
    served = [
        dataclasses.replace(
            decision(f"a{i}", ids, chosen=1),
            pmf=(0.0, 1.0, 0.0),
            probability=1.0,
            policy_pmf=(0.6, 0.3, 0.1) if i < 3 else (0.1, 0.8, 0.1),
        )
        for i in range(4)
    ]
    log.record_decisions(served)
    log.record_reward("a0", 1.0, now=T0)
    log.join_matured(now=T0 + timedelta(hours=1))
    summary = log.apprentice_summary("t1")
    assert summary.decisions == 4 and summary.rewarded == 1
    assert summary.policy_agreed == pytest.approx(0.25)
    assert summary.policy_baseline_probability == pytest.approx((0.3 * 3 + 0.8) / 4)
    assert summary.baseline_reward == pytest.approx(0.25)
    assert log.decision("a3").policy_pmf == (0.1, 0.8, 0.1)
    with pytest.raises(InvalidDecision, match="policy_pmf"):
        dataclasses.replace(served[0], policy_pmf=(0.5, 0.5))
    assert log.set_title_mode("t1", "online").baseline_artwork_id == ids[1]  # kept for later
