from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage import ConflictingRecord, InvalidReward, Log, UnknownEvent
from storage.join import join_matured, read_joined
from storage.models import RewardRow
from storage.rewards import record_reward
from tests.storage.helpers import T0, decision, seed_title


@pytest.fixture
def logged(log: Log, sessions: sessionmaker[Session]) -> list[int]:
    ids = seed_title(sessions)
    log.record_decisions([decision("e1", ids)])
    return ids


def test_reward_within_window_is_learned(
    sessions: sessionmaker[Session], logged: list[int]
) -> None:
    with sessions.begin() as s:
        receipt = record_reward(s, "e1", 1.0, now=T0 + timedelta(minutes=1))
    assert not receipt.late and not receipt.duplicate
    with sessions.begin() as s:
        join_matured(s, now=T0 + timedelta(hours=1))
    with sessions() as s:
        [example] = read_joined(s, 0)
    assert example.reward == 1.0 and example.rewarded


def test_the_same_reward_twice_counts_once(
    sessions: sessionmaker[Session], logged: list[int]
) -> None:
    for _ in range(3):
        with sessions.begin() as s:
            receipt = record_reward(s, "e1", 1, now=T0 + timedelta(minutes=1))
    assert receipt.duplicate
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(RewardRow)) == 1


def test_a_different_second_reward_is_refused_and_the_first_kept(
    sessions: sessionmaker[Session], logged: list[int]
) -> None:
    with sessions.begin() as s:
        record_reward(s, "e1", 1.0, now=T0)
    with pytest.raises(ConflictingRecord, match=r"already has reward 1\.0"), sessions.begin() as s:
        record_reward(s, "e1", 0.0, now=T0)
    with sessions() as s:
        assert s.scalar(select(RewardRow.value)) == 1.0


def test_unknown_event(sessions: sessionmaker[Session], logged: list[int]) -> None:
    with pytest.raises(UnknownEvent, match="ghost"), sessions.begin() as s:
        record_reward(s, "ghost", 1.0)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.1, 1.5, "1", None, True])
def test_bad_reward_values(
    sessions: sessionmaker[Session], logged: list[int], value: object
) -> None:
    with pytest.raises(InvalidReward), sessions.begin() as s:
        record_reward(s, "e1", value)  # type: ignore[arg-type]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(RewardRow)) == 0


def test_a_late_reward_is_stored_flagged_and_never_learned(
    sessions: sessionmaker[Session], logged: list[int]
) -> None:
    with sessions.begin() as s:
        receipt = record_reward(s, "e1", 1.0, now=T0 + timedelta(minutes=11))
    assert receipt.late
    with sessions.begin() as s:
        join_matured(s, now=T0 + timedelta(hours=1))
    with sessions() as s:
        [example] = read_joined(s, 0)
        assert example.reward == 0.0 and not example.rewarded
        assert s.scalar(select(RewardRow.late)) is True


def test_a_reward_after_the_join_is_late_even_inside_the_window(
    sessions: sessionmaker[Session], logged: list[int]
) -> None:
    # The joiner's clock ran ahead of the rewarder's: the join wins, the reward is flagged.
    with sessions.begin() as s:
        join_matured(s, now=T0 + timedelta(hours=1))
    with sessions.begin() as s:
        assert record_reward(s, "e1", 1.0, now=T0 + timedelta(minutes=1)).late
