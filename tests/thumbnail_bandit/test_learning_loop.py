"""The first learning loop says where it is: how many decisions wait, when the next matures,
the rewards so far, a warning when no reward ever came, replay's advice naming the real next
step, and ``learn --reward-window`` for a trial."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bandit import ArtworkChooser
from storage import NewArtwork, open_log

BIN = Path(sys.executable).parent


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "thumbnail-bandit"), *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def fresh_log(tmp_path: Path) -> str:
    """50 decisions just served (a 30-minute window), 10 of them clicked."""
    db = str(tmp_path / "log.sqlite")
    with open_log(db, create=True) as log:
        log.register("t", [NewArtwork("a.jpg"), NewArtwork("b.jpg")])
        with ArtworkChooser(log) as chooser:
            for i in range(50):
                decision = chooser.choose("t", {"segment": "s"})
                if i < 10:
                    chooser.reward(decision.event_id, 1.0)
    return db


def test_learn_says_what_waits_and_when_it_matures(fresh_log: str) -> None:
    result = _cli("learn", "--db", fresh_log)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("joined 0, learned 0")
    assert "waiting: 50 decision(s) not joined yet" in lines[1]
    assert "the next matures at" in lines[1] and "(in 29 min" in lines[1]
    assert "rewards so far: 10 (0 late)" in lines[1]
    assert result.stderr == ""  # rewards came: no warning


def test_replay_before_anything_matured_names_the_next_step(fresh_log: str) -> None:
    result = _cli("replay", "--db", fresh_log, "--target", "uniform")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "no decision is joined yet" in line and "the next matures at" in line
    assert "learn --reward-window 60" in line


def test_a_trial_window_joins_now_and_a_late_reward_is_kept_not_learned(fresh_log: str) -> None:
    result = _cli("learn", "--db", fresh_log, "--reward-window", "0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("joined 50, learned 50")
    with open_log(fresh_log) as log:
        event = next(row.event_id for row in log.joined() if row.reward == 0.0)
        receipt = log.record_reward(event, 1.0)
        assert receipt.late  # after its join: stored, flagged, never learned
    assert "rewards so far: 11 (1 late)" in _cli("learn", "--db", fresh_log).stdout


def test_a_log_without_a_single_reward_says_so(tmp_path: Path) -> None:
    db = str(tmp_path / "log.sqlite")
    with open_log(db, create=True) as log:
        log.register("t", [NewArtwork("a.jpg"), NewArtwork("b.jpg")])
        with ArtworkChooser(log) as chooser:
            for _ in range(30):
                chooser.choose("t", {"segment": "s"})
    learned = _cli("learn", "--db", db, "--reward-window", "0")
    assert "learned 30" in learned.stdout
    assert "note: no reward has arrived for any of the 30 decisions" in learned.stderr
    replayed = _cli("replay", "--db", db, "--target", "uniform", "--quiet")
    assert replayed.returncode == 0
    assert "note: all 30 rewards are 0" in replayed.stderr


def test_an_empty_checkpoint_list_says_so(tmp_path: Path) -> None:
    db = str(tmp_path / "log.sqlite")
    assert _cli("create", "--db", db).returncode == 0
    listing = _cli("checkpoints", "list", "--db", db)
    assert listing.returncode == 0 and listing.stdout == ""
    assert "no checkpoints yet" in listing.stderr
    assert _cli("checkpoints", "list", "--db", db, "--json").stdout.strip() == "[]"


def test_replaying_a_learning_target_says_what_it_is_doing(fresh_log: str) -> None:
    assert _cli("learn", "--db", fresh_log, "--reward-window", "0").returncode == 0
    result = _cli("replay", "--db", fresh_log, "--target", "thompson", "--target", "uniform")
    assert result.returncode == 0, result.stderr
    assert "replaying thompson event by event over 50 decisions" in result.stderr
    quiet = _cli("replay", "--db", fresh_log, "--target", "thompson", "--quiet")
    assert "replaying" not in quiet.stderr
