"""The admin routes of online experiments, and the rank answer's arm: start, status, stop,
promote, list; and their bad inputs as problem+json."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import storage
from tests.thumbnail_bandit.service.conftest import TITLE, Service, bearer, seed
from thumbnail_bandit.service import ServiceSettings, create_app

ARMS = [
    {"name": "control", "spec": "head", "share": 50},
    {"name": "editorial", "spec": "baseline", "share": 50},
]


@pytest.fixture
def fresh(log_url: str) -> Iterator[Service]:
    ids, keys = seed(log_url)
    with storage.open_log(log_url) as log:
        log.set_title_mode(TITLE, "online", ids[0])
    settings = ServiceSettings(db=log_url, key_cache_s=0, reload_every_s=0)
    with TestClient(create_app(settings)) as client:
        yield Service(client, log_url, ids, keys)


def test_experiments_over_http(fresh: Service) -> None:
    admin = bearer(fresh.keys.admin)
    body = {"name": "art", "titles": [TITLE], "arms": ARMS}
    started = fresh.client.post("/v1/experiments", json=body, headers=admin)
    assert started.status_code == 201, started.text
    assert started.json()["screen"]["skipped"]  # nothing joined yet
    arms = set()
    for i in range(30):
        answer = fresh.rank({"titles": [TITLE], "context": {"segment": "s"}, "unit_id": f"m{i}"})
        decision = answer.json()["decisions"][0]
        assert decision["experiment"] == "art"
        arms.add(decision["arm"])
        if decision["arm"] == "editorial":
            assert decision["artwork_id"] == fresh.artwork_ids[0]
    assert arms == {"control", "editorial"}
    other = fresh.rank({"titles": ["sintel"], "context": {"segment": "s"}, "unit_id": "m1"})
    assert other.json()["decisions"][0]["arm"] is None  # not in the experiment
    status = fresh.client.get("/v1/experiments/art", headers=admin).json()
    assert sum(a["decisions"] for a in status["arms"]) == 30
    assert status["verdict"] == "running"
    listed = fresh.client.get("/v1/experiments", headers=admin).json()
    assert [e["name"] for e in listed] == ["art"]
    promoted = fresh.client.post(
        "/v1/experiments/art/promote", json={"arm": "editorial"}, headers=admin
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["status"] == "promoted" and promoted.json()["verdict"] == "stopped"
    answer = fresh.rank({"titles": [TITLE], "context": {"segment": "s"}, "unit_id": "m1"})
    served = answer.json()["decisions"][0]
    assert served["arm"] is None and served["artwork_id"] == fresh.artwork_ids[0]
    assert served["policy_version"] == "baseline"  # the promoted editorial artwork


@pytest.mark.parametrize(
    ("body", "status", "said"),
    [
        (
            {"name": "x", "titles": [TITLE], "arms": [{**ARMS[0], "share": 60}, ARMS[1]]},
            422,
            "sum to 100",
        ),
        (
            {
                "name": "x",
                "titles": [TITLE],
                "arms": [ARMS[0], {**ARMS[1], "spec": "checkpoint:4"}],
            },
            422,
            "no checkpoint",
        ),
        ({"name": "x", "titles": ["nope"], "arms": ARMS}, 404, "not registered"),
        ({"name": "x", "titles": ["sintel"], "arms": ARMS}, 422, "no baseline artwork"),
        ({"name": "Bad Name", "titles": [TITLE], "arms": ARMS}, 422, "name"),
        ({"name": "x", "titles": [TITLE], "arms": ARMS[:1]}, 422, "arms"),
        ({"name": "x", "titles": [TITLE], "arms": ARMS, "reward": "nope"}, 404, "nope"),
    ],
)
def test_bad_experiments_are_problems(
    fresh: Service, body: dict[str, object], status: int, said: str
) -> None:
    answer = fresh.client.post("/v1/experiments", json=body, headers=bearer(fresh.keys.admin))
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert said in answer.json()["detail"]


def test_conflicts_scopes_and_unknowns(fresh: Service) -> None:
    admin = bearer(fresh.keys.admin)
    body = {"name": "art", "titles": [TITLE], "arms": ARMS}
    assert fresh.client.post("/v1/experiments", json=body, headers=admin).status_code == 201
    again = fresh.client.post("/v1/experiments", json={**body, "name": "other"}, headers=admin)
    assert (
        again.status_code == 409 and "already in the running experiment" in again.json()["detail"]
    )
    ranked = fresh.client.post("/v1/experiments", json=body, headers=bearer(fresh.keys.rank))
    assert ranked.status_code == 403
    assert fresh.client.get("/v1/experiments/art").status_code == 401
    missing = fresh.client.get("/v1/experiments/nope", headers=admin)
    assert missing.status_code == 404 and missing.json()["type"].endswith("unknown-experiment")
    long_unit = fresh.rank({"titles": [TITLE], "context": {"segment": "s"}, "unit_id": "u" * 129})
    assert long_unit.status_code == 422
    stop = fresh.client.post("/v1/experiments/art/stop", json={"arm": "editorial"}, headers=admin)
    assert stop.status_code == 200 and stop.json()["status"] == "stopped"  # only control left
    late = fresh.client.post(
        "/v1/experiments/art/promote", json={"arm": "editorial"}, headers=admin
    )
    assert late.status_code == 422 and "stopped" in late.json()["detail"]
