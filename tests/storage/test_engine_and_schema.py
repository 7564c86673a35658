from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage import DatabaseUnavailable, SchemaVersionError, open_log
from storage.schema import head_revision, verify


def test_sqlite_is_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = open_log(tmp_path / "log.sqlite")  # a bare path means SQLite
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_full_durability_syncs_every_commit(tmp_path: Path) -> None:
    engine = open_log(tmp_path / "log.sqlite", durability="full")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_open_is_idempotent(log_url: str) -> None:
    for _ in range(2):
        engine = open_log(log_url)
        verify(engine)
        engine.dispose()


def test_unreachable_postgres_is_a_clear_error() -> None:
    with pytest.raises(DatabaseUnavailable, match=r"cannot reach postgresql\+psycopg://u:\*\*\*@"):
        open_log("postgresql://u:secret@127.0.0.1:1/nowhere")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("sqlite:////no/such/directory/log.sqlite", "does not exist"),
        ("sqlite://", "in-memory"),
        ("nosuchdb://x", "nosuchdb"),
    ],
)
def test_bad_urls_are_clear_errors(url: str, reason: str) -> None:
    with pytest.raises(DatabaseUnavailable, match=reason):
        open_log(url)


def test_unknown_schema_revision_is_refused(engine: Engine, log_url: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    with pytest.raises(SchemaVersionError, match="from_the_future"):
        open_log(log_url)
    with pytest.raises(SchemaVersionError):
        open_log(log_url, migrate=False)


def test_foreign_tables_without_history_are_refused(log_url: str) -> None:
    engine = open_log(log_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    with pytest.raises(SchemaVersionError, match="no migration history"):
        open_log(log_url)


def test_verify_without_migrating_refuses_an_empty_database(log_url: str) -> None:
    with pytest.raises(SchemaVersionError, match=head_revision()):
        open_log(log_url, migrate=False)
