from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from storage import (
    Checkpoint,
    CheckpointConflict,
    DatabaseUnavailable,
    InvalidLogUrl,
    Log,
    LogNotFound,
    SchemaVersionError,
    StorageError,
    open_log,
    redact,
)
from storage.schema import head_revision, verify
from tests.storage.helpers import decision, scribble_over_pages, seed_title


def test_sqlite_is_wal_with_foreign_keys(tmp_path: Path) -> None:
    # a bare path means SQLite
    with open_log(tmp_path / "log.sqlite", create=True) as log, log.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_full_durability_syncs_every_commit(tmp_path: Path) -> None:
    log = open_log(tmp_path / "log.sqlite", durability="full", create=True)
    with log, log.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_open_is_idempotent(log: Log, log_url: str) -> None:
    for _ in range(2):
        with open_log(log_url) as again:
            verify(again.engine)


def test_a_missing_log_is_not_created_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "typo.sqlite"
    with pytest.raises(LogNotFound, match=f"no log at {path}.*thumbnail-bandit create"):
        open_log(path)
    assert not path.exists()
    open_log(path, create=True).close()
    open_log(path).close()


def test_an_empty_postgres_database_is_not_a_log_unless_created(pg_schema_url: str) -> None:
    with pytest.raises(LogNotFound, match="holds no thumbnail-bandit log"):
        open_log(pg_schema_url)
    open_log(pg_schema_url, create=True).close()
    open_log(pg_schema_url).close()


def test_unreachable_postgres_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(DatabaseUnavailable, match=r"postgresql://u:\*\*\*@") as caught:
        open_log("postgresql://u:secret@127.0.0.1:1/nowhere")
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "error", "reason"),
    [
        ("sqlite:////no/such/directory/log.sqlite", LogNotFound, "does not exist"),
        ("sqlite://", InvalidLogUrl, "in-memory"),
        ("nosuchdb://x", InvalidLogUrl, "nosuchdb"),
        ("mysql://x", InvalidLogUrl, "supports sqlite"),
        ("not a url at all", InvalidLogUrl, "neither a database URL"),
        ("log.txt", InvalidLogUrl, "SQLite file path ending in"),
        ("postgresql ://alice:S3cretPW@127.0.0.1/db", InvalidLogUrl, "alice:\\*\\*\\*@"),
    ],
)
def test_bad_urls_are_clear_errors(url: str, error: type[StorageError], reason: str) -> None:
    with pytest.raises(error, match=reason) as caught:
        open_log(url, create=True)
    assert "S3cretPW" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://alice:S3cretPW@host/db",
        "postgresql ://alice:S3cretPW@127.0.0.1/db",
        "postgres+weird://alice:S3cretPW@[::1/db",
    ],
)
def test_redact_hides_passwords_even_in_urls_that_do_not_parse(url: str) -> None:
    assert "S3cretPW" not in redact(url) and "alice" in redact(url)


def test_unknown_schema_revision_is_refused(log: Log, log_url: str) -> None:
    with log.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    with pytest.raises(SchemaVersionError, match="from_the_future"):
        open_log(log_url)
    with pytest.raises(SchemaVersionError):
        open_log(log_url, migrate=False)


def test_foreign_tables_without_history_are_refused(log: Log, log_url: str) -> None:
    with log.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    with pytest.raises(SchemaVersionError, match="no migration history"):
        open_log(log_url, create=True)


def test_verify_without_migrating_refuses_an_empty_database(log_url: str) -> None:
    with pytest.raises(SchemaVersionError, match=head_revision()):
        open_log(log_url, migrate=False, create=True)


def test_a_log_at_the_first_schema_upgrades_and_keeps_its_rows(log_url: str) -> None:
    """0001 -> head on both databases: artworks keep their ids, decisions stay readable."""
    from storage.schema import downgrade

    with open_log(log_url, create=True) as log:
        downgrade(log.engine, "0001")
        with log.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO titles (id, name, created_at) VALUES ('t1', 't1', :now)"),
                {"now": "2026-01-01 00:00:00"},
            )
    with open_log(log_url) as log:  # migrates to head
        ids = seed_title_ids(log)
        log.record_decisions([decision("e1", ids)])
        assert log.decision("e1").artwork_id == ids[0]
        assert [c.version for c in log.checkpoints()] == []


def seed_title_ids(log: Log) -> list[int]:
    from sqlalchemy.orm import sessionmaker

    return seed_title(sessionmaker(log.engine))


