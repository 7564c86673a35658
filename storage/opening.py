"""Opening a log: ``with open_log(url) as log:`` is the way in (`storage.log.Log`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from storage import schema
from storage.engine import (
    HOW_TO_CREATE,
    Durability,
    create_log_engine,
    redact,
    verify_sqlite_integrity,
)
from storage.errors import LogNotFound, StorageError
from storage.log import Log

#: Where an operator's checkpoint signing key comes from when the caller passes none.
CHECKPOINT_KEY_ENV = "THUMBNAIL_BANDIT_CHECKPOINT_KEY"


def open_log(
    url: str | Path,
    *,
    create: bool = False,
    migrate: bool = True,
    durability: Durability = "normal",
    checkpoint_key: str | bytes | None = None,
    **kwargs: Any,
) -> Log:
    """Open the log at ``url`` (an SQLite path or URL, or a PostgreSQL URL).

    Args:
        create: make a new log if there is none (a new SQLite file, or the tables in an empty
            PostgreSQL database). Without it a missing log is `LogNotFound`, so a typo in a
            path is an error and not a new, empty log.
        migrate: bring an existing log to the head schema; with False it is only checked.
        durability: SQLite only; see `storage.engine.create_log_engine`.
        checkpoint_key: sign checkpoints with this key and refuse any not signed with it
            (default: the ``THUMBNAIL_BANDIT_CHECKPOINT_KEY`` environment variable, if set).

    Raises:
        InvalidLogUrl, LogNotFound, DatabaseUnavailable, SchemaVersionError.
    """
    engine = create_log_engine(url, durability=durability, create=create, **kwargs)
    try:
        verify_sqlite_integrity(engine)
        if not create and schema.is_empty(engine):
            raise LogNotFound(f"{redact(url)} holds no thumbnail-bandit log; {HOW_TO_CREATE}")
        if migrate:
            schema.upgrade(engine)
        else:
            schema.verify(engine)
    except StorageError:
        engine.dispose()
        raise
    key = checkpoint_key if checkpoint_key is not None else os.environ.get(CHECKPOINT_KEY_ENV)
    key_bytes = key.encode() if isinstance(key, str) else key
    return Log(engine, redact(url), key_bytes or None)


@contextmanager
def using_log(log: str | Path | Log, *, migrate: bool = True, **kwargs: Any) -> Iterator[Log]:
    """The caller's log as it is, or one opened from a URL for the block and closed after."""
    if isinstance(log, Log):
        yield log
        return
    opened = open_log(log, migrate=migrate, **kwargs)
    try:
        yield opened
    finally:
        opened.close()
