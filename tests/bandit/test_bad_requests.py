"""Every bad input to choose() and reward() gets its documented error, logs nothing, and never
looks like an outage; on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bandit import (
    ArtworkChooser,
    BanditError,
    ConflictingRecord,
    InvalidContext,
    InvalidReward,
    LogUnavailable,
    UnknownEvent,
    UnknownTitle,
    VWPolicy,
)
from storage import Log, open_log
from storage.decisions import count_decisions
from tests.bandit.helpers import Clock, add_title, sessions_of


@pytest.fixture
def chooser(log: Log) -> ArtworkChooser:
    add_title(log, "t", 3)
    return ArtworkChooser(log, VWPolicy(), reload_every_s=0, clock=Clock())


BAD_CHOOSE = [
    ("t\ud800", {"segment": "a"}, None),
    ("t", {"segment": "\ud800"}, None),
    ("t", {"segment": "a", "x": "\udfff"}, None),
    ("t", {"segment": "a\x00b"}, None),
    ("t", {"segment": "a", "n": 10**400}, None),
    ("t", {"segment": "a", "n": -(10**13)}, None),
    (["t"], {"segment": "a"}, None),
    (7, {"segment": "a"}, None),
    ("t", {"segment": "a"}, "\ud800"),
    ("t", {"segment": "a"}, "e\x00"),
    ("t", {"segment": "a"}, 12345),
    ("t", {"segment": "a"}, "x" * 65),
    ("t" * 201, {"segment": "a"}, None),
]


@pytest.mark.parametrize(("title", "context", "event_id"), BAD_CHOOSE)
def test_bad_choose_requests_are_invalid_context_and_log_nothing(
    log: Log, chooser: ArtworkChooser, title: object, context: dict[str, object], event_id: object
) -> None:
    with pytest.raises(InvalidContext):
        chooser.choose(title, context, event_id=event_id)  # type: ignore[arg-type]
    with sessions_of(log)() as s:
        assert count_decisions(s) == 0


@pytest.mark.parametrize(
    ("event_id", "value", "error"),
    [
        ("e1", 10**400, InvalidReward),
        ("e1", float("inf"), InvalidReward),
        ("e1", "1", InvalidReward),
        ("e1", True, InvalidReward),
        ("\ud800", 1.0, InvalidReward),
        ("e\x00", 1.0, InvalidReward),
        (12345, 1.0, InvalidReward),
        ("x" * 65, 1.0, InvalidReward),
        ("never-logged", 1.0, UnknownEvent),
    ],
)
def test_bad_rewards_are_invalid_reward_never_an_outage(
    chooser: ArtworkChooser, event_id: object, value: object, error: type[BanditError]
) -> None:
    chooser.choose("t", {"segment": "a"}, event_id="e1")
    with pytest.raises(error):
        chooser.reward(event_id, value)  # type: ignore[arg-type]
    assert not chooser.reward("e1", 1.0).duplicate  # the bad ones stored nothing


def test_an_event_id_reused_for_another_user_is_a_conflict(
    log: Log, chooser: ArtworkChooser
) -> None:
    first = chooser.choose("t", {"segment": "a", "hour": 3}, event_id="shared")
    assert chooser.choose("t", {"segment": "a", "hour": 3}, event_id="shared") == first
    with pytest.raises(ConflictingRecord, match="shared"):
        chooser.choose("t", {"segment": "b"}, event_id="shared")
    assert log.decision("shared").context == {"segment": "a", "hour": 3}


def test_a_log_deleted_while_serving_stops_serving(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    with open_log(path, create=True) as log:
        add_title(log, "t", 2)
        chooser = ArtworkChooser(log, reload_every_s=0)
        chooser.choose("t", {"segment": "a"})
        os.remove(path)
        for _ in range(3):
            with pytest.raises(LogUnavailable, match="deleted"):
                chooser.choose("t", {"segment": "a"})
        assert not path.exists()  # and no new, empty log appeared in its place
        chooser.close()


_FULL_DISK = """
import resource, signal, sys
from bandit import ArtworkChooser, LogUnavailable
from storage import open_log
log = open_log(sys.argv[1])
chooser = ArtworkChooser(log, reload_every_s=0)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, not kills
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
served = 0
try:
    for i in range(100_000):
        chooser.choose("t", {"segment": "a", "pad": "x" * 200})
        served += 1
except LogUnavailable as exc:
    print(served, "LogUnavailable", exc)
"""


def test_a_full_disk_is_log_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    with open_log(path, create=True) as log:
        add_title(log, "t", 2)
    limit = path.stat().st_size + 256 * 1024
    result = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(path), str(limit)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "LogUnavailable" in result.stdout, result.stderr
    served = int(result.stdout.split()[0])
    with open_log(path) as log, sessions_of(log)() as s:
        assert count_decisions(s) == served  # every returned decision is in the log
    assert resource.RLIMIT_FSIZE and signal.SIGXFSZ  # the platform has both


TEXT = st.text(st.characters(codec=None), max_size=80) | st.sampled_from(
    ["\ud800", "a\x00", "|u x:1", "'; DROP TABLE decisions; --", ""]
)
VALUE = (
    TEXT
    | st.integers(min_value=-(10**500), max_value=10**500)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.booleans()
    | st.none()
    | st.lists(TEXT, max_size=4)
    | st.dictionaries(TEXT, st.integers(), max_size=2)
)
CHOOSE_ERRORS = (InvalidContext, UnknownTitle, ConflictingRecord)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=st.sampled_from(["t"]) | TEXT | VALUE,
    context=st.dictionaries(st.sampled_from(["segment", "hour"]) | TEXT, VALUE, max_size=4),
    event_id=st.none() | TEXT | VALUE,
)
def test_fuzzed_choose_raises_only_documented_errors(
    chooser: ArtworkChooser, title: object, context: dict[str, object], event_id: object
) -> None:
    try:
        decision = chooser.choose(title, context, event_id=event_id)  # type: ignore[arg-type]
    except CHOOSE_ERRORS:
        return
    assert decision.title_id == "t"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(event_id=TEXT | VALUE, value=VALUE)
def test_fuzzed_reward_raises_only_documented_errors(
    chooser: ArtworkChooser, event_id: object, value: object
) -> None:
    try:
        chooser.reward(event_id, value)  # type: ignore[arg-type]
    except (InvalidReward, UnknownEvent):
        return
    raise AssertionError("no decision was logged, so no reward can be accepted")
