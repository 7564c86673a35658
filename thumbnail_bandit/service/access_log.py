"""The access log without query strings: a key sent as ``?api_key=...`` is refused, and must
not be written down either."""

from __future__ import annotations

import logging


class WithoutQuery(logging.Filter):
    """Cut the query string off the path in uvicorn's access lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, _, _ = args[2].partition("?")
            record.args = (*args[:2], path, *args[3:])
        return True


def install() -> None:
    """Filter uvicorn's access logger (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, WithoutQuery) for f in access.filters):
        access.addFilter(WithoutQuery())
