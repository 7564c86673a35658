"""A throwaway PostgreSQL schema for a benchmark, from THUMBNAIL_BANDIT_PG_URL."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from storage.engine import normalise_url


@contextmanager
def scratch_schema(name: str) -> Iterator[str | None]:
    """Yields a URL whose connections use a fresh schema (dropped afterwards), or None, after
    printing a 'skipped' line, when no server is configured."""
    configured = os.environ.get("THUMBNAIL_BANDIT_PG_URL")
    if not configured:
        print(json.dumps({"name": name, "skipped": "THUMBNAIL_BANDIT_PG_URL not set"}))
        yield None
        return
    base = normalise_url(configured)
    schema = f"tb_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
