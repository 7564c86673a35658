from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from storage import CheckpointConflict, CorruptCheckpoint
from storage.checkpoints import (
    checkpoint_versions,
    head_checkpoint,
    head_version,
    mark_checkpoint_bad,
    write_checkpoint,
)
from storage.models import CheckpointRow


def _write(s: Session, parent: int, model: bytes = b"model", last_seq: int = 10) -> int:
    return write_checkpoint(
        s,
        parent_version=parent,
        policy="vw",
        args="--cb_explore_adf",
        model=model,
        last_seq=last_seq,
    ).version


def test_checkpoints_chain_and_the_head_is_the_newest(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        assert head_checkpoint(s) is None and head_version(s) == 0
    with sessions.begin() as s:
        assert _write(s, 0, b"one", 10) == 1
    with sessions.begin() as s:
        assert _write(s, 1, b"two", 25) == 2
    with sessions() as s:
        head = head_checkpoint(s)
    assert head is not None
    assert (head.version, head.parent_version, head.model, head.last_seq) == (2, 1, b"two", 25)


def test_two_learners_on_one_parent_one_wins(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        _write(s, 0, b"winner")
    with pytest.raises(CheckpointConflict, match="another learner"), sessions.begin() as s:
        _write(s, 0, b"loser")
    with sessions() as s:
        head = head_checkpoint(s)
    assert head is not None and head.model == b"winner"


def test_a_corrupt_checkpoint_is_detected(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        _write(s, 0, b"good bytes")
    with sessions.begin() as s:
        s.execute(update(CheckpointRow).values(model=b"flipped bits"))
    with pytest.raises(CorruptCheckpoint, match="sha256"), sessions() as s:
        head_checkpoint(s)


def test_the_newest_checkpoints_are_read_without_the_whole_history(
    sessions: sessionmaker[Session],
) -> None:
    """What a learner reads before each batch and a chooser on each reload: the head, the
    newest good one, or those above the one it serves, filtered in the database."""
    for parent in range(6):
        with sessions.begin() as s:
            _write(s, parent)
    with sessions.begin() as s:
        mark_checkpoint_bad(s, 6, "a test")
        mark_checkpoint_bad(s, 5, "a test")

    def versions(**filters: object) -> list[int]:
        with sessions() as s:
            return [row[0] for row in checkpoint_versions(s, **filters)]  # type: ignore[arg-type]

    assert versions() == [6, 5, 4, 3, 2, 1]
    assert versions(limit=1) == [6]
    assert versions(good_only=True, limit=1) == [4]
    assert versions(newer_than=3) == [6, 5, 4]
    assert versions(newer_than=6) == []
    assert versions(reward="another lineage") == []
