"""A number the database cannot hold (a version or id a user typed) is a `RejectedValue`, on
both databases, wherever it is bound: SQLite's driver refuses it before the statement runs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from storage import Log, RejectedValue

HUGE = 10**20


@pytest.mark.parametrize(
    "call",
    [
        lambda log: log.reward_definition("quality", HUGE),
        lambda log: log.reward_definition("quality", -HUGE),
        lambda log: log.checkpoint(HUGE),
        lambda log: log.mark_checkpoint_bad(HUGE, "typo"),
        lambda log: log.salt(HUGE),
    ],
    ids=["definition version", "negative version", "checkpoint", "mark bad", "salt"],
)
def test_a_number_beyond_the_database_is_rejected(log: Log, call: Callable[[Log], object]) -> None:
    with pytest.raises(RejectedValue, match="out of range"):
        call(log)
