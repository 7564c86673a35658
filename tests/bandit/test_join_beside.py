"""The join on a thread beside the learner (`bandit.join_beside`): the learner reads the
batches a learner that joined everything first reads, and a join that fails reaches it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

import storage
import storage.join
from bandit import ArtworkChooser, Learner, LogUnavailable, VWPolicy
from bandit.join_beside import JoinBeside
from storage import Log
from storage.models import CheckpointRow
from tests.bandit.helpers import Clock, add_title, sessions_of

LATER = datetime(2030, 1, 1, tzinfo=UTC)


def _serve(log: Log, n: int) -> None:
    add_title(log, "t", 3)
    chooser = ArtworkChooser(log, VWPolicy(), clock=Clock())
    for i in range(n):
        decision = chooser.choose("t", {"segment": "ab"[i % 2]}, event_id=f"e{i:03}")
        if i % 3 == 0:
            chooser.reward(decision.event_id, 1.0)
    chooser.close()


def _checkpoints(log: Log) -> list[tuple[int, int, str]]:
    with sessions_of(log)() as s:
        rows = s.execute(
            select(CheckpointRow.version, CheckpointRow.last_seq, CheckpointRow.sha256)
        ).all()
    return sorted((v, seq, sha) for v, seq, sha in rows)


def test_batches_wait_for_a_full_batch_of_joined_rows(
    log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With join batches of 7 and learning batches of 10, every learning batch but the last
    spans two or more join commits: each checkpoint still ends on a multiple of 10, and the
    models are the ones a learner that joined everything first writes."""
    _serve(log, 45)
    monkeypatch.setattr(storage.join, "JOIN_BATCH", 7)
    report = Learner(log, VWPolicy, batch_size=10, clock=lambda: LATER).run_once()
    assert (report.joined, report.learned, report.last_seq) == (45, 45, 45)
    beside = _checkpoints(log)
    assert [seq for _, seq, _ in beside] == [10, 20, 30, 40, 45]

    # The same log joined first, then learned, in the same batches: the same models.
    learner = Learner(log, VWPolicy, batch_size=10, restart=True, clock=lambda: LATER)
    learner.run_once()
    rebuilt = _checkpoints(log)[len(beside) :]
    assert [seq for _, seq, _ in rebuilt] == [10, 20, 30, 40, 45]
    assert [sha for *_, sha in rebuilt] == [sha for *_, sha in beside]


def test_a_join_that_fails_reaches_the_learner_and_keeps_its_committed_batches(
    log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve(log, 30)
    monkeypatch.setattr(storage.join, "JOIN_BATCH", 7)
    real = storage.join.join_matured
    calls = 0

    def fails_third_time(*args: object, **kwargs: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise storage.DatabaseUnavailable("the log went away mid-join")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(storage.join, "join_matured", fails_third_time)
    with pytest.raises(LogUnavailable, match="went away mid-join"):
        Learner(log, VWPolicy, batch_size=10, clock=lambda: LATER).run_once()
    assert log.last_joined_seq() == 14  # two batches committed, the third rolled back
    monkeypatch.setattr(storage.join, "join_matured", real)
    report = Learner(log, VWPolicy, batch_size=10, clock=lambda: LATER).run_once()
    assert report.joined == 16 and report.last_seq == 30


def test_closing_early_stops_the_join_after_the_batch_it_is_committing(
    log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve(log, 30)
    monkeypatch.setattr(storage.join, "JOIN_BATCH", 5)
    with JoinBeside(log, LATER) as joining:
        joining.wait_for(5)
    assert joining.joined % 5 == 0 and joining.joined == log.last_joined_seq()
    assert 5 <= joining.joined <= 30
