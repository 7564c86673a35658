"""Bring a database to the head migration, or refuse one whose schema this version doesn't know."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from storage.errors import DatabaseUnavailable, SchemaVersionError, StorageError

_MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant works; it only has to be the same in every process that migrates this database.
_MIGRATION_LOCK_KEY = 0x7468756D62_01


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration this version of the code knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The database's migration revision, or None if it has never been migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def _check_known(connection: Connection) -> str | None:
    revision = current_revision(connection)
    scripts = ScriptDirectory.from_config(_alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if revision is not None and revision not in known:
        raise SchemaVersionError(
            f"the database is at schema revision {revision!r}, which this version of"
            f" thumbnail-bandit does not know (newest known: {head_revision()!r});"
            " upgrade thumbnail-bandit or point it at another database"
        )
    if revision is None:
        ours = {"titles", "artworks", "decisions", "rewards", "joined_examples", "checkpoints"}
        found = ours & set(inspect(connection).get_table_names())
        if found:
            raise SchemaVersionError(
                f"the database has tables {sorted(found)} but no migration history"
                " (alembic_version); it was not created by thumbnail-bandit"
            )
    return revision


def is_empty(engine: Engine) -> bool:
    """Whether the database has no thumbnail-bandit log yet (no migration ever ran)."""
    with engine.connect() as conn:
        return "alembic_version" not in set(inspect(conn).get_table_names())


@contextmanager
def _migration(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction to migrate in, serialised against other migrators.

    On SQLite, foreign keys are not enforced while it runs: batch mode rebuilds a table by
    copying it and dropping the old one, and DROP TABLE of a table other rows refer to fails
    when they are. The pragma is a no-op inside a transaction, so it is set before; every
    reference is checked again before the commit.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                if not sqlite:
                    # Serialise concurrent migrators; released at commit.
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY}
                    )
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise DatabaseUnavailable(
                            f"migrating the log would break {len(broken)} reference(s), first"
                            f" {broken[0]}; nothing was changed"
                        )
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def upgrade(engine: Engine) -> None:
    """Migrate the database to head. Safe to call from several processes at once."""
    try:
        with _migration(engine) as conn:
            if _check_known(conn) != head_revision():
                command.upgrade(_alembic_config(conn), "head")
    except DBAPIError as exc:  # not mapped by the engine: e.g. raised inside alembic
        raise DatabaseUnavailable(f"migrating the log failed: {exc.orig}") from exc
    except StorageError as exc:
        if isinstance(exc, SchemaVersionError):
            raise
        raise DatabaseUnavailable(f"migrating the log failed: {exc}") from exc


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database down to ``revision`` (an operator's way back, and the tests')."""
    with _migration(engine) as conn:
        command.downgrade(_alembic_config(conn), revision)


def verify(engine: Engine) -> None:
    """Raise SchemaVersionError unless the database is exactly at head."""
    with engine.connect() as conn:
        revision = _check_known(conn)
    if revision != head_revision():
        raise SchemaVersionError(
            f"the log is at schema revision {revision!r}, not {head_revision()!r}; open it"
            " once with migrations on (any `thumbnail-bandit` command but replay does that)"
        )
