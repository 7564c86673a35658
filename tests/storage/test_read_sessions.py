"""`Log.session` is for reads: on SQLite it begins deferred, so a long read neither waits for
a writer nor holds one up (the learner reads while the join beside it commits)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage import Log
from storage.models import DecisionRow
from tests.storage.helpers import decision, seed_title


def test_a_write_commits_while_a_read_is_open_and_the_read_keeps_its_snapshot(
    log: Log, sessions: sessionmaker[Session]
) -> None:
    ids = seed_title(sessions)
    log.record_decisions([decision("before", ids)])
    count = select(func.count()).select_from(DecisionRow)
    with log.session() as reading:
        assert reading.scalar(count) == 1  # the read's transaction is open from here
        # On SQLite a read that took the write lock would hold this for the busy timeout
        # (30 s) and then fail with "database is locked".
        log.record_decisions([decision("during", ids)])
        log.join_matured(now=decision("x", ids).reward_deadline)
        if log.dialect == "sqlite":
            assert reading.scalar(count) == 1  # one snapshot for the whole read
    with log.session() as later:
        assert later.scalar(count) == 2
    assert [row.event_id for row in log.joined()] == ["before", "during"]
