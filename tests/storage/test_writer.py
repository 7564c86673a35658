from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage import ConflictingRecord, DatabaseUnavailable, Log, NewDecision, open_log
from storage.catalog import retire_artworks
from storage.decisions import count_decisions
from storage.records import Artwork
from storage.writer import DecisionWriter, ServedTitle
from tests.storage.helpers import decision, seed_title


def test_write_is_idempotent_and_reads_back_whole(
    log: Log, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    ids = seed_title(sessions)
    writer = DecisionWriter(engine)
    d = decision("e1", ids, chosen=1, context={"segment": "a", "tags": ["x|y", "new\nline"]})
    assert writer.write(d) is True
    assert writer.write(d) is False
    row = log.decision("e1")
    assert row.context == {"segment": "a", "tags": ["x|y", "new\nline"]}
    assert row.created_at == d.created_at and row.reward_deadline == d.reward_deadline
    assert row.candidate_ids == tuple(ids) and row.artwork_id == ids[1]
    writer.close()


def test_a_batch_with_a_conflict_writes_nothing(
    log: Log, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    ids = seed_title(sessions)
    writer = DecisionWriter(engine)
    writer.write(decision("taken", ids, chosen=0))
    other = decision("taken", ids, chosen=2)
    with pytest.raises(ConflictingRecord, match="taken"):
        writer.write_many([decision("fresh", ids), other])
    assert writer.write_many([decision(f"b{i}", ids) for i in range(10)]) == 10
    with sessions() as s:
        assert count_decisions(s) == 11
    assert log.decision("taken").artwork_id == ids[0]


def test_serve_reads_active_artworks_and_logs_in_one_transaction(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    ids = seed_title(sessions, 3)
    with sessions.begin() as s:
        retire_artworks(s, [ids[0]])
    writer = DecisionWriter(engine)
    seen: list[list[Artwork]] = []

    def decide(title: ServedTitle) -> NewDecision:
        seen.append(title.artworks)
        assert title.mode.mode == "online"
        return decision("served", [a.id for a in title.artworks])

    writer.serve("t1", decide)
    assert [a.id for a in seen[0]] == ids[1:]
    assert seen[0][0].features == {"brightness": 0.1}

    def refuse(title: ServedTitle) -> NewDecision:
        raise LookupError("no artwork")

    with pytest.raises(LookupError):
        writer.serve("t1", refuse)
    with sessions() as s:
        assert count_decisions(s) == 1
    # The connection is still usable after a refused decision.
    writer.write(dataclasses.replace(decision("after", ids[1:])))


def test_a_database_that_goes_away_is_a_clear_error_and_the_writer_recovers(
    pg_schema_url: str,
) -> None:
    victim = open_log(f"{pg_schema_url}&application_name=tb_victim", create=True)
    sessions = sessionmaker(victim.engine)
    ids = seed_title(sessions)
    writer = victim.writer()
    writer.write(decision("before", ids))
    admin = open_log(pg_schema_url)
    with admin.engine.connect() as conn:  # as if the server restarted under the writer
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'tb_victim'"
            )
        )
    with pytest.raises(DatabaseUnavailable, match="went away"):
        writer.write(decision("lost", ids))
    writer.write(decision("after", ids))  # the next call reconnects
    with admin.engine.connect() as conn:
        logged = conn.execute(text("SELECT event_id FROM decisions ORDER BY event_id")).scalars()
        assert list(logged) == ["after", "before"]
    writer.close()
    victim.close()
    admin.close()
