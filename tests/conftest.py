"""Shared fixtures: a clean log on SQLite and on the real PostgreSQL server for every storage test.

PostgreSQL tests read their server URL from THUMBNAIL_BANDIT_PG_URL. Without it they skip,
unless THUMBNAIL_BANDIT_REQUIRE_PG=1 (as in .ci/run), where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage import Log, open_log
from storage.engine import normalise_url

PG_URL_ENV = "THUMBNAIL_BANDIT_PG_URL"
REQUIRE_PG_ENV = "THUMBNAIL_BANDIT_REQUIRE_PG"


def postgres_base_url() -> str:
    url = os.environ.get(PG_URL_ENV)
    if not url:
        if os.environ.get(REQUIRE_PG_ENV):
            pytest.fail(f"{REQUIRE_PG_ENV} is set but {PG_URL_ENV} is not")
        pytest.skip(f"set {PG_URL_ENV} to run the PostgreSQL tests")
    return normalise_url(url)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema that is dropped afterwards."""
    with scratch_pg_schema() as url:
        yield url


@contextmanager
def scratch_pg_schema() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema, dropped when the block ends."""
    base = postgres_base_url()
    schema = f"tb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # a configured server that is down must fail, not skip
        pytest.fail(f"PostgreSQL at {base} is configured but unusable: {exc}")
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def log_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty log: once on an SQLite file, once on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.sqlite'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def log(log_url: str) -> Iterator[Log]:
    """A new, empty log (created), closed after the test."""
    with open_log(log_url, create=True) as opened:
        yield opened


@pytest.fixture
def engine(log: Log) -> Engine:
    return log.engine


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
