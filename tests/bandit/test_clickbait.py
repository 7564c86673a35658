"""The clickbait scenario: its truth matches the signals it sends, and a policy that learns
quality plays watches far more than one that learns clicks, on the same members."""

from __future__ import annotations

import numpy as np
import pytest

from bandit import SegmentMixPolicy
from bandit.context import Context
from bandit.reward_definition import reward_from
from bandit.simulate import PolicyAgent
from bandit.simulate.clickbait import (
    _T0,
    CLICKS,
    DEFINITIONS,
    QUALITY,
    _signals,
    clickbait_setup,
    run_clickbait,
)
from bandit.simulate.clickbait_log import expected_rewards


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_the_truth_is_what_the_signals_make(name: str) -> None:
    """The expected reward the coverage tests compare against is the mean of the reward the
    definition makes of the signals sent (Monte Carlo, 40,000 impressions an artwork)."""
    setup = clickbait_setup(seed=5)
    user = Context("segment-01")
    arms = list(setup.catalog["title-001"])
    truth = expected_rewards(setup, user, arms, name)
    rng = np.random.default_rng(0)
    for arm, expected in zip(arms, truth, strict=True):
        draws = [
            reward_from(DEFINITIONS[name], _T0, _signals(setup, user, arm, rng))
            for _ in range(40_000)
        ]
        spread = np.std(draws) / np.sqrt(len(draws))
        assert abs(np.mean(draws) - expected) < 4 * spread + 1e-4, (arm.id, expected)


def test_the_bait_wins_clicks_and_the_story_wins_minutes() -> None:
    for seed in range(10):
        setup = clickbait_setup(seed)
        for segment in ("segment-00", "segment-03"):
            for arms in setup.catalog.values():
                user = Context(segment)
                bait = int(setup.clicks(user, list(arms)).argmax())
                story = int(setup.minutes(user, list(arms)).argmax())
                assert bait != story
                assert (
                    setup.minutes(user, list(arms))[story]
                    > 2 * setup.minutes(user, list(arms))[bait]
                )


def test_learning_quality_plays_watches_more_than_learning_clicks() -> None:
    for seed in (1, 2):
        clicks = run_clickbait(PolicyAgent(SegmentMixPolicy), seed, CLICKS, impressions=6000)
        quality = run_clickbait(PolicyAgent(SegmentMixPolicy), seed, QUALITY, impressions=6000)
        assert clicks.share_of_clicks > 0.8 and clicks.share_of_minutes < 0.4
        assert quality.share_of_minutes > clicks.share_of_minutes + 0.3
        assert quality.share_of_clicks < clicks.share_of_clicks
