"""The /v1 routes in-process, on SQLite and PostgreSQL: what each answers, what it logs, and
every way a request can be refused."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

import storage
from bandit import Learner
from storage.decisions import count_decisions
from tests.thumbnail_bandit.service.conftest import TITLE, Service, bearer

CTX = {"segment": "kids", "device": "tv"}


def problem(response: object, status: int, slug: str) -> dict[str, object]:
    """Check a problem+json answer (RFC 9457) and return its body."""
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["type"] == f"urn:thumbnail-bandit:problem:{slug}"
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_rank_logs_every_decision_before_answering(service: Service) -> None:
    response = service.rank({"titles": [TITLE, "sintel"], "context": CTX, "event_id": "row-1"})
    assert response.status_code == 200, response.text
    decisions = response.json()["decisions"]
    assert [d["title_id"] for d in decisions] == [TITLE, "sintel"]
    assert [d["event_id"] for d in decisions] == ["row-1-0", "row-1-1"]
    with storage.open_log(service.url) as log:
        for d in decisions:
            logged = log.decision(d["event_id"])
            assert logged.artwork_id == d["artwork_id"] and logged.probability == d["probability"]
            assert logged.context == CTX and logged.activated
            assert (
                d["image_path"] == log.artworks_by_id([d["artwork_id"]])[d["artwork_id"]].image_path
            )


def test_a_retried_rank_answers_the_same_and_logs_once(service: Service) -> None:
    body = {"titles": [TITLE], "context": CTX, "event_id": "retry-me"}
    first = service.rank(body).json()
    assert service.rank(body).json() == first
    with storage.open_log(service.url) as log, log.session() as s:
        assert count_decisions(s) == 1
    # A retry is the same request, or a conflict, not a silent overwrite nor the old answer:
    # another context, deferral, exclusion, or a context value of another JSON type.
    chosen = first["decisions"][0]["artwork_id"]
    for other in (
        {"context": {"segment": "adults"}},
        {"defer_activation": True},
        {"excluded": [chosen]},
        {"context": {**CTX, "x": 1}},
    ):
        problem(service.rank({**body, **other}), 409, "conflict")
    typed = {**body, "event_id": "typed", "context": {**CTX, "x": 1}}
    assert service.rank(typed).status_code == 200
    for value in (True, 1.0, "1"):
        problem(service.rank({**typed, "context": {**CTX, "x": value}}), 409, "conflict")
    assert service.rank(typed).status_code == 200  # the same request, still answered


def test_excluded_artworks_are_never_offered(service: Service) -> None:
    keep = service.artwork_ids[2]
    excluded = service.artwork_ids[:2]
    for i in range(10):
        d = service.rank({"titles": [TITLE], "context": CTX, "excluded": excluded}).json()
        assert d["decisions"][0]["artwork_id"] == keep, i
    body = {"titles": [TITLE], "context": CTX, "excluded": service.artwork_ids}
    problem(service.rank(body), 409, "no-active-artwork")


def test_one_unknown_title_logs_nothing_for_the_row(service: Service) -> None:
    problem(service.rank({"titles": [TITLE, "nope"], "context": CTX}), 404, "unknown-title")
    with storage.open_log(service.url) as log, log.session() as s:
        assert count_decisions(s) == 0


def test_reward_is_idempotent_and_a_conflicting_value_is_409(service: Service) -> None:
    event = service.rank({"titles": [TITLE], "context": CTX}).json()["decisions"][0]["event_id"]
    url = f"/v1/events/{event}/reward"
    headers = bearer(service.keys.rank)
    first = service.client.post(url, json={"value": 1}, headers=headers)
    assert first.json() == {"event_id": event, "value": 1.0, "late": False, "duplicate": False}
    again = service.client.post(url, json={"value": 1}, headers=headers)
    assert again.json()["duplicate"] is True
    problem(service.client.post(url, json={"value": 0}, headers=headers), 409, "conflict")
    problem(service.client.post(url, json={"value": 1.5}, headers=headers), 422, "invalid-request")
    problem(
        service.client.post(url, json={"value": "NaN"}, headers=headers), 422, "invalid-request"
    )
    unknown = service.client.post("/v1/events/nope/reward", json={"value": 1}, headers=headers)
    problem(unknown, 404, "unknown-event")


def test_deferred_decisions_are_learned_only_once_activated(service: Service) -> None:
    ranked = [
        service.rank({"titles": [TITLE], "context": CTX, "defer_activation": True}).json()
        for _ in range(6)
    ]
    events = [r["decisions"][0]["event_id"] for r in ranked]
    assert not any(r["decisions"][0]["activated"] for r in ranked)
    headers = bearer(service.keys.rank)
    # A reward before activation is refused: the user never saw that artwork.
    refused = service.client.post(
        f"/v1/events/{events[0]}/reward", json={"value": 1}, headers=headers
    )
    problem(refused, 409, "not-activated")
    for event in events[:2]:
        assert service.client.post(f"/v1/events/{event}/activate", headers=headers).json() == {
            "event_id": event,
            "duplicate": False,
        }
    again = service.client.post(f"/v1/events/{events[0]}/activate", headers=headers)
    assert again.json()["duplicate"] is True
    service.client.post(f"/v1/events/{events[0]}/reward", json={"value": 1}, headers=headers)
    problem(service.client.post("/v1/events/nope/activate", headers=headers), 404, "unknown-event")
    later = datetime.now(UTC) + timedelta(hours=2)
    with Learner(service.url, clock=lambda: later) as learner:
        report = learner.run_once()
    assert (report.joined, report.learned) == (2, 2)
    with storage.open_log(service.url) as log:
        learned = {row.event_id: row.reward for row in log.joined()}
        assert learned == {events[0]: 1.0, events[1]: 0.0}
        assert not log.decision(events[5]).activated  # kept for replay, flagged


def test_apprentice_mode_serves_the_baseline_and_one_call_goes_online(service: Service) -> None:
    admin = bearer(service.keys.admin)
    baseline = service.artwork_ids[1]
    mode_url = f"/v1/titles/{TITLE}/mode"
    on = service.client.put(
        mode_url, json={"mode": "apprentice", "baseline_artwork_id": baseline}, headers=admin
    )
    assert on.json() == {"title_id": TITLE, "mode": "apprentice", "baseline_artwork_id": baseline}
    served = [
        service.rank({"titles": [TITLE], "context": CTX}).json()["decisions"][0] for _ in range(8)
    ]
    assert all(
        d["artwork_id"] == baseline and d["probability"] == 1.0 and d["apprentice"] for d in served
    )
    headers = bearer(service.keys.rank)
    for d in served[:4]:
        service.client.post(
            f"/v1/events/{d['event_id']}/reward", json={"value": 1}, headers=headers
        )
    with storage.open_log(service.url) as log:
        logged = log.decision(served[0]["event_id"])
        assert logged.policy_pmf is not None and len(logged.policy_pmf) == 3
        assert logged.pmf == tuple(1.0 if a == baseline else 0.0 for a in logged.candidate_ids)
    later = datetime.now(UTC) + timedelta(hours=2)
    with Learner(service.url, clock=lambda: later) as learner:
        assert learner.run_once().learned == 8  # the policy learns from the baseline's rewards
    summary = service.client.get(f"/v1/titles/{TITLE}/apprentice", headers=admin).json()
    assert summary["decisions"] == 8 and summary["rewarded"] == 4
    assert summary["baseline_reward"] == pytest.approx(0.5)
    assert 0.0 <= summary["policy_agreed"] <= 1.0
    off = service.client.put(mode_url, json={"mode": "online"}, headers=admin)
    assert off.json()["mode"] == "online"
    assert not service.rank({"titles": [TITLE], "context": CTX}).json()["decisions"][0][
        "apprentice"
    ]
    # A baseline from another title, or apprentice mode with none, is refused.
    sintel = service.client.put(
        "/v1/titles/sintel/mode", json={"mode": "apprentice"}, headers=admin
    )
    problem(sintel, 422, "invalid-request")
    wrong = {"mode": "apprentice", "baseline_artwork_id": service.artwork_ids[0]}
    problem(
        service.client.put("/v1/titles/sintel/mode", json=wrong, headers=admin),
        422,
        "invalid-request",
    )
    problem(
        service.client.put("/v1/titles/nope/mode", json={"mode": "online"}, headers=admin),
        404,
        "unknown-title",
    )


def test_artwork_admin_lists_retires_and_restores(service: Service) -> None:
    admin = bearer(service.keys.admin)
    listing = service.client.get(f"/v1/titles/{TITLE}/artworks", headers=admin).json()
    assert [a["id"] for a in listing["artworks"]] == service.artwork_ids
    assert listing["artworks"][1]["features"] == {"brightness": 0.5, "faces": 1.0}
    first = service.artwork_ids[0]
    assert (
        service.client.post(f"/v1/artworks/{first}/retire", headers=admin).json()["status"]
        == "retired"
    )
    for _ in range(8):
        assert (
            service.rank({"titles": [TITLE], "context": CTX}).json()["decisions"][0]["artwork_id"]
            != first
        )
    assert service.client.post(f"/v1/artworks/{first}/restore", headers=admin).status_code == 200
    problem(
        service.client.post("/v1/artworks/999999/retire", headers=admin), 404, "unknown-artwork"
    )
    problem(service.client.get("/v1/titles/nope/artworks", headers=admin), 404, "unknown-title")


@pytest.mark.parametrize(
    ("headers", "status", "slug"),
    [
        ({}, 401, "missing-key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "missing-key"),
        ({"Authorization": "Bearer"}, 401, "missing-key"),
        ({"Authorization": "Bearer not-a-key"}, 401, "invalid-key"),
        ({"Authorization": "Bearer tbk_000000000000_forged"}, 401, "invalid-key"),
    ],
)
def test_requests_without_a_valid_key_get_401(
    service: Service, headers: dict[str, str], status: int, slug: str
) -> None:
    response = service.client.post(
        "/v1/rank", json={"titles": [TITLE], "context": CTX}, headers=headers
    )
    problem(response, status, slug)
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_wrong_secret_and_wrong_scope(service: Service) -> None:
    body = {"titles": [TITLE], "context": CTX}
    problem(service.rank(body, service.keys.revoked), 401, "invalid-key")
    forged = service.keys.rank[:-4] + ("AAAA" if not service.keys.rank.endswith("AAAA") else "BBBB")
    problem(service.rank(body, forged), 401, "invalid-key")
    problem(service.rank(body, service.keys.admin), 403, "wrong-scope")
    listing = service.client.get(f"/v1/titles/{TITLE}/artworks", headers=bearer(service.keys.rank))
    problem(listing, 403, "wrong-scope")
    assert service.rank(body, service.keys.both).status_code == 200


def test_keys_over_the_api_are_hashed_and_revocable(service: Service) -> None:
    admin = bearer(service.keys.admin)
    created = service.client.post(
        "/v1/keys", json={"name": "web", "scopes": ["rank"]}, headers=admin
    )
    assert created.status_code == 201
    token = created.json()["token"]
    body = {"titles": [TITLE], "context": CTX}
    assert service.rank(body, token).status_code == 200
    listed = service.client.get("/v1/keys", headers=admin).json()
    assert "token" not in str(listed) and token not in str(listed)
    assert service.client.delete("/v1/keys/web", headers=admin).status_code == 204
    problem(service.rank(body, token), 401, "invalid-key")
    problem(service.client.delete("/v1/keys/web", headers=admin), 404, "unknown-key")
    taken = service.client.post("/v1/keys", json={"name": "web", "scopes": ["rank"]}, headers=admin)
    problem(taken, 422, "invalid-request")
    with storage.open_log(service.url) as log, log.session() as s:
        stored = " ".join(str(v) for row in s.execute(text("SELECT * FROM api_keys")) for v in row)
    # The secret follows the key id's first "_"; it may hold "_" itself (URL-safe base64),
    # so splitting at the last one could leave a fragment short enough to occur by chance.
    secret = token.removeprefix(storage.keys.PREFIX).split("_", 1)[1]
    assert len(secret) >= 40 and secret not in stored  # only the hash is kept


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"titles": [], "context": CTX}, 422, "invalid-request"),
        ({"titles": [f"t{i}" for i in range(51)], "context": CTX}, 422, "invalid-request"),
        ({"titles": [TITLE], "context": CTX, "excluded": list(range(201))}, 422, "invalid-request"),
        ({"titles": [TITLE], "context": {f"f{i}": 1 for i in range(80)}}, 422, "invalid-request"),
        ({"titles": [TITLE], "context": {"device": "tv"}}, 422, "invalid-request"),
        (
            {"titles": [TITLE], "context": {"segment": "a|b:1 c\nd"}, "event_id": "x y"},
            422,
            "invalid-request",
        ),
        ({"titles": [TITLE], "context": {"segment": "x" * 300}}, 422, "invalid-request"),
        ({"titles": [TITLE], "context": {"segment": "k", "n": 1e300}}, 422, "invalid-request"),
        ({"titles": [TITLE, TITLE], "context": CTX}, 422, "invalid-request"),
        ({"titles": ["'; DROP TABLE decisions; --"], "context": CTX}, 404, "unknown-title"),
        ({"titles": [TITLE], "context": CTX, "surprise": 1}, 422, "invalid-request"),
    ],
)
def test_bad_rank_requests(
    service: Service, body: dict[str, object], status: int, slug: str
) -> None:
    problem(service.rank(body), status, slug)
    with storage.open_log(service.url) as log, log.session() as s:
        assert count_decisions(s) == 0


def test_bodies_over_the_cap_get_413_and_bad_json_422(service: Service) -> None:
    headers = {**bearer(service.keys.rank), "content-type": "application/json"}
    huge = b'{"titles": ["bunny"], "context": {"segment": "' + b"x" * 70_000 + b'"}}'
    problem(service.client.post("/v1/rank", content=huge, headers=headers), 413, "too-large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap still holds
        for _ in range(20):
            yield b" " * 8192

    problem(service.client.post("/v1/rank", content=chunks(), headers=headers), 413, "too-large")
    problem(
        service.client.post("/v1/rank", content=b"{not json", headers=headers),
        422,
        "invalid-request",
    )


def test_a_key_over_its_rate_gets_429_with_retry_after(log_url: str) -> None:
    from fastapi.testclient import TestClient

    from tests.thumbnail_bandit.service.conftest import seed
    from thumbnail_bandit.service import ServiceSettings, create_app

    _, keys = seed(log_url)
    settings = ServiceSettings(db=log_url, rate_per_s=0.5, burst=3)
    with TestClient(create_app(settings)) as client:
        body = {"titles": [TITLE], "context": CTX}
        codes = [
            client.post("/v1/rank", json=body, headers=bearer(keys.rank)).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 200]
        limited = client.post("/v1/rank", json=body, headers=bearer(keys.rank))
        problem(limited, 429, "rate-limited")
        assert int(limited.headers["retry-after"]) >= 1
        # Another key has its own bucket.
        assert client.post("/v1/rank", json=body, headers=bearer(keys.both)).status_code == 200


def test_health_readiness_and_metrics(service: Service) -> None:
    assert service.client.get("/healthz").json() == {"status": "ok"}
    assert service.client.get("/readyz").json() == {"status": "ready"}
    service.rank({"titles": [TITLE], "context": CTX})
    page = service.client.get("/metrics").text
    assert (
        'thumbnail_bandit_http_requests_total{method="POST",route="/v1/rank",status="200"}' in page
    )
    assert "thumbnail_bandit_decisions_total" in page
    assert "thumbnail_bandit_policy_checkpoint_version" in page
    # Under /v1 the key comes first: without one, even an unknown path is 401.
    problem(service.client.get("/v1/nothing-here"), 401, "missing-key")
    keyed = {"Authorization": f"Bearer {service.keys.rank}"}
    problem(service.client.get("/v1/nothing-here", headers=keyed), 404, "not-found")


def test_no_key_appears_in_any_log_line(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = {"titles": [TITLE], "context": CTX}
    for token in (service.keys.rank, service.keys.revoked, service.keys.admin, "tbk_bad_guess"):
        text = service.rank(body, token).text
        assert token not in text
    secrets = [service.keys.rank, service.keys.revoked, service.keys.admin]
    assert not any(s in record.getMessage() for s in secrets for record in caplog.records)


def test_an_unavailable_log_answers_503_and_serves_nothing(tmp_path: object) -> None:
    from pathlib import Path

    from fastapi.testclient import TestClient

    from tests.thumbnail_bandit.service.conftest import seed
    from thumbnail_bandit.service import ServiceSettings, create_app

    path = Path(str(tmp_path)) / "log.sqlite"
    _, keys = seed(f"sqlite:///{path}")
    with TestClient(create_app(ServiceSettings(db=str(path)))) as client:
        body = {"titles": [TITLE], "context": CTX}
        assert client.post("/v1/rank", json=body, headers=bearer(keys.rank)).status_code == 200
        path.unlink()  # the file is gone from under the running service
        response = client.post("/v1/rank", json=body, headers=bearer(keys.rank))
        problem(response, 503, "log-unavailable")
        assert response.headers["retry-after"] == "5"
        assert "decisions" not in response.text
        ready = client.get("/readyz")
        problem(ready, 503, "log-unavailable")
        assert str(path) not in ready.text and "log.sqlite" not in ready.text  # no key needed


def test_no_page_loads_code_from_elsewhere(service: Service) -> None:
    """FastAPI's /docs and /redoc fetch their scripts from a CDN; the schema stays."""
    assert service.client.get("/docs").status_code == 404
    assert service.client.get("/redoc").status_code == 404
    assert service.client.get("/openapi.json").json()["paths"]["/v1/rank"]


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("rank", {"titles": [TITLE], "context": CTX, "excluded": ["1"]}),
        ("rank", {"titles": [TITLE], "context": CTX, "excluded": [True]}),
        ("rank", {"titles": [TITLE], "context": CTX, "defer_activation": "yes"}),
        ("rank", {"titles": [TITLE], "context": CTX, "defer_activation": 1}),
        ("rank", {"titles": [TITLE], "context": CTX, "excluded": [2**63]}),
        ("reward", {"value": "1"}),
        ("reward", {"value": True}),
        ("mode", {"mode": "apprentice", "baseline_artwork_id": 9223372036854775808}),
        ("mode", {"mode": "apprentice", "baseline_artwork_id": "1"}),
    ],
)
def test_json_types_are_strict_on_every_route(
    service: Service, route: str, body: dict[str, object]
) -> None:
    """Loose coercions the library refuses were accepted over HTTP ("1" stored as reward 1.0,
    "yes" deferring), and a 64-bit baseline id was a 500 on SQLite."""
    if route == "rank":
        answer = service.rank(body)
    elif route == "reward":
        event = service.rank({"titles": [TITLE], "context": CTX}).json()["decisions"][0]
        answer = service.client.post(
            f"/v1/events/{event['event_id']}/reward", json=body, headers=bearer(service.keys.rank)
        )
    else:
        answer = service.client.put(
            f"/v1/titles/{TITLE}/mode", json=body, headers=bearer(service.keys.admin)
        )
    problem(answer, 422, "invalid-request")


