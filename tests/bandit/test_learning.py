"""The policy learns, on a seeded audience whose segments prefer different artwork features.

100 titles x 6 artworks, 20,000 decisions each run, learning every 500. Everything is seeded,
so the figures are exact, not statistical: the margins below are the tolerance, and they are
stated against what the runs produce (VW squarecb ~0.91 of the oracle; epsilon-greedy ~0.78;
per-segment Thompson ~0.65, since it must learn each of 600 artworks per segment separately,
while VW generalises through the artworks' features).
"""

from __future__ import annotations

import numpy as np
import pytest

from bandit import Policy, ThompsonPolicy, UniformPolicy, VWPolicy
from bandit.simulate import Audience, SimulationResult, random_catalog, simulate_policy

pytestmark = pytest.mark.slow  # seconds, not milliseconds: `pytest -m "not slow"` skips it


def _run(policy: Policy) -> SimulationResult:
    return simulate_policy(
        policy, Audience(seed=10), random_catalog(100, 6, seed=0), impressions=20_000, seed=0
    )


@pytest.fixture(scope="module")
def baselines() -> dict[str, SimulationResult]:
    return {"uniform": _run(UniformPolicy()), "thompson": _run(ThompsonPolicy(draws=300))}


def test_vw_reaches_90_percent_of_the_oracle(baselines: dict[str, SimulationResult]) -> None:
    result = _run(VWPolicy(exploration="squarecb", gamma_scale=50.0, interactions=("ua",)))
    assert result.served_ctr >= 0.90 * result.oracle_ctr
    assert result.served_ctr > 1.5 * baselines["uniform"].served_ctr
    assert result.served_ctr > baselines["thompson"].served_ctr + 0.02
    assert result.curve[-1] > result.curve[0]  # it improved while serving


def test_default_epsilon_greedy_beats_the_baselines(
    baselines: dict[str, SimulationResult],
) -> None:
    result = _run(VWPolicy())
    assert result.served_ctr > baselines["uniform"].served_ctr + 0.05
    assert result.served_ctr > baselines["thompson"].served_ctr + 0.01
    assert result.clicks > baselines["uniform"].clicks


def test_the_simulator_is_reproducible_and_realistic() -> None:
    a, b = Audience(seed=3), Audience(seed=3)
    users = [(a.user(), b.user()) for _ in range(50)]
    assert all(x == y for x, y in users)
    catalog = random_catalog(10, 4, seed=1)
    arms = catalog["title-000"]
    user = users[0][0]
    # The base rate at neutral features, before the logit noise; with it, what click() draws.
    assert Audience(seed=3, noise=0.0).click_probability(user, {}) == pytest.approx(0.03)
    neutral = a.click_probability(user, {})
    draws = Audience(seed=4)
    observed = np.mean([draws.click(user, {}) for _ in range(40_000)])
    assert observed == pytest.approx(neutral, abs=3 * np.sqrt(neutral / 40_000))
    best = a.oracle(user, arms)
    assert all(
        a.click_probability(user, arms[best].features) >= a.click_probability(user, x.features)
        for x in arms
    )
    drifting = Audience(seed=3, drift=1.0)
    before = drifting.click_probability(user, arms[best].features)
    drifting.impressions = 10_000  # fully turned: tastes reversed
    assert drifting.click_probability(user, arms[best].features) < before