def test_a_deleted_sqlite_log_is_an_error_not_a_silent_success(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    with open_log(path, create=True) as log:
        ids = seed_title_ids(log)
        writer = log.writer()
        writer.write(decision("before", ids))
        os.remove(path)
        with pytest.raises(DatabaseUnavailable, match="deleted"):
            writer.write(decision("after", ids))
        with pytest.raises(DatabaseUnavailable, match="deleted"):
            log.record_reward("before", 1.0)
        writer.close()


def test_a_replaced_sqlite_log_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    with open_log(path, create=True) as log:
        ids = seed_title_ids(log)
        writer = log.writer()
        writer.write(decision("before", ids))
        os.replace(path, tmp_path / "moved.sqlite")
        path.write_bytes(b"")
        with pytest.raises(DatabaseUnavailable, match="replaced"):
            writer.write(decision("after", ids))
        writer.close()


def test_a_damaged_sqlite_log_is_unavailable_at_open(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    with open_log(path, create=True) as log:
        ids = seed_title_ids(log)
        log.record_decisions([decision(f"e{i}", ids) for i in range(500)])
    scribble_over_pages(path)
    with pytest.raises(DatabaseUnavailable, match=r"damaged|malformed|not a database"):
        open_log(path)


def test_a_file_that_is_not_a_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    path.write_bytes(b"this is not sqlite" * 1000)
    with pytest.raises(DatabaseUnavailable, match="not a database"):
        open_log(path)


def test_a_writer_that_saw_damage_writes_nothing_more(tmp_path: Path) -> None:
    """Once SQLite reports the file damaged, later writes fail too, even ones that would only
    touch sound pages: nothing more goes into a corrupt log."""
    with open_log(tmp_path / "log.sqlite", create=True) as log:
        ids = seed_title_ids(log)
        writer = log.writer()
        writer.write(decision("before", ids))

        def corrupt(_cursor: object) -> None:
            raise sqlite3.DatabaseError("database disk image is malformed")

        with pytest.raises(DatabaseUnavailable, match="malformed"):
            writer._run(corrupt)
        with pytest.raises(DatabaseUnavailable, match="damaged"):
            writer.write(decision("after", ids))
        assert [e for e in ("before", "after") if _logged(log, e)] == ["before"]
        writer.close()


def _logged(log: Log, event_id: str) -> bool:
    try:
        log.decision(event_id)
    except StorageError:
        return False
    return True


def test_a_log_at_0002_upgrades_with_its_decisions_activated(log_url: str) -> None:
    """0002 (the schema before deferred activation, apprentice mode and API keys) -> head on
    both databases: logged decisions count as shown and still join, titles are online."""
    from datetime import timedelta

    from storage.decisions import count_decisions
    from storage.schema import downgrade, upgrade
    from tests.storage.helpers import T0

    with open_log(log_url, create=True) as log:
        ids = seed_title_ids(log)
        log.record_decisions([decision("old-1", ids), decision("old-2", ids, chosen=1)])
        log.record_reward("old-1", 1.0, now=T0)
        downgrade(log.engine, "0002")
        with log.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("decisions")}
            assert "activated" not in columns and "api_keys" not in inspect(conn).get_table_names()
    with open_log(log_url) as log:  # migrates to head
        assert log.decision("old-1").activated and log.decision("old-2").activated
        assert log.title_mode("t1").mode == "online"
        assert log.join_matured(now=T0 + timedelta(hours=1)) == 2
        assert {(row.event_id, row.reward) for row in log.joined()} == {
            ("old-1", 1.0),
            ("old-2", 0.0),
        }
        key, token = log.create_key("after-upgrade", ["rank"])
        assert log.verify_key(token) == key
        salt = log.sampling_salt()  # 0004 made the log its secret sampling salt
        assert salt.id == 1 and len(salt.secret) == 64
        assert log.decision("old-1").exploration.get("salt") is None  # drawn before salts
        downgrade(log.engine, "0002")  # and back down and up again, rows and all
        upgrade(log.engine)
        assert log.decision("old-2").activated
        with log.session() as s:
            assert count_decisions(s) == 2


def test_a_populated_log_at_0001_upgrades_on_both_databases(log_url: str) -> None:
    """Batch-mode rebuilds of tables that other rows refer to (artworks in 0002, titles and
    decisions in 0003) keep every row and reference."""
    from datetime import timedelta

    from storage.schema import downgrade
    from tests.storage.helpers import T0

    with open_log(log_url, create=True) as log:
        ids = seed_title_ids(log)
        log.record_decisions([decision("e1", ids, chosen=2)])
        log.record_reward("e1", 0.5, now=T0)
        downgrade(log.engine, "0001")
    with open_log(log_url) as log:
        assert log.decision("e1").artwork_id == ids[2]
        assert [a.id for a in log.artworks("t1")] == ids
        assert log.join_matured(now=T0 + timedelta(hours=1)) == 1
        assert log.joined()[0].reward == 0.5


def test_a_missing_postgresql_database_says_how_to_make_it() -> None:
    from tests.conftest import postgres_base_url

    base = postgres_base_url()
    missing = base.rsplit("/", 1)[0] + "/tb_no_such_database"
    with pytest.raises(LogNotFound, match=r"createdb tb_no_such_database"):
        open_log(missing)


def test_the_log_lives_in_the_schema_its_url_names(pg_schema_url: str) -> None:
    """``?options=-csearch_path=NAME`` puts every table in schema NAME, not in public."""
    schema = pg_schema_url.rsplit("%3D", 1)[1]
    with open_log(pg_schema_url, create=True) as log, log.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names(schema=schema))
        default_schema = conn.execute(text("SELECT current_schema()")).scalar()
    assert default_schema == schema
    assert {"decisions", "rewards", "checkpoints", "sampling_salts"} <= tables