def test_the_schema_says_what_the_service_wants(service: Service) -> None:
    schema = service.client.get("/openapi.json").json()
    context = schema["components"]["schemas"]["RankContext"]
    assert context["required"] == ["segment"]  # a schema-valid request is no longer refused
    assert "requests/s per key" in schema["info"]["description"]
    assert "431" in schema["info"]["description"] and "64 KiB" in schema["info"]["description"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"titles": [TITLE], "context": {"segment": "s", "x": {"a": 1}}}, "context.x must be a"),
        ({"titles": [TITLE], "context": {"x": 1}}, "context.segment is required"),
        ({"titles": [TITLE], "context": CTX, "nope": 1}, "nope is not a field of this request"),
        ({"titles": [], "context": CTX}, "titles has too few items"),
    ],
)
def test_error_details_are_in_the_services_own_words(
    service: Service, body: dict[str, object], detail: str
) -> None:
    said = str(problem(service.rank(body), 422, "invalid-request")["detail"])
    assert said.startswith(detail)
    assert "body." not in said and ".str" not in said


def test_a_body_that_is_not_json_says_so(service: Service) -> None:
    answer = service.client.post(
        "/v1/rank",
        content=b'{"titles": [',
        headers={**bearer(service.keys.rank), "Content-Type": "application/json"},
    )
    assert problem(answer, 422, "invalid-request")["detail"] == "the request body is not valid JSON"


