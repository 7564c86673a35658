"""The peer libraries the learning benchmark compares against are wired correctly: each one
serves valid choices and learns an easy audience, so a poor peer figure in
``benchmarks/bench_learning.py`` is the peer's, not the adapter's."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bandit.simulate import SCENARIOS, Agent, Audience, Scenario, Setup, Taste, run_scenario
from bandit.simulate.audience import random_catalog

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
import peers


def _easy(seed: int, n: int) -> Setup:
    catalog = random_catalog(1, 4, seed=seed)
    arms = catalog["title-000"]
    likes = {"a": {arms[0].id: 2.0}, "b": {arms[3].id: 2.0}}
    tastes = [Taste(segment, {}, liking) for segment, liking in likes.items()]
    return Setup(Audience(tastes, base_rate=0.05, seed=seed), catalog)


EASY = Scenario("easy", "two segments, each loves one artwork", _easy, 4_000, 250)


@pytest.mark.slow
@pytest.mark.parametrize(
    "make",
    [peers.MabwiserLinUCB, peers.MabwiserThompson, peers.RawVW],
    ids=lambda f: f.__name__,
)
def test_each_peer_learns_an_easy_audience(make: Callable[[], Agent]) -> None:
    result = run_scenario(EASY, make(), seed=1)
    assert result.share_of_oracle > result.uniform_share + 0.3


@pytest.mark.parametrize("make", [peers.MabwiserLinUCB, peers.MabwiserThompson])
def test_mabwiser_peers_take_an_artwork_that_arrives_late(make: Callable[[], Agent]) -> None:
    scenario = replace(SCENARIOS["new_artwork"], impressions=1_000, learn_every=100)
    result = run_scenario(scenario, make(), seed=1)
    assert result.adoption is not None and result.adoption > 0.0  # the peer could choose it
