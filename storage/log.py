"""`open_log`: the usual way in. An engine at head, plus a session factory that callers own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage import schema
from storage.engine import Durability, create_log_engine


def open_log(
    url: str | Path, *, migrate: bool = True, durability: Durability = "normal", **kwargs: Any
) -> Engine:
    """Connect to the log at ``url`` and bring it to the head schema.

    With ``migrate=False`` the schema is only checked, for processes that must not run DDL.

    Raises:
        DatabaseUnavailable: nothing answers at ``url``.
        SchemaVersionError: the database's schema is one this version does not know.
    """
    engine = create_log_engine(url, durability=durability, **kwargs)
    if migrate:
        schema.upgrade(engine)
    else:
        schema.verify(engine)
    return engine


@contextmanager
def using_log(log: str | Path | Engine, *, migrate: bool = True, **kwargs: Any) -> Iterator[Engine]:
    """The caller's engine as it is, or one opened from a URL for the block and disposed after."""
    if isinstance(log, Engine):
        yield log
        return
    engine = open_log(log, migrate=migrate, **kwargs)
    try:
        yield engine
    finally:
        engine.dispose()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded rows usable after commit (records are copied out anyway)."""
    return sessionmaker(engine, expire_on_commit=False)