@pytest.mark.parametrize(
    ("path", "allow"),
    [("/v1/keys", "GET, HEAD, POST"), ("/v1/rank", "POST"), ("/v1/keys/someone", "DELETE")],
)
def test_allow_names_every_method_a_path_serves(service: Service, path: str, allow: str) -> None:
    answer = service.client.request("OPTIONS", path, headers=bearer(service.keys.both))
    assert answer.status_code == 405 and answer.headers["allow"] == allow


def test_signals_over_http(service: Service) -> None:
    """A decision takes any named signals (same auth, limits and problem+json as rewards)."""
    [d] = service.rank({"titles": [TITLE], "context": CTX}).json()["decisions"]
    url = f"/v1/events/{d['event_id']}/signals"
    headers = bearer(service.keys.rank)
    played = service.client.post(url, json={"name": "play", "value": 1}, headers=headers)
    assert played.status_code == 200 and played.json()["duplicate"] is False
    minutes = {"name": "watch_minutes", "value": 12.5, "signal_id": "progress-1"}
    assert service.client.post(url, json=minutes, headers=headers).json()["value"] == 12.5
    again = service.client.post(url, json=minutes, headers=headers).json()
    assert again["duplicate"] is True
    other = service.client.post(url, json={**minutes, "value": 13}, headers=headers)
    problem(other, 409, "conflict")
    for bad in ({"name": "watch minutes", "value": 1}, {"name": "play", "value": "1"}):
        problem(service.client.post(url, json=bad, headers=headers), 422, "invalid-request")
    problem(
        service.client.post(
            "/v1/events/nobody/signals", json={"name": "play", "value": 1}, headers=headers
        ),
        404,
        "unknown-event",
    )
    assert service.client.post(url, json={"name": "play", "value": 1}).status_code == 401
    with storage.open_log(service.url) as log:
        assert [(s.name, s.value) for s in log.signals(d["event_id"])] == [
            ("play", 1.0),
            ("watch_minutes", 12.5),
        ]
