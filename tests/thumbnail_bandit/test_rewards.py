"""Rewards defined after the fact: definitions stored and versioned in the log, and replay of
a target under a definition written after the log was, from the signals already there."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

import storage
from bandit import ArtworkChooser, UniformPolicy
from bandit.replay import StaticTable, load_sql_log, run_replay
from tests.bandit.helpers import Clock

BIN = Path(sys.executable).parent
QUALITY = "1 if watch_minutes >= 5 else 0"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "thumbnail-bandit"), *args], capture_output=True, text=True, timeout=120
    )


def _clickbait_log(log: storage.Log, n: int = 400) -> tuple[int, int]:
    """A uniform logger over two artworks: ``bait`` is always clicked and watched a minute;
    ``story`` is clicked half the time and watched twenty. Rewards sent are clicks."""
    bait, story = (
        a.id
        for a in log.register(
            "t", [storage.NewArtwork("bait.jpg"), storage.NewArtwork("story.jpg")]
        )
    )
    clock = Clock()
    with ArtworkChooser(log, UniformPolicy(), clock=clock) as chooser:
        for i in range(n):
            d = chooser.choose("t", {"segment": "s"}, event_id=f"e{i}")
            clicked = d.artwork_id == bait or i % 4 < 2
            if clicked:
                chooser.reward(d.event_id, 1.0)
                chooser.signal(d.event_id, "click", 1)
                minutes = 1.0 if d.artwork_id == bait else 20.0
                for part in (minutes / 2, minutes):  # progress updates: max is what counts
                    chooser.signal(d.event_id, "watch_minutes", part)
    log.join_matured(now=clock.now + timedelta(days=1))
    return bait, story


def test_replay_under_a_definition_written_after_the_log(log_url: str) -> None:
    with storage.open_log(log_url, create=True) as log:
        bait, story = _clickbait_log(log)
        from bandit.reward_definition import definition

        log.define_reward(definition("quality", QUALITY, window_s=6 * 3600))
        clicks = load_sql_log(log)
        quality = load_sql_log(log, reward="quality")
    assert clicks.event_id == quality.event_id
    shown_story = quality.chosen == quality.actions.index(str(story))
    assert (quality.reward[shown_story] == (clicks.reward[shown_story] > 0)).all()
    assert (quality.reward[~shown_story] == 0).all()  # a minute of bait is never quality
    targets = [
        StaticTable({"*": {str(bait): 1.0, str(story): 0.0}}, "bait"),
        StaticTable({"*": {str(bait): 0.0, str(story): 1.0}}, "story"),
    ]
    truth = {("bait", "clicks"): 1.0, ("story", "clicks"): 0.5, ("bait", "quality"): 0.0}
    truth[("story", "quality")] = 0.5
    for data, reward in ((clicks, "clicks"), (quality, "quality")):
        estimates, _ = run_replay(data, targets, estimators=["snips"], bootstrap=0)
        for e in estimates:
            assert e.ci_low - 1e-9 <= truth[(e.target, reward)] <= e.ci_high + 1e-9, (reward, e)
    # The clicks say bait; the definition written afterwards says story, from the same log.


def test_definitions_are_versioned_and_checked(tmp_path: Path) -> None:
    db = str(tmp_path / "log.sqlite")
    assert _cli("create", "--db", db).returncode == 0
    first = _cli("rewards", "define", "quality", "--expr", QUALITY, "--window", "6h", "--db", db)
    assert first.returncode == 0 and first.stdout.startswith("quality v1\t")
    again = _cli("rewards", "define", "quality", "--expr", QUALITY, "--window", "6h", "--db", db)
    assert again.stdout.startswith("quality v1\t")  # the same content is the same version
    changed = _cli(
        "rewards", "define", "quality", "--expr", QUALITY, "--window", "2h",
        "--combine", "watch_minutes=sum", "--db", db,
    )  # fmt: skip
    assert changed.stdout.startswith("quality v2\t") and "watch_minutes=sum" in changed.stdout
    listed = json.loads(_cli("rewards", "list", "--db", db, "--json").stdout)
    assert [(d["name"], d["version"], d["window_s"], d["active"]) for d in listed] == [
        ("reward", 0, None, True),  # the built-in one, served until another is activated
        ("quality", 2, 7200.0, False),
    ]
    first_version = _cli("rewards", "show", "quality", "--version", "1", "--db", db)
    assert "window 21600 s" in first_version.stdout


@pytest.mark.parametrize(
    ("args", "status", "said"),
    [
        (["--expr", "__import__('os')", "--window", "1h"], 1, "column"),
        (["--expr", "1 +", "--window", "1h"], 1, "does not parse at column"),
        (["--expr", "click", "--window", "soon"], 2, "not a duration"),
        (["--expr", "click", "--window", "1h", "--combine", "click=mean"], 1, "first, last"),
        (["--expr", "click", "--window", "1h", "--default", "2"], 1, "within the range"),
        (["--expr", "click", "--window", "1h", "--range", "5,1"], 1, "low < high"),
    ],
)
def test_a_bad_definition_is_one_line(
    tmp_path: Path, args: list[str], status: int, said: str
) -> None:
    db = str(tmp_path / "log.sqlite")
    assert _cli("create", "--db", db).returncode == 0
    result = _cli("rewards", "define", "quality", *args, "--db", db)
    assert result.returncode == status
    [line] = result.stderr.splitlines()[-1:]
    assert said in line and "Traceback" not in result.stderr
    listed = json.loads(_cli("rewards", "list", "--db", db, "--json").stdout)
    assert [d["name"] for d in listed] == ["reward"]


def test_replay_names_an_unknown_definition(tmp_path: Path) -> None:
    db = str(tmp_path / "log.sqlite")
    with storage.open_log(db, create=True) as log:
        _clickbait_log(log, n=20)
    result = _cli("replay", "--db", db, "--target", "uniform", "--reward", "nope")
    assert result.returncode == 1 and "no reward definition 'nope'" in result.stderr


def test_learn_and_activate_a_definition_from_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "log.sqlite")
    with storage.open_log(db, create=True) as log:
        _clickbait_log(log, n=40)
    unknown = _cli("learn", "--db", db, "--reward", "quality", "--quiet")
    assert unknown.returncode == 1 and "no reward definition 'quality'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    _cli("rewards", "define", "quality", "--expr", QUALITY, "--window", "6h", "--db", db)
    early = _cli("rewards", "activate", "quality", "--db", db)
    assert early.returncode == 1 and "learn --reward quality" in early.stderr.splitlines()[-1]
    learned = _cli("learn", "--db", db, "--reward", "quality", "--quiet")
    assert learned.returncode == 0 and "learning 'quality'" in learned.stdout
    assert _cli("learn", "--db", db, "--quiet").returncode == 0  # the clicks, beside it
    lineages = json.loads(_cli("checkpoints", "list", "--db", db, "--json").stdout)
    assert [c["reward"] for c in lineages] == ["reward", "quality"]  # newest first
    activated = _cli("rewards", "activate", "quality", "--db", db)
    assert activated.returncode == 0 and "serving 'quality'" in activated.stdout
    listed = _cli("rewards", "list", "--db", db).stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["  reward v0", "* quality v1"]


@pytest.mark.parametrize(
    "args",
    [
        ["rewards", "show", "reward", "--version", str(10**20)],
        ["rewards", "show", "quality", "--version", str(-(10**20))],
        ["checkpoints", "mark-bad", str(10**20), "--reason", "typo"],
    ],
    ids=["version too big", "version too small", "checkpoint too big"],
)
def test_a_number_beyond_the_log_is_one_line_not_an_internal_error(
    tmp_path: Path, args: list[str]
) -> None:
    db = str(tmp_path / "log.sqlite")
    assert _cli("create", "--db", db).returncode == 0
    result = _cli(*args, "--db", db)
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "out of range" in line and "internal error" not in line
