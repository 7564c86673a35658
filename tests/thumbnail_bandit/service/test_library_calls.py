"""`LibraryCalls`: ranks that arrive together share a commit, on the event loop or on a thread
of their own, and each still gets its own answer or its own error."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import storage
from bandit import ArtworkChooser, UnknownTitle
from bandit.rows import RowRequest
from storage.decisions import count_decisions
from tests.thumbnail_bandit.service.conftest import TITLE, seed
from thumbnail_bandit.service.library_calls import LibraryCalls
from thumbnail_bandit.service.runtime import ServiceState
from thumbnail_bandit.service.settings import ServiceSettings


@pytest.mark.parametrize("own_thread", [True, False], ids=["own thread", "event loop"])
def test_concurrent_ranks_share_commits_and_keep_their_own_answers(
    log_url: str, own_thread: bool
) -> None:
    seed(log_url)
    chooser = ArtworkChooser(log_url, reload_every_s=0)
    batches: list[int] = []
    choose_rows = chooser.choose_rows

    def counted(rows: Any) -> Any:
        batches.append(len(rows))
        return choose_rows(rows)

    chooser.choose_rows = counted  # type: ignore[method-assign]
    library = LibraryCalls(chooser, own_thread=own_thread)
    rows = [RowRequest([TITLE], {"segment": f"s{i % 3}"}, event_id=f"e{i}") for i in range(12)]
    rows[5] = RowRequest(["no-such-title"], {"segment": "s"}, event_id="bad")

    async def all_at_once() -> list[Any]:
        return await asyncio.gather(*(library.rank(r) for r in rows), return_exceptions=True)

    try:
        answers = asyncio.run(all_at_once())
    finally:
        library.close()
        chooser.close()
    assert sum(batches) == len(rows) and max(batches) > 1  # they waited for commits together
    assert isinstance(answers[5], UnknownTitle)
    with storage.open_log(log_url) as log:
        for i, answer in enumerate(answers):
            if i == 5:
                continue
            (decision,) = answer
            assert decision.event_id == f"e{i}"
            logged = log.decision(f"e{i}")
            assert (logged.artwork_id, logged.probability) == (
                decision.artwork_id,
                decision.probability,
            )
        with log.session() as s:
            assert count_decisions(s) == len(rows) - 1


def test_only_postgresql_workers_use_a_library_thread(log_url: str) -> None:
    seed(log_url)
    state = ServiceState(ServiceSettings(db=log_url))
    try:  # SQLite's commits do not wait for the disk: there the event loop runs the library
        assert state.library.own_thread == (state.log.dialect == "postgresql")
    finally:
        state.close()
