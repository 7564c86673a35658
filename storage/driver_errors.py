"""The one place where database-driver exceptions become `storage` errors.

Both ways into the database go through here: SQLAlchemy engines through their ``handle_error``
event (installed by `install`), and `DecisionWriter`'s raw driver cursor through `translate`.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from storage.errors import (
    ConflictingRecord,
    DatabaseUnavailable,
    LogNotFound,
    RejectedValue,
    StorageError,
)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def is_corruption(exc: BaseException) -> bool:
    """Whether SQLite reported its file as damaged (SQLITE_CORRUPT / SQLITE_NOTADB)."""
    code = getattr(exc, "sqlite_errorname", "")
    text = str(exc)
    return (
        code in ("SQLITE_CORRUPT", "SQLITE_NOTADB")
        or "malformed" in text
        or ("not a database" in text)
    )


def translate(exc: BaseException, *, disconnect: bool = False) -> StorageError | None:
    """The storage error for a driver exception, or None if ``exc`` is not a driver's."""
    if isinstance(exc, StorageError):
        return exc
    reason = first_line(exc)
    if isinstance(exc, UnicodeError):
        # sqlite3 and psycopg both refuse lone surrogates while encoding a parameter.
        return RejectedValue(f"the log refused a value: text is not valid Unicode ({reason})")
    if isinstance(exc, OverflowError):
        # sqlite3 refuses an integer beyond 64 bits while binding it (a version or id that
        # a user typed); PostgreSQL's own refusal arrives as a DataError below.
        return RejectedValue(f"the log refused a value: a number out of range ({reason})")
    module = type(exc).__module__
    if module.startswith("sqlite3") or isinstance(exc, sqlite3.Error):
        return _sqlite(exc, reason)
    if module.startswith("psycopg"):
        return _psycopg(exc, reason, disconnect)
    return None


#: The server's answer to a connection naming a database it does not have.
_MISSING_DATABASE = re.compile(r'database "([^"]+)" does not exist')


def _sqlite(exc: BaseException, reason: str) -> StorageError:
    if isinstance(exc, sqlite3.IntegrityError):
        return ConflictingRecord(f"the log refused a row: {reason}")
    if isinstance(exc, sqlite3.DataError | sqlite3.ProgrammingError):
        return RejectedValue(f"the log refused a value: {reason}")
    # OperationalError and DatabaseError: full disk, file-size limit, I/O error, a file that
    # is not (or no longer) a database, a lock held too long. None is the caller's input.
    return DatabaseUnavailable(f"the log cannot be written or read: {reason}")


def _psycopg(exc: BaseException, reason: str, disconnect: bool) -> StorageError:
    import psycopg  # the PostgreSQL driver is a dependency, but only PostgreSQL logs need it

    missing = _MISSING_DATABASE.search(str(exc))
    if missing is not None:  # the server answered: there is no such database (3D000)
        name = missing.group(1)
        return LogNotFound(
            f"the PostgreSQL server has no database {name!r}: create it (createdb {name}),"
            " then the log in it (thumbnail-bandit create --db URL)"
        )
    if isinstance(exc, psycopg.OperationalError) and "connection failed" in str(exc):
        return DatabaseUnavailable(f"the log cannot be reached: {reason}")
    if disconnect or isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return DatabaseUnavailable(f"the log went away: {reason}")
    if isinstance(exc, psycopg.IntegrityError):
        return ConflictingRecord(f"the log refused a row: {reason}")
    if isinstance(exc, psycopg.DataError):
        return RejectedValue(f"the log refused a value: {reason}")
    return StorageError(f"the log refused a statement: {reason}")


def install(engine: Engine) -> None:
    """Make every error raised through ``engine`` a `StorageError` subclass."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> Any:
        if context.is_pre_ping:
            # The pool is testing a pooled connection: leave its error alone, so that a
            # connection the server dropped (a restart) is replaced instead of failing the call.
            return None
        mapped = translate(context.original_exception, disconnect=context.is_disconnect)
        if mapped is not None and mapped is not context.original_exception:
            raise mapped from context.original_exception
        return None
