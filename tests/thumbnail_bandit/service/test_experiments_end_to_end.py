"""An online experiment as users run it: ``thumbnail-bandit serve`` with 2 workers on
PostgreSQL, the experiment started over the admin routes (refused by the replay screen, then
forced), 200 members ranked three times each over real sockets by unit id and rewarded at
once, ``learn`` run from the command line. Checked: every unit keeps its arm whichever worker
answers; the arm is the one the log's secret gives, not one a client can compute; the
guardrail stops the losing arm and both workers then send its units to control."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

import storage
from bandit import ArtworkChooser, UniformPolicy
from bandit.experiments.assignment import assign, unit_hash
from tests.thumbnail_bandit.service.conftest import TITLE, bearer, seed
from tests.thumbnail_bandit.service.servers import running_service

pytestmark = pytest.mark.slow

UNITS = 200  # the smallest arm (30%) then has ~180 decisions: past the 100 a verdict needs
WINDOW_S = 8
CLOSE = {"Connection": "close"}  # a new connection per request: both workers answer


def _history(url: str, baseline: int) -> None:
    """Past traffic of a uniform logger: every artwork but the baseline is clicked."""
    past = datetime.now(UTC) - timedelta(days=2)
    with ArtworkChooser(url, UniformPolicy(), clock=lambda: past) as chooser:
        for i in range(300):
            d = chooser.choose(TITLE, {"segment": "s"}, event_id=f"past-{i}")
            chooser.reward(d.event_id, 0.0 if d.artwork_id == baseline else 1.0)
    with storage.open_log(url) as log:
        log.join_matured(now=datetime.now(UTC))


def _rank(base: str, token: str, unit: str, baseline: int | None = None) -> str | None:
    """Rank for ``unit``; with ``baseline``, reward at once what a member does: click any
    artwork but the baseline."""
    answer = httpx.post(
        f"{base}/v1/rank",
        json={"titles": [TITLE], "context": {"segment": "s"}, "unit_id": unit},
        headers={**bearer(token), **CLOSE},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    decision = answer.json()["decisions"][0]
    if baseline is not None:
        value = 0.0 if decision["artwork_id"] == baseline else 1.0
        sent = httpx.post(
            f"{base}/v1/events/{decision['event_id']}/reward",
            json={"value": value},
            headers={**bearer(token), **CLOSE},
            timeout=30,
        )
        assert sent.status_code == 200, sent.text
    arm: str | None = decision["arm"]
    return arm


def test_an_experiment_through_serve_on_postgresql(pg_schema_url: str, tmp_path: Path) -> None:
    url = pg_schema_url
    ids, keys = seed(url)
    baseline = ids[0]
    with storage.open_log(url) as log:
        log.set_title_mode(TITLE, "online", baseline)
        secret = log.sampling_salt().secret
    _history(url, baseline)
    body = {
        "name": "artwork",
        "titles": [TITLE],
        "arms": [
            {"name": "control", "spec": "head", "share": 40},
            {"name": "editorial", "spec": "baseline", "share": 30},
            {"name": "rival", "spec": "policy:uniform", "share": 30},
        ],
    }
    admin = bearer(keys.admin)
    with running_service(
        url, workers=2, tmp=tmp_path, extra=("--reward-window", str(WINDOW_S))
    ) as svc:
        base = svc.base_url
        refused = httpx.post(f"{base}/v1/experiments", json=body, headers=admin, timeout=120)
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"].endswith("screen-refused")
        assert "editorial (baseline) scores 0.0000" in refused.json()["detail"]
        started = httpx.post(
            f"{base}/v1/experiments", json={**body, "force": True}, headers=admin, timeout=120
        )
        assert started.status_code == 201, started.text
        time.sleep(6)  # both workers' next reload (5 s) picks the experiment up
        arms: dict[str, set[str | None]] = {}
        for _ in range(3):
            for u in range(UNITS):
                arm = _rank(base, keys.rank, f"member-{u}", baseline)
                arms.setdefault(f"member-{u}", set()).add(arm)
        assert all(len(a) == 1 for a in arms.values())  # sticky, whichever worker answered
        # The arm is the log's secret hash's, not what a client could compute without it.
        with storage.open_log(url) as log:
            experiment = log.experiment("artwork")
        expected = {u: assign(experiment, unit_hash(secret, "artwork", u))[0].name for u in arms}
        assert {u: next(iter(a)) for u, a in arms.items()} == expected
        guessed = {u: assign(experiment, unit_hash("", "artwork", u))[0].name for u in arms}
        assert guessed != expected
        time.sleep(WINDOW_S + 0.5)  # every decision's reward window has closed
        learned = subprocess.run(
            [sys.executable, "-m", "thumbnail_bandit", "learn", "--db", url, "--quiet"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert learned.returncode == 0, learned.stderr
        assert "arm editorial stopped, worse than control" in learned.stdout
        status = httpx.get(f"{base}/v1/experiments/artwork", headers=admin, timeout=60).json()
        assert status["arms"][1]["stopped"] == "worse than control"
        assert status["differences"][0]["verdict"] == "worse"
        moved = [u for u, a in expected.items() if a == "editorial"]
        deadline = time.monotonic() + 30
        while True:  # both workers send the stopped arm's units to control
            seen = {_rank(base, keys.rank, u) for u in moved for _ in range(2)}
            if seen == {"control"} or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert seen == {"control"}
    with storage.open_log(url) as log:
        changes = log.experiment_changes(experiment.id)
    assert [c.kind for c in changes][:2] == ["start", "arm-stop"]
    assert changes[0].evidence["forced"] is True
    assert changes[1].arm == "editorial" and changes[1].evidence["decisions"] >= 2 * UNITS
