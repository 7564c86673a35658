"""The simulator and its scenario library: reproducible, and each scenario has the property
its name promises, checked against the true click probabilities."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bandit import Arm, Context, UniformPolicy
from bandit.simulate import SCENARIOS, Audience, PolicyAgent, Taste, Turn, run_scenario
from bandit.simulate.audience import DEVICES


def test_the_audience_is_reproducible_and_its_truth_matches_its_clicks() -> None:
    a, b = Audience(seed=3), Audience(seed=3)
    users = [(a.user(), b.user()) for _ in range(50)]
    assert all(x == y for x, y in users)
    user = users[0][0]
    # The base rate at neutral features, before the logit noise; with it, what click() draws.
    assert Audience(seed=3, noise=0.0).click_probability(user, {}) == pytest.approx(0.03)
    neutral = a.click_probability(user, {})
    draws = Audience(seed=4)
    observed = np.mean([draws.click(user, {}) for _ in range(40_000)])
    assert observed == pytest.approx(neutral, abs=3 * np.sqrt(neutral / 40_000))


def test_click_probabilities_and_the_oracle_agree_with_click_probability() -> None:
    setup = SCENARIOS["mixed"].setup(seed=2)
    arms = list(setup.catalog["title-000"])
    for _ in range(20):
        user = setup.audience.user()
        each = [setup.audience.click_probability(user, arm) for arm in arms]
        assert setup.audience.click_probabilities(user, arms) == pytest.approx(each, rel=1e-12)
        assert setup.audience.oracle(user, arms) == int(np.argmax(each))


def test_a_turn_reverses_one_segment_only() -> None:
    arm = Arm(1, {"warmth": 0.9})
    tastes = [Taste("warm", {"warmth": 2.0}), Taste("other", {"warmth": 2.0})]
    audience = Audience(tastes, noise=0.0, turn=Turn("warm", start=100, length=100))
    warm, other = Context("warm"), Context("other")
    before = audience.click_probability(warm, arm)
    audience.impressions = 150  # half way through the turn: indifferent
    assert audience.click_probability(warm, arm) == pytest.approx(0.03)
    audience.impressions = 200
    assert audience.click_probability(warm, arm) < 0.03 < before
    assert audience.click_probability(other, arm) == pytest.approx(before)


def test_segments_arrive_in_proportion_to_their_share() -> None:
    audience = Audience([Taste("big", {}, share=3.0), Taste("small", {}, share=1.0)], seed=1)
    segments = [audience.user().segment for _ in range(8_000)]
    assert segments.count("big") / len(segments) == pytest.approx(0.75, abs=0.02)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_is_seeded_and_leaves_room_to_learn(name: str) -> None:
    scenario = SCENARIOS[name]
    one, again, other = scenario.setup(1), scenario.setup(1), scenario.setup(2)
    assert one.catalog == again.catalog and one.audience.tastes == again.audience.tastes
    assert one.audience.tastes != other.audience.tastes  # each seed is another audience
    # The best artwork is clearly better than a random one, for the users who arrive.
    audience = one.audience
    titles = sorted(one.catalog)
    gaps = []
    for i in range(300):
        user = audience.user()
        truth = audience.click_probabilities(user, one.catalog[titles[i % len(titles)]])
        gaps.append(truth.max() / truth.mean())
    assert np.mean(gaps) > 1.3


def test_the_new_artwork_is_the_best_for_its_segment() -> None:
    setup = SCENARIOS["new_artwork"].setup(seed=3)
    arrival = setup.arrival
    assert arrival is not None and arrival.at == SCENARIOS["new_artwork"].impressions // 2
    arms = [*setup.catalog[arrival.title], arrival.arm]
    truth = setup.audience.click_probabilities(Context(arrival.segment), arms)
    assert int(np.argmax(truth)) == len(arms) - 1


def test_in_the_device_scenario_the_best_artwork_depends_on_the_device() -> None:
    setup = SCENARIOS["device"].setup(seed=3)
    arms = list(setup.catalog["title-000"])
    best = {
        d: int(
            np.argmax(
                setup.audience.click_probabilities(Context("segment-00", {"device": d}), arms)
            )
        )
        for d in DEVICES
    }
    assert len(set(best.values())) > 1


def test_run_scenario_scores_uniform_at_the_uniform_share_and_measures_drift() -> None:
    scenario = replace(SCENARIOS["drift"], impressions=2_000)
    result = run_scenario(scenario, PolicyAgent(UniformPolicy), seed=1)
    assert result.share_of_oracle == pytest.approx(result.uniform_share, abs=0.05)
    assert len(result.curve) == 4
    assert result.adoption is None and result.cold_start is None
    again = run_scenario(scenario, PolicyAgent(UniformPolicy), seed=1)
    assert again == result
