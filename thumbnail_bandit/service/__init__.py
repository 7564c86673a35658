"""The decision service: rank, reward and activate over HTTP, with API keys.

Start it with ``thumbnail-bandit serve --db URL``; embed it with ``create_app``. Needs the
``service`` extra (``pip install 'thumbnail-bandit[service]'``).

The names below are imported on first use, so that ``thumbnail-bandit serve`` can read its
settings module before any worker has imported prometheus_client (whose multiprocess mode is
fixed at import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from thumbnail_bandit.service.app import create_app
    from thumbnail_bandit.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from thumbnail_bandit.service.app import create_app

        return create_app
    if name == "ServiceSettings":
        from thumbnail_bandit.service.settings import ServiceSettings

        return ServiceSettings
    raise AttributeError(f"module 'thumbnail_bandit.service' has no attribute {name!r}")
