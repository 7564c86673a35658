"""`ArtworkChooser.choose_rows`: several rows in one commit, each answered as `choose_many`
would have answered it alone (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from bandit import (
    ArtworkChooser,
    ConflictingRecord,
    InvalidContext,
    UnknownTitle,
    VWPolicy,
)
from bandit.rows import RowRequest
from storage import Log
from storage.decisions import count_decisions
from tests.bandit.helpers import Clock, add_title, sessions_of


@pytest.fixture
def chooser(log: Log) -> ArtworkChooser:
    return ArtworkChooser(log, VWPolicy(epsilon=0.2), reload_every_s=0, clock=Clock())


def test_rows_share_one_commit_and_answer_as_alone(log: Log, chooser: ArtworkChooser) -> None:
    add_title(log, "a", 4)
    add_title(log, "b", 3)
    rows = [
        RowRequest(["a"], {"segment": "kids"}, event_id="r1"),
        RowRequest(["a", "b"], {"segment": "adults", "device": "tv"}, event_id="r2"),
        RowRequest(["b"], {"segment": "kids"}, event_id="r3", excluded=[]),
    ]
    runs: list[int] = []
    run = chooser._writer._run

    def counted(work):  # type: ignore[no-untyped-def]
        runs.append(1)
        return run(work)

    chooser._writer._run = counted  # type: ignore[method-assign]
    together = chooser.choose_rows(rows)
    assert len(runs) == 1  # one transaction, so one durable commit, for three rows
    alone = ArtworkChooser(log, VWPolicy(epsilon=0.2), reload_every_s=0, clock=Clock())
    for row, answer in zip(rows, together, strict=True):
        assert not isinstance(answer, Exception)
        # The same event ids answered alone are retries: the same decisions, logged once.
        again = alone.choose_many(row.title_ids, row.context, event_id=row.event_id)
        assert again == answer
        for decision in answer:
            logged = log.decision(decision.event_id)
            assert logged.artwork_id == decision.artwork_id
            assert logged.probability == decision.probability
    assert [d.event_id for d in together[1]] == ["r2-0", "r2-1"]  # type: ignore[union-attr]
    with sessions_of(log)() as s:
        assert count_decisions(s) == 4


def test_a_failing_row_is_refused_alone_and_the_others_are_logged(
    log: Log, chooser: ArtworkChooser
) -> None:
    add_title(log, "a", 3)
    first = chooser.choose("a", {"segment": "kids"}, event_id="used")
    rows = [
        RowRequest(["a"], {"segment": "kids"}, event_id="ok-1"),
        RowRequest(["nope"], {"segment": "kids"}, event_id="unknown-title"),
        RowRequest(["a"], {"segment": "adults"}, event_id="used"),  # another request: 409
        RowRequest(["a"], {"segment": "kids"}, event_id="used"),  # a retry: the first answer
        RowRequest(["a"], {"segment": ""}, event_id="bad-context"),
        RowRequest(["a"], {"segment": "kids"}, event_id="ok-2"),
    ]
    answers = chooser.choose_rows(rows)
    assert isinstance(answers[1], UnknownTitle)
    assert isinstance(answers[2], ConflictingRecord)
    assert answers[3] == [first]
    assert isinstance(answers[4], InvalidContext)
    for ok in (answers[0], answers[5]):
        assert not isinstance(ok, Exception)
        assert log.decision(ok[0].event_id).artwork_id == ok[0].artwork_id
    with sessions_of(log)() as s:
        assert count_decisions(s) == 3  # "used", ok-1, ok-2: nothing of the refused rows


def test_the_same_event_id_twice_in_one_batch_is_logged_once(
    log: Log, chooser: ArtworkChooser
) -> None:
    add_title(log, "a", 3)
    row = RowRequest(["a"], {"segment": "kids"}, event_id="twice")
    first, second = chooser.choose_rows([row, row])
    assert first == second
    with sessions_of(log)() as s:
        assert count_decisions(s) == 1
