"""A seeded log and an in-process client of the decision service, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

import storage
from thumbnail_bandit.service import ServiceSettings, create_app

TITLE = "bunny"
FEATURES = [
    {"brightness": 0.2, "faces": 0.0},
    {"brightness": 0.5, "faces": 1.0},
    {"brightness": 0.8, "faces": 0.0},
]


@dataclass(frozen=True)
class Keys:
    rank: str
    admin: str
    both: str
    revoked: str


def seed(url: str) -> tuple[list[int], Keys]:
    """Title ``bunny`` with three artworks, a second title ``sintel`` with two, and keys."""
    with storage.open_log(url, create=True) as log:
        arts = log.register(
            TITLE,
            [
                storage.NewArtwork(f"/art/{TITLE}/{i}.jpg", features=f)
                for i, f in enumerate(FEATURES)
            ],
        )
        log.register("sintel", [storage.NewArtwork(f"/art/sintel/{i}.jpg") for i in range(2)])
        tokens = {}
        for name, scopes in [
            ("rank", ["rank"]),
            ("admin", ["admin"]),
            ("both", ["rank", "admin"]),
            ("revoked", ["rank", "admin"]),
        ]:
            tokens[name] = log.create_key(f"{name}-key", scopes)[1]
        log.revoke_key("revoked-key")
    return [a.id for a in arts], Keys(**tokens)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Service:
    client: TestClient
    url: str
    artwork_ids: list[int]
    keys: Keys

    def rank(self, body: Mapping[str, object], token: str | None = None) -> httpx.Response:
        response: httpx.Response = self.client.post(
            "/v1/rank", json=body, headers=bearer(token or self.keys.rank)
        )
        return response


@pytest.fixture
def service(log_url: str) -> Iterator[Service]:
    """The app on a freshly seeded log, its lifespan running; key cache off, so a revoked key
    fails at once."""
    ids, keys = seed(log_url)
    settings = ServiceSettings(db=log_url, key_cache_s=0, rate_per_s=1000, burst=1000)
    with TestClient(create_app(settings)) as client:
        yield Service(client, log_url, ids, keys)
