"""The one engine builder: SQLite (embedded default) or PostgreSQL (a log shared by many hosts)."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from storage import driver_errors
from storage.errors import DatabaseUnavailable, InvalidLogUrl, LogNotFound, StorageError

#: How long an SQLite writer waits for the lock before failing. Long enough for a joiner's batch.
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: WAL pages between automatic checkpoints (SQLite's default is 1,000 pages of 4 KiB).
SQLITE_WAL_CHECKPOINT_PAGES = 10_000

#: What a bare path (no ``scheme://``) must end with to be taken as an SQLite log, so that a
#: mistyped URL is an error rather than a new file named after it.
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")

Durability = Literal["normal", "full"]

#: The execution option of connections that only read (`storage.Log.session`): on SQLite
#: their transactions begin deferred, without the write lock.
READ_ONLY = "thumbnail_bandit_read_only"

_PASSWORD = re.compile(r"(?P<head>//[^/@:\s]*:)[^@/]*@")

HOW_TO_CREATE = (
    "create one with `thumbnail-bandit create --db URL` or `thumbnails extract VIDEO --out DIR"
    " --db URL`"
)


def redact(url: str | Path) -> str:
    """The URL with any password hidden, for messages; works on URLs that fail to parse too."""
    raw = str(url)
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _PASSWORD.sub(r"\g<head>***@", raw)


def normalise_url(url: str | Path) -> str:
    """Accept a plain SQLite file path, and steer plain ``postgresql://`` to psycopg 3.

    Raises:
        InvalidLogUrl: a bare path without an SQLite suffix, or a database other than SQLite
            or PostgreSQL.
    """
    raw = str(url)
    if "://" not in raw:
        if not raw.lower().endswith(SQLITE_SUFFIXES):
            raise InvalidLogUrl(
                f"{redact(raw)!r} is neither a database URL (sqlite:///path,"
                f" postgresql://user@host/db) nor an SQLite file path ending in"
                f" {', '.join(SQLITE_SUFFIXES)}"
            )
        return f"sqlite:///{Path(raw).expanduser()}"
    scheme = raw.split("://", 1)[0]
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return "postgresql+psycopg://" + raw.split("://", 1)[1]
    if scheme in ("sqlite", "sqlite+pysqlite"):
        return raw
    raise InvalidLogUrl(
        f"{redact(raw)}: the log supports sqlite:///path and postgresql://user@host/db,"
        f" not {scheme!r}"
    )


def parse_url(url: str | Path) -> URL:
    full_url = normalise_url(url)
    try:
        return make_url(full_url)
    except ArgumentError as exc:
        raise InvalidLogUrl(f"{redact(full_url)}: not a database URL") from exc


def sqlite_path(url: URL) -> Path | None:
    """The file of an SQLite URL, None for PostgreSQL."""
    if url.get_backend_name() != "sqlite":
        return None
    return Path(url.database or "").expanduser().resolve()


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def check_same_file(path: Path, expected: tuple[int, int] | None) -> None:
    """Raise DatabaseUnavailable if the log file was deleted or replaced since it was opened.

    A process that keeps writing to an unlinked SQLite file reports success while every row
    is lost; one ``stat`` per transaction (about a microsecond) turns that into an error.
    """
    if expected is None:
        return
    found = _file_id(path)
    if found != expected:
        what = "deleted" if found is None else "replaced by another file"
        raise DatabaseUnavailable(
            f"the log file {path} was {what} while in use; nothing more is written to it."
            " Restore the file (or point --db at the new one) and restart"
        )


def _configure_sqlite(engine: Engine, path: Path, durability: Durability) -> None:
    synchronous = "FULL" if durability == "full" else "NORMAL"
    # The file the log was opened on. Every later connection must find the same file there,
    # and may not create one: a pool reconnecting after the file was deleted would otherwise
    # start a new, empty log in its place.
    opened: dict[str, tuple[int, int] | None] = {}

    @event.listens_for(engine, "do_connect")
    def _no_new_file(
        _dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        if opened:
            check_same_file(path, opened["file_id"])
            cargs[:] = [f"file:{quote(str(path))}?mode=rw"]
            cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives a process crash; only an OS crash or power loss
        # can roll back the last commits. FULL syncs the WAL on every commit as well.
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Checkpoint the WAL every ~40 MB instead of every ~4 MB: each decision rewrites the
        # same few index pages, which a longer WAL coalesces. Measured here: one-commit-per-
        # decision logging went from ~5,000/s to ~6,800/s.
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_CHECKPOINT_PAGES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # The file this connection has open, to notice it being deleted or replaced later.
        found = _file_id(path)
        expected = opened.setdefault("file_id", found)
        record.info["file_id"] = expected
        check_same_file(path, expected)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: SQLite is single-writer, and a deferred
        # transaction that later upgrades to a writer can fail with SQLITE_BUSY regardless of
        # busy_timeout. This is also what makes the join sequence single-writer on SQLite.
        # A read-only session (`READ_ONLY`) never upgrades, so it begins deferred: in WAL
        # mode it reads its snapshot while a writer commits, instead of queueing behind it.
        check_same_file(path, conn.connection.info.get("file_id"))
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def create_log_engine(
    url: str | Path,
    *,
    durability: Durability = "normal",
    check: bool = True,
    create: bool = True,
    **kwargs: Any,
) -> Engine:
    """Build an engine for the log at ``url`` and (by default) check that it answers.

    Args:
        url: ``sqlite:///path/to/log.sqlite``, a bare ``*.sqlite`` / ``*.db`` path, or
            ``postgresql://user@host:5432/db``.
        durability: SQLite only. ``normal`` (WAL, synchronous=NORMAL) survives process crashes;
            ``full`` also survives power loss, at a lower commit rate.
        check: open one connection now, so an unreachable database fails here, not mid-request.
        create: SQLite only: whether a missing file may be created. Without it a missing file
            is `LogNotFound`.
        kwargs: passed to :func:`sqlalchemy.create_engine`.

    Raises:
        InvalidLogUrl: the URL is malformed, of another database, or its driver is missing.
        LogNotFound: ``create=False`` and the SQLite file does not exist.
        DatabaseUnavailable: nothing answers, or the file is not a usable database.
    """
    parsed = parse_url(url)
    shown = redact(url)
    path = sqlite_path(parsed)
    if path is not None:
        if parsed.database in (None, "", ":memory:"):
            raise InvalidLogUrl(
                f"{shown}: an in-memory SQLite log is lost on exit; give a file path instead"
            )
        if not path.parent.is_dir():
            raise LogNotFound(f"{shown}: directory {path.parent} does not exist")
        if not create and not path.is_file():
            raise LogNotFound(f"no log at {path}; {HOW_TO_CREATE}")
    else:
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", 10)
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise InvalidLogUrl(f"{shown}: {driver_errors.first_line(exc)}") from exc
    driver_errors.install(engine)
    if path is not None:
        _configure_sqlite(engine, path, durability)
    if check:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except StorageError as exc:
            engine.dispose()
            kind = LogNotFound if isinstance(exc, LogNotFound) else DatabaseUnavailable
            raise kind(f"cannot use the log at {shown}: {exc}") from exc
    return engine


def verify_sqlite_integrity(engine: Engine) -> None:
    """Raise DatabaseUnavailable if SQLite reports the log's file as damaged.

    ``PRAGMA quick_check`` reads every page once (about 0.1 s per 100 MB here), so it runs
    when a log is opened, not per request; damage found later surfaces as the same error.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        problems = [row[0] for row in conn.exec_driver_sql("PRAGMA quick_check(3)")]
    if problems != ["ok"]:
        raise DatabaseUnavailable(
            f"the log file is damaged ({'; '.join(problems)}); restore it from a backup"
        )
