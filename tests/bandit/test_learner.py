"""Exactly-once learning: across a crash between learning and checkpointing, and when two
learners race for the same parent checkpoint."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select

from bandit import ArtworkChooser, Context, Learner, VWPolicy, restore_policy
from storage import Log, open_log
from storage.checkpoints import head_checkpoint
from storage.models import CheckpointRow
from tests.bandit.helpers import Clock, add_title, sessions_of, share_salt
from thumbnail_bandit.cli.main import main as cli_main

LATER = datetime(2030, 1, 1, tzinfo=UTC)  # every decision has matured by then


def _serve(log: Log, n: int = 300) -> list[int]:
    ids = add_title(log, "t", 4)
    chooser = ArtworkChooser(log, VWPolicy(epsilon=0.3), clock=Clock())
    for i in range(n):
        segment = "warm" if i % 2 else "cool"
        d = chooser.choose("t", {"segment": segment}, event_id=f"e{i}")
        index = d.candidate_ids.index(d.artwork_id)
        chooser.reward(d.event_id, float(index == (3 if segment == "warm" else 0)))
    chooser.close()
    return ids


def _pmfs(log: Log) -> list[list[float]]:
    with sessions_of(log)() as s:
        checkpoint = head_checkpoint(s)
    assert checkpoint is not None
    policy = restore_policy(checkpoint.policy, checkpoint.args, checkpoint.model)
    from bandit import Arm

    arms = [Arm(i, {"warmth": i / 4, "brightness": 1 - i / 4}) for i in range(4)]
    return [policy.probabilities(Context(s), arms).tolist() for s in ("warm", "cool", "x")]


def _learner(url: str, crash_on_batch: int | None) -> None:
    batches = 0

    def after_learn() -> None:
        nonlocal batches
        batches += 1
        if batches == crash_on_batch:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no commit: a real crash

    Learner(
        url,
        lambda: VWPolicy(epsilon=0.3),
        batch_size=100,
        clock=lambda: LATER,
        after_learn=after_learn,
    ).run_once()


def test_a_crash_between_learning_and_checkpointing_loses_and_doubles_nothing(
    log: Log, log_url: str, tmp_path: object
) -> None:
    _serve(log)
    ctx = mp.get_context("spawn")
    crashed = ctx.Process(target=_learner, args=(log_url, 2))
    crashed.start()
    crashed.join()
    assert crashed.exitcode == -signal.SIGKILL
    with sessions_of(log)() as s:
        head = head_checkpoint(s)
    assert head is not None and (head.version, head.last_seq) == (1, 100)  # batch 2 never landed
    _learner(log_url, None)  # restart
    with sessions_of(log)() as s:
        rows = s.execute(select(CheckpointRow.version, CheckpointRow.last_seq)).all()
    assert sorted(rows) == [(1, 100), (2, 200), (3, 300)]
    crashed_pmfs = _pmfs(log)

    clean_url = log_url.replace("log.sqlite", "clean.sqlite") if "sqlite" in log_url else None
    if clean_url is None:  # PostgreSQL: compare against a clean run on SQLite
        clean_url = f"sqlite:///{tmp_path}/clean.sqlite"
    clean = open_log(clean_url, create=True)
    share_salt(log, clean)  # the same draws as the crashed run's log
    _serve(clean)
    _learner(clean_url, None)
    assert np.array_equal(np.array(crashed_pmfs), np.array(_pmfs(clean)))
    clean.close()


def test_two_racing_learners_one_wins_and_the_other_retries_from_the_new_head(
    log: Log,
) -> None:
    _serve(log, 200)
    rival = Learner(log, lambda: VWPolicy(epsilon=0.3), clock=lambda: LATER)
    raced = False

    def rival_commits_first() -> None:
        nonlocal raced
        if not raced:
            raced = True
            assert rival.run_once().learned == 200  # commits checkpoint 1 under our feet

    slow = Learner(
        log, lambda: VWPolicy(epsilon=0.3), clock=lambda: LATER, after_learn=rival_commits_first
    )
    report = slow.run_once()
    assert report.conflicts == 1
    assert report.learned == 0  # after the retry there was nothing left to learn
    with sessions_of(log)() as s:
        rows = s.execute(select(CheckpointRow.version, CheckpointRow.last_seq)).all()
    assert rows == [(1, 200)]


def test_more_decisions_continue_from_the_cursor(log: Log) -> None:
    clock = Clock()
    ids = add_title(log, "t", 3)
    chooser = ArtworkChooser(log, VWPolicy(), clock=clock)
    learner = Learner(log, VWPolicy, clock=clock)
    for round_ in range(3):
        for i in range(50):
            chooser.choose("t", {"segment": "a"}, event_id=f"r{round_}-{i}")
        clock.advance(hours=1)
        report = learner.run_once()
        assert (report.joined, report.learned, report.last_seq) == (50, 50, 50 * (round_ + 1))
    assert len(ids) == 3


def test_learn_command(log: Log, log_url: str, capsys: object) -> None:
    _serve(log, 20)
    assert cli_main(["learn", "--db", log_url]) == 0  # decisions not yet matured: nothing to learn
    assert cli_main(["learn", "--db", log_url, "--set", "exploration=nope"]) == 1
    assert cli_main(["learn", "--db", "postgresql://x@127.0.0.1:1/none"]) == 1


def test_learn_command_learns_matured_decisions(log: Log, log_url: str) -> None:
    add_title(log, "t", 2)
    past = Clock(datetime.now(UTC) - timedelta(days=1))
    chooser = ArtworkChooser(log, clock=past)
    for i in range(10):
        chooser.choose("t", {"segment": "a"}, event_id=f"old{i}")
    assert cli_main(["learn", "--db", log_url]) == 0
    with sessions_of(log)() as s:
        head = head_checkpoint(s)
    assert head is not None and head.last_seq == 10
