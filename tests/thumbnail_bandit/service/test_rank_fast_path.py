"""The rank fast path answers well-formed ranks itself and passes everything else to the full
app, so both answer a rank alike: the same body, the same log row, the same metrics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import storage
from storage.decisions import count_decisions
from tests.thumbnail_bandit.service.conftest import TITLE, Service, bearer, seed
from thumbnail_bandit.service import ServiceSettings, create_app
from thumbnail_bandit.service.routes.rank import answer

CTX = {"segment": "kids", "device": "tv"}
SHA = "ab" * 32


def ranks_counted(service: Service, status: int) -> float:
    """The metrics' count of rank answers with ``status`` (the registry outlives a test)."""
    head = (
        f'thumbnail_bandit_http_requests_total{{method="POST",route="/v1/rank",status="{status}"}}'
    )
    for line in service.client.get("/metrics").text.splitlines():
        if line.startswith(head):
            return float(line.split()[-1])
    return 0.0


@pytest.fixture
def fast_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The event ids of the ranks the fast path answered (the route's are not counted)."""
    calls: list[str] = []

    async def counted(state: Any, body: Any, base_url: str) -> Any:
        calls.append(body.event_id)
        return await answer(state, body, base_url)

    monkeypatch.setattr("thumbnail_bandit.service.rank_fast_path.answer", counted)
    return calls


@pytest.fixture
def browser_service(log_url: str) -> Iterator[Service]:
    """A service that answers browsers of one origin (CORS): their ranks take the route."""
    ids, keys = seed(log_url)
    with storage.open_log(log_url) as log:
        log.register("hashed", [storage.NewArtwork("/art/h.jpg", content_sha256=SHA)])
    settings = ServiceSettings(db=log_url, cors_origins="https://site.example")
    with TestClient(create_app(settings)) as client:
        yield Service(client, log_url, ids, keys)


def test_a_well_formed_rank_takes_the_fast_path(service: Service, fast_calls: list[str]) -> None:
    counted = ranks_counted(service, 200)
    response = service.rank({"titles": [TITLE], "context": CTX, "event_id": "fast"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert fast_calls == ["fast"]
    (decision,) = response.json()["decisions"]
    with storage.open_log(service.url) as log:
        logged = log.decision("fast")
    assert logged.artwork_id == decision["artwork_id"]
    assert logged.probability == decision["probability"]
    assert ranks_counted(service, 200) == counted + 1


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"headers": {}}, 401),  # no key
        ({"headers": {"Authorization": "Bearer nope"}}, 401),
        ({"token": "admin"}, 403),  # a key without the rank scope
        ({"body": {"titles": [TITLE], "context": {"segment": 1}}}, 422),
        ({"body": {"titles": [TITLE], "context": CTX, "extra": 1}}, 422),
        ({"content": b"{not json", "type": "application/json"}, 422),
        ({"content": b'{"titles":["t"],"context":{"segment":"s"}}', "type": "text/plain"}, 422),
    ],
)
def test_what_the_fast_path_passes_on_gets_the_routes_answer(
    service: Service, fast_calls: list[str], change: dict[str, Any], status: int
) -> None:
    token = getattr(service.keys, change.get("token", "rank"))
    headers = change.get("headers", bearer(token))
    if "content" in change:
        headers = {**headers, "Content-Type": change["type"]}
        response = service.client.post("/v1/rank", content=change["content"], headers=headers)
    else:
        body = change.get("body", {"titles": [TITLE], "context": CTX})
        response = service.client.post("/v1/rank", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert fast_calls == []


def test_a_library_refusal_on_the_fast_path_is_the_same_problem(
    service: Service, fast_calls: list[str]
) -> None:
    counted = ranks_counted(service, 404)
    response = service.rank({"titles": ["no-such-title"], "context": CTX})
    assert response.status_code == 404
    assert response.json()["type"] == "urn:thumbnail-bandit:problem:unknown-title"
    assert len(fast_calls) == 1
    assert ranks_counted(service, 404) == counted + 1


def test_both_paths_answer_one_decision_alike(
    browser_service: Service, fast_calls: list[str]
) -> None:
    """A retry by event id through the other path gets the very same answer, logged once."""
    body = {"titles": [TITLE, "hashed"], "context": CTX, "event_id": "both-ways"}
    keyed = bearer(browser_service.keys.rank)
    fast = browser_service.client.post("/v1/rank", json=body, headers=keyed)
    routed = browser_service.client.post(
        "/v1/rank", json=body, headers={**keyed, "Origin": "https://site.example"}
    )
    assert fast_calls == ["both-ways"]  # the second went through CORS and the route
    assert routed.headers["access-control-allow-origin"] == "https://site.example"
    assert fast.status_code == routed.status_code == 200
    assert fast.json() == routed.json()
    assert fast.json()["decisions"][1]["image_url"] == f"http://testserver/artwork/{SHA}"
    with storage.open_log(browser_service.url) as log, log.session() as s:
        assert count_decisions(s) == 2