def test_a_log_at_0005_upgrades_with_its_checkpoints_in_the_built_in_lineage(
    log_url: str,
) -> None:
    """0005 (one chain of checkpoints) -> head: old checkpoints still verify (their digests
    are unchanged), belong to the built-in ``reward`` lineage, and the learner extends it;
    a second lineage starts beside it. Back down, only the built-in lineage fits."""
    from storage.schema import downgrade, upgrade

    def add(log: Log, parent: int, reward: str = "reward") -> Checkpoint:
        return log.write_checkpoint(
            parent_version=parent,
            policy="uniform",
            args="{}",
            model=b"m",
            last_seq=0,
            reward=reward,
            reward_version=None if reward == "reward" else 1,
        )

    with open_log(log_url, create=True, checkpoint_key=b"k" * 32) as log:
        add(log, 0)
        add(log, 1)
        downgrade(log.engine, "0005")
        with log.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("checkpoints")}
            assert "reward" not in columns
    with open_log(log_url, checkpoint_key=b"k" * 32) as log:  # migrates to head
        assert [(i.version, i.reward) for i in log.checkpoints()] == [(2, "reward"), (1, "reward")]
        assert log.checkpoint(2).parent_version == 1  # verifies: digest and signature
        assert log.active_reward() == "reward"
        with pytest.raises(CheckpointConflict):
            add(log, 1)  # still one winner per parent
        assert add(log, 0, "quality").version == 3  # a new lineage, numbered after the rest
        assert add(log, 2).version == 4
        assert log.head_version() == 4 and log.head_version("quality") == 3
        downgrade(log.engine, "0005")
        upgrade(log.engine)
        assert [i.version for i in log.checkpoints()] == [4, 2, 1]


def test_a_log_at_0007_upgrades_to_the_join_index_and_joins_the_same(log_url: str) -> None:
    """0008 swaps the decisions' deadline index for one the join reads alone; the rows and
    what the join picks stay as they were, down and up again."""
    from sqlalchemy.orm import sessionmaker

    from storage.schema import downgrade

    def indexes(log: Log) -> set[str]:
        with log.engine.connect() as conn:
            return {str(ix["name"]) for ix in inspect(conn).get_indexes("decisions")}

    with open_log(log_url, create=True) as log:
        ids = seed_title(sessionmaker(log.engine))
        log.record_decisions([decision(f"e{i}", ids) for i in range(3)])
        downgrade(log.engine, "0007")
        assert "ix_decisions_reward_deadline" in indexes(log)
        assert "ix_decisions_maturity" not in indexes(log)
    with open_log(log_url) as log:  # migrates to head
        assert "ix_decisions_maturity" in indexes(log)
        assert "ix_decisions_reward_deadline" not in indexes(log)
        log.record_decisions([decision("e3", ids)])
        assert log.join_matured(now=decision("x", ids).reward_deadline) == 4
        assert [row.event_id for row in log.joined()] == ["e0", "e1", "e2", "e3"]
