"""Learning a reward definition: each definition is a lineage of checkpoints of its own, the
checkpoint names the definition it optimises, and choosers serve the active definition's."""

from __future__ import annotations

from datetime import timedelta

import pytest

import storage
from bandit import ArtworkChooser, Learner, UniformPolicy
from bandit.context import Context
from bandit.policies.registry import restore_policy
from bandit.records import Arm
from bandit.reward_definition import definition
from tests.bandit.helpers import Clock
from tests.thumbnail_bandit.test_rewards import QUALITY, _clickbait_log


def _share_of(log: storage.Log, checkpoint: storage.Checkpoint, artwork_id: int) -> float:
    policy = restore_policy(checkpoint.policy, checkpoint.args, checkpoint.model)
    arms = [Arm(a.id, a.features) for a in log.artworks("t")]
    pmf = policy.probabilities(Context.from_mapping({"segment": "s"}), arms)
    return float(pmf[[a.id for a in arms].index(artwork_id)])


def test_each_definition_learns_a_lineage_of_its_own(log_url: str) -> None:
    with storage.open_log(log_url, create=True) as log:
        bait, story = _clickbait_log(log)
        log.define_reward(definition("quality", QUALITY, window_s=6 * 3600))
        with Learner(log) as clicks, Learner(log, reward="quality") as quality:
            by_clicks, by_quality = clicks.run_once(), quality.run_once()
            assert quality.run_once().learned == 0  # exactly once, per lineage
        assert by_clicks.learned == by_quality.learned == 400
        head_clicks = log.head_checkpoint()
        head_quality = log.head_checkpoint("quality")
        assert head_clicks is not None and head_quality is not None
        assert (head_clicks.reward, head_clicks.reward_version) == ("reward", None)
        assert (head_quality.reward, head_quality.reward_version) == ("quality", 1)
        assert head_quality.parent_version == 0  # the first of its lineage
        assert {(i.version, i.reward) for i in log.checkpoints()} == {
            (head_clicks.version, "reward"),
            (head_quality.version, "quality"),
        }
        # The clicks say bait, the quality definition says story, from the same log.
        assert _share_of(log, head_clicks, bait) > 0.5
        assert _share_of(log, head_quality, story) > 0.5


def test_choosers_serve_the_active_definition(log_url: str) -> None:
    with storage.open_log(log_url, create=True) as log:
        _clickbait_log(log, n=60)
        log.define_reward(definition("quality", QUALITY, window_s=6 * 3600))
        with pytest.raises(storage.UnknownDefinition):
            log.activate_reward("nope")
        with pytest.raises(storage.CheckpointNotFound, match="learn --reward quality"):
            log.activate_reward("quality")  # nothing learned for it yet
        with Learner(log) as learner:
            learner.run_once()
        chooser = ArtworkChooser(log, UniformPolicy(), reload_every_s=0)
        clicks_head = log.head_version()
        assert (chooser.reward_, chooser.checkpoint_version_) == ("reward", clicks_head)
        log.activate_reward("quality", force=True)
        chooser.choose("t", {"segment": "s"})
        # Nothing learned for quality: the starting policy, not the clicks' model.
        assert (chooser.reward_, chooser.checkpoint_version_) == ("quality", 0)
        assert chooser.policy_version == "uniform:0"
        with Learner(log, reward="quality") as learner:
            learner.run_once()
        decision = chooser.choose("t", {"segment": "s"})
        assert chooser.checkpoint_version_ == log.head_version("quality") > clicks_head
        assert decision.policy_version.endswith(f":{log.head_version('quality')}")
        assert log.active_reward() == "quality"
        log.activate_reward("reward")  # and back to the built-in one
        chooser.choose("t", {"segment": "s"})
        assert (chooser.reward_, chooser.checkpoint_version_) == ("reward", clicks_head)
        chooser.close()


def test_the_reward_is_the_signal_reward(log_url: str) -> None:
    with storage.open_log(log_url, create=True) as log:
        log.register("t", [storage.NewArtwork("a.jpg"), storage.NewArtwork("b.jpg")])
        clock = Clock()
        with ArtworkChooser(log, UniformPolicy(), clock=clock) as chooser:
            one = chooser.choose("t", {"segment": "s"}, event_id="one")
            two = chooser.choose("t", {"segment": "s"}, event_id="two")
            got = chooser.signal(one.event_id, "reward", 1.0)  # as reward() sends it
            assert not got.duplicate and chooser.reward(one.event_id, 1.0).duplicate
            chooser.reward(two.event_id, 0.25)
            with pytest.raises(storage.ConflictingRecord):
                chooser.signal(two.event_id, "reward", 0.5)
        assert [(s.name, s.value) for s in log.signals("one")] == [("reward", 1.0)]
        with pytest.raises(storage.InvalidSignal, match="built-in"):
            log.define_reward(definition("reward", "click", window_s=60))
        # A definition reads it like any other signal.
        log.define_reward(definition("half", "reward / 2", window_s=3600))
        log.join_matured(now=clock.now + timedelta(hours=1))
        from bandit.replay import load_sql_log

        assert sorted(load_sql_log(log, reward="half").reward) == [0.125, 0.5]


def test_signals_after_the_join_are_not_learned(log_url: str) -> None:
    """The same log learns the same model whenever the learner runs: a signal that comes
    after its decision's join is late and changes nothing."""
    with storage.open_log(log_url, create=True) as log:
        log.register("t", [storage.NewArtwork("a.jpg")])
        log.define_reward(definition("played", "play", window_s=366 * 86400))
        clock = Clock()
        with ArtworkChooser(log, UniformPolicy(), clock=clock) as chooser:
            chooser.choose("t", {"segment": "s"}, event_id="early")
            chooser.choose("t", {"segment": "s"}, event_id="late")
            chooser.signal("early", "play", 1)
            log.join_matured(now=clock.now + timedelta(hours=1))
            assert chooser.signal("late", "play", 1).late
        from bandit.replay import load_sql_log

        rewards = load_sql_log(log, reward="played")
        assert dict(zip(rewards.event_id, rewards.reward, strict=True)) == {
            "early": 1.0,
            "late": 0.0,
        }


def test_learning_an_unknown_definition_is_refused_before_anything_runs(log_url: str) -> None:
    with storage.open_log(log_url, create=True) as log:
        with pytest.raises(storage.UnknownDefinition, match="rewards list"):
            Learner(log, reward="quality")
        assert log.checkpoints() == []
