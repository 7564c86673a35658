from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage import ConflictingRecord, InvalidDecision, Log
from storage.decisions import count_decisions
from tests.storage.helpers import decision, seed_title


def test_a_decision_keeps_everything_replay_needs(
    log: Log, sessions: sessionmaker[Session]
) -> None:
    ids = seed_title(sessions)
    d = decision("e1", ids, chosen=2, context={"segment": "a", "country": "NZ"})
    assert log.record_decisions([d]) == 1
    row = log.decision("e1")
    assert row.candidate_ids == tuple(ids)
    assert row.pmf == pytest.approx([1 / 3] * 3)
    assert row.artwork_id == ids[2]
    assert row.probability == pytest.approx(1 / 3)
    assert row.context == {"segment": "a", "country": "NZ"}
    assert row.reward_deadline == d.reward_deadline


def test_a_retried_decision_is_logged_once(log: Log, sessions: sessionmaker[Session]) -> None:
    ids = seed_title(sessions)
    d = decision("e1", ids)
    assert [log.record_decisions([d]) for _ in range(2)] == [1, 0]
    with sessions() as s:
        assert count_decisions(s) == 1


@pytest.mark.parametrize(
    "change",
    [{"chosen": 1}, {"context": {"segment": "b"}}, {"context": {"segment": "a", "hour": 3}}],
    ids=["other artwork", "other segment", "other features"],
)
def test_a_reused_event_id_with_other_content_is_refused(
    log: Log, sessions: sessionmaker[Session], change: dict[str, object]
) -> None:
    ids = seed_title(sessions)
    log.record_decisions([decision("e1", ids, chosen=0)])
    with pytest.raises(ConflictingRecord, match="e1"):
        log.record_decisions([decision("e1", ids, **change)])  # type: ignore[arg-type]
    assert log.decision("e1").artwork_id == ids[0]
    assert log.decision("e1").context == {"segment": "a"}


def test_batches_skip_repeats_and_count_new_rows(log: Log, sessions: sessionmaker[Session]) -> None:
    ids = seed_title(sessions)
    batch = [decision(f"e{i}", ids) for i in range(100)]
    assert log.record_decisions(batch[:60]) == 60
    assert log.record_decisions(batch) == 40
    with sessions() as s:
        assert count_decisions(s) == 100


def test_a_bad_batch_writes_nothing(log: Log, sessions: sessionmaker[Session]) -> None:
    ids = seed_title(sessions)
    log.record_decisions([decision("taken", ids, chosen=0)])
    batch = [decision("new1", ids), decision("taken", ids, chosen=1)]
    with pytest.raises(ConflictingRecord):
        log.record_decisions(batch)
    with sessions() as s:
        assert count_decisions(s) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pmf": (0.5, 0.3, 0.1)}, "sums to"),
        ({"pmf": (0.5, 0.5)}, "entries for 3"),
        ({"pmf": (1.2, -0.1, -0.1)}, r"in \[0, 1\]"),
        ({"artwork_id": 999_999}, "not among the candidates"),
        ({"probability": 0.9}, "does not match"),
        ({"candidate_ids": (1, 1, 2)}, "repeat"),
        ({"candidate_ids": (), "pmf": ()}, "at least one"),
        ({"context": {"when": object()}}, "not JSON"),
        ({"context": {"x": float("nan")}}, "not JSON"),
        ({"event_id": ""}, "event id"),
        ({"event_id": "x" * 65}, "event id"),
        ({"event_id": "\ud800"}, "Unicode"),
        ({"event_id": "a\x00b"}, "NUL"),
        ({"event_id": 17}, "string"),
        ({"title_id": ["t1"]}, "string"),
        ({"context": {"segment": "a\x00"}}, "NUL"),
        ({"context": {"segment": "\udfff"}}, "Unicode"),
        ({"reward_deadline": decision("e", [1, 2, 3]).created_at - timedelta(1)}, "before"),
    ],
)
def test_malformed_decisions_are_refused(change: dict[str, object], message: str) -> None:
    base = decision("e", [1, 2, 3])
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base) if f.init}
    fields.update(change)
    if change.get("candidate_ids"):
        fields["artwork_id"] = 1
    with pytest.raises(InvalidDecision, match=message):
        type(base)(**fields)
