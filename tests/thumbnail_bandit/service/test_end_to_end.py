"""The service as users run it: ``thumbnail-bandit serve`` under uvicorn with 2 workers on
PostgreSQL, driven over real sockets by several client processes at once. Then the log is
counted: every answered rank is in it exactly once, every reward once, and the learner learns
the activated decisions only. And PostgreSQL stopped mid-run: 503, nothing served, and the
service recovers by itself once the database is back."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

import storage
from bandit import Learner
from tests.private_postgres import private_postgres
from tests.thumbnail_bandit.service.conftest import TITLE, bearer, seed
from tests.thumbnail_bandit.service.servers import running_service

pytestmark = pytest.mark.slow

CLIENTS = 3
ROUNDS = 40


def client_session(base_url: str, token: str, client: int) -> dict[str, object]:
    """One client's traffic: ranks (some deferred, some for two titles, some retried),
    activations and rewards (some sent twice). Returns what it was answered."""
    events: dict[str, dict[str, object]] = {}
    problems: list[str] = []
    with httpx.Client(base_url=base_url, headers=bearer(token), timeout=30) as http:
        for i in range(ROUNDS):
            titles = [TITLE, "sintel"] if i % 5 == 0 else [TITLE]
            defer = i % 3 == 0
            body = {
                "titles": titles,
                "context": {"segment": f"s{client % 2}", "device": "tv"},
                "event_id": f"c{client}-{i}",
                "defer_activation": defer,
            }
            answer = http.post("/v1/rank", json=body)
            if answer.status_code != 200:
                problems.append(f"rank {answer.status_code}: {answer.text}")
                continue
            if i % 4 == 0 and http.post("/v1/rank", json=body).json() != answer.json():
                problems.append(f"retry of {body['event_id']} answered differently")
            for d in answer.json()["decisions"]:
                event = d["event_id"]
                activated = not defer
                if defer and i % 2 == 0:
                    activated = http.post(f"/v1/events/{event}/activate").status_code == 200
                reward = None
                if activated and i % 3 != 2:
                    reward = float(i % 2)
                    for _ in range(2 if i % 7 == 0 else 1):
                        sent = http.post(f"/v1/events/{event}/reward", json={"value": reward})
                        if sent.status_code != 200:
                            problems.append(f"reward {sent.status_code}: {sent.text}")
                events[event] = {"activated": activated, "reward": reward}
    return {"events": events, "problems": problems}


def _count(log: storage.Log, table: str) -> int:
    with log.session() as s:
        return int(s.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_two_workers_on_postgresql_log_each_answer_once(pg_schema_url: str, tmp_path: Path) -> None:
    _, keys = seed(pg_schema_url)
    with running_service(pg_schema_url, workers=2, tmp=tmp_path) as service:
        with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
            results = pool.starmap(
                client_session, [(service.base_url, keys.rank, c) for c in range(CLIENTS)]
            )
        metrics = httpx.get(service.base_url + "/metrics").text
        output = service.output()
    assert [r["problems"] for r in results] == [[]] * CLIENTS
    answered: dict[str, dict[str, object]] = {}
    for r in results:
        events: dict[str, dict[str, object]] = r["events"]  # type: ignore[assignment]
        answered.update(events)
    assert len(answered) == CLIENTS * (ROUNDS + ROUNDS // 5)
    with storage.open_log(pg_schema_url) as log:
        assert _count(log, "decisions") == len(answered)
        for event, seen in answered.items():
            assert log.decision(event).activated == seen["activated"]
        rewarded = {e: s["reward"] for e, s in answered.items() if s["reward"] is not None}
        assert _count(log, "rewards") == len(rewarded)
    later = datetime.now(UTC) + timedelta(hours=2)
    with Learner(pg_schema_url, clock=lambda: later) as learner:
        report = learner.run_once()
    activated = {e for e, s in answered.items() if s["activated"]}
    assert report.learned == len(activated) < len(answered)
    with storage.open_log(pg_schema_url) as log:
        joined = log.joined()
    assert {row.event_id for row in joined} == activated
    assert {row.event_id: row.reward for row in joined if row.rewarded} == rewarded
    # Both workers' counts add up in /metrics (retries are answered too), and no key reached
    # the server's output.
    ranks = CLIENTS * (ROUNDS + ROUNDS // 4)
    assert f'route="/v1/rank",status="200"}} {float(ranks)}' in metrics
    secret = keys.rank.split("_", 2)[2]  # tbk_<key id>_<secret>: the secret may hold "_"
    assert keys.rank not in output and secret not in output


def test_postgresql_stopped_mid_run_answers_503_then_recovers(tmp_path: Path) -> None:
    with private_postgres() as server:
        _, keys = seed(server.url)
        with running_service(server.url, workers=2, tmp=tmp_path) as service:
            http = httpx.Client(base_url=service.base_url, headers=bearer(keys.rank), timeout=30)
            body = {"titles": [TITLE], "context": {"segment": "kids"}}
            served = 0
            for _ in range(5):
                assert http.post("/v1/rank", json=body).status_code == 200
                served += 1
            server.stop()
            for _ in range(6):  # both workers notice, whichever gets the request
                down = http.post("/v1/rank", json=body)
                assert down.status_code == 503, down.text
                assert down.headers["content-type"] == "application/problem+json"
                assert down.headers["retry-after"] == "5"
                assert "decisions" not in down.json()
            assert httpx.get(service.base_url + "/readyz").status_code == 503
            assert httpx.get(service.base_url + "/healthz").status_code == 200
            server.start()
            deadline = time.monotonic() + 30
            recovered = 0
            while recovered < 6 and time.monotonic() < deadline:
                if http.post("/v1/rank", json=body).status_code == 200:
                    recovered += 1
                    served += 1
                else:
                    time.sleep(0.2)
            assert recovered == 6, "the service did not recover after PostgreSQL came back"
            ready = [httpx.get(service.base_url + "/readyz") for _ in range(4)]
            assert [r.status_code for r in ready] == [200] * 4, [r.text for r in ready]
            http.close()
        with storage.open_log(server.url) as log:
            assert _count(log, "decisions") == served  # nothing logged for a 503
