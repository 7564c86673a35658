"""The admin routes of reward definitions: define (versioned, idempotent), list, show,
activate; the service then serves the active definition's checkpoints."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

import storage
from bandit import Learner
from tests.thumbnail_bandit.service.conftest import Service, bearer, seed
from thumbnail_bandit.service import ServiceSettings, create_app

QUALITY = {"expression": "1 if watch_minutes >= 5 else 0", "window_s": 21600}


@pytest.fixture
def fresh(log_url: str) -> Iterator[Service]:
    """The service reloading checkpoints on every call."""
    ids, keys = seed(log_url)
    settings = ServiceSettings(db=log_url, key_cache_s=0, reload_every_s=0)
    with TestClient(create_app(settings)) as client:
        yield Service(client, log_url, ids, keys)


def test_definitions_over_http(fresh: Service) -> None:
    admin = bearer(fresh.keys.admin)
    put = fresh.client.put("/v1/rewards/quality", json=QUALITY, headers=admin)
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 1 and put.json()["active"] is False
    again = fresh.client.put("/v1/rewards/quality", json=QUALITY, headers=admin)
    assert again.json()["version"] == 1  # a retry is the same version
    longer = fresh.client.put(
        "/v1/rewards/quality", json={**QUALITY, "combine": {"watch_minutes": "sum"}}, headers=admin
    )
    assert longer.json()["version"] == 2
    listed = fresh.client.get("/v1/rewards", headers=admin).json()
    assert [(d["name"], d["version"], d["active"]) for d in listed] == [
        ("reward", 0, True),
        ("quality", 2, False),
    ]
    first = fresh.client.get("/v1/rewards/quality?version=1", headers=admin).json()
    assert first["combine"] == {} and first["window_s"] == 21600


@pytest.mark.parametrize(
    ("name", "body", "status", "said"),
    [
        ("quality", {**QUALITY, "expression": "__import__('os')"}, 422, "column"),
        ("quality", {**QUALITY, "expression": "1 +"}, 422, "column"),
        ("quality", {**QUALITY, "window_s": 0}, 422, "window_s"),
        ("quality", {**QUALITY, "window_s": "6h"}, 422, "window_s must be a number"),
        ("quality", {**QUALITY, "combine": {"click": "mean"}}, 422, "first, last"),
        ("quality", {**QUALITY, "range": [5, 1]}, 422, "low < high"),
        ("quality", {**QUALITY, "eval": True}, 422, "eval is not a field"),
        ("reward", QUALITY, 422, "built-in"),
        ("Not-An-Identifier", QUALITY, 422, "name"),
    ],
)
def test_a_bad_definition_is_a_problem(
    service: Service, name: str, body: dict[str, object], status: int, said: str
) -> None:
    got = service.client.put(f"/v1/rewards/{name}", json=body, headers=bearer(service.keys.admin))
    assert got.status_code == status, got.text
    assert got.headers["content-type"] == "application/problem+json"
    assert said in got.json()["detail"]
    listed = service.client.get("/v1/rewards", headers=bearer(service.keys.admin)).json()
    assert [d["name"] for d in listed] == ["reward"]  # nothing stored


def test_definitions_need_the_admin_scope(service: Service) -> None:
    assert service.client.get("/v1/rewards", headers=bearer(service.keys.rank)).status_code == 403
    put = service.client.put("/v1/rewards/quality", json=QUALITY, headers=bearer(service.keys.rank))
    assert put.status_code == 403
    assert service.client.get("/v1/rewards").status_code == 401


def test_activating_a_definition_switches_what_the_service_serves(fresh: Service) -> None:
    admin = bearer(fresh.keys.admin)
    assert fresh.client.post("/v1/rewards/nope/activate", headers=admin).status_code == 404
    fresh.client.put("/v1/rewards/quality", json=QUALITY, headers=admin)
    refused = fresh.client.post("/v1/rewards/quality/activate", headers=admin)
    assert refused.status_code == 409 and "learn --reward quality" in refused.json()["detail"]
    event_ids = []
    for i in range(30):
        ranked = fresh.rank({"titles": ["bunny"], "context": {"segment": "s"}, "event_id": f"e{i}"})
        assert ranked.status_code == 200, ranked.text
        event_ids.append(ranked.json()["decisions"][0]["event_id"])
    for event_id in event_ids[:10]:
        signal = {"name": "watch_minutes", "value": 12.0}
        got = fresh.client.post(
            f"/v1/events/{event_id}/signals", json=signal, headers=bearer(fresh.keys.rank)
        )
        assert got.status_code == 200, got.text
    with storage.open_log(fresh.url) as log:
        with Learner(log, reward="quality", reward_window=timedelta(0)) as learner:
            assert learner.run_once().learned == 30
        quality_head = log.head_version("quality")
    activated = fresh.client.post("/v1/rewards/quality/activate", headers=admin, json={})
    assert activated.status_code == 200 and activated.json()["active"] is True
    ranked = fresh.rank({"titles": ["bunny"], "context": {"segment": "s"}})
    assert ranked.json()["decisions"][0]["policy_version"].endswith(f":{quality_head}")
    with storage.open_log(fresh.url) as log:
        assert log.active_reward() == "quality"


@pytest.mark.parametrize("version", [10**20, -(10**20)])
def test_a_version_beyond_the_log_is_a_problem(service: Service, version: int) -> None:
    """Found by the OpenAPI fuzzer: SQLite's driver cannot bind it, and that was a 500."""
    got = service.client.get(
        f"/v1/rewards/quality?version={version}", headers=bearer(service.keys.admin)
    )
    assert got.status_code == 422, got.text
    assert got.headers["content-type"] == "application/problem+json"
    assert "out of range" in got.json()["detail"]
