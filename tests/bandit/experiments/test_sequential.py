"""The confidence sequence behind `experiments status`: valid however often it is read
(A/A), covering a known lift (A/B), and honest about when it may give a verdict."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bandit.experiments.sequential import (
    MIN_DECISIONS,
    arm_mean_interval,
    boundary,
    compare,
    compare_over_time,
    looks,
)

RUNS, HORIZON, EVERY = 200, 20_000, 100


def _runs(share: float, rate: float, lift: float, seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    for _ in range(RUNS):
        treated = rng.random(HORIZON) < share
        rewards = (rng.random(HORIZON) < np.where(treated, rate * (1 + lift), rate)).astype(float)
        yield treated.astype(int), np.where(treated, share, 1 - share), rewards


@pytest.mark.parametrize(("share", "rate"), [(0.5, 0.1), (0.1, 0.1), (0.5, 0.02)])
def test_identical_arms_rarely_differ_however_often_it_is_read(share: float, rate: float) -> None:
    declared = 0
    for arms, probabilities, rewards in _runs(share, rate, 0.0, seed=7):
        seen = looks(arms, probabilities, rewards, 1, 0, every=EVERY)
        declared += bool(np.any(seen.ready & ((seen.low > 0) | (seen.high < 0))))
    assert declared / RUNS <= 0.05


def test_a_known_lift_is_covered_and_found() -> None:
    truth, covered, found = 0.1 * 0.2, 0, 0
    for arms, probabilities, rewards in _runs(0.5, 0.1, 0.2, seed=8):
        seen = looks(arms, probabilities, rewards, 1, 0, every=EVERY)
        inside = (seen.low <= truth) & (truth <= seen.high)
        covered += bool(np.all(inside[seen.ready]))
        found += bool(np.any(seen.ready & (seen.low > 0)))
    assert covered / RUNS >= 0.95
    assert found / RUNS >= 0.85  # 20% on 10%: the median run finds it at ~8,600 decisions


def test_no_verdict_before_enough_decisions() -> None:
    arms = np.array([0, 1] * 40)
    rewards = np.where(arms == 1, 1.0, 0.0)  # a stark difference, but 40 decisions a side
    early = compare(arms, np.full(80, 0.5), rewards, 1, 0)
    assert not early.ready and early.verdict == "running"
    arms = np.array([0, 1] * MIN_DECISIONS)
    rewards = np.where(arms == 1, 1.0, 0.0)
    late = compare(arms, np.full(len(arms), 0.5), rewards, 1, 0)
    assert late.ready and late.verdict == "better" and late.low > 0


def test_an_arm_that_never_earns_is_found_worse() -> None:
    arms = np.array([0, 1] * 300)
    rewards = np.where(arms == 0, (np.arange(600) % 4 == 0).astype(float), 0.0)
    assert compare(arms, np.full(600, 0.5), rewards, 1, 0).verdict == "worse"


def test_the_sequence_narrows_and_reads_at_every_step() -> None:
    assert math.isinf(float(boundary(0, 1.0)))
    widths = boundary(np.array([100, 1_000, 10_000, 100_000]), np.ones(4))
    assert np.all(np.diff(widths) < 0)
    arms = np.array([0, 1] * 500)
    rewards = np.ones(1000)
    over_time = compare_over_time(arms, np.full(1000, 0.5), rewards, 1, 0, every=300)
    assert [c.decisions for c in over_time] == [300, 600, 900, 1000]
    assert compare_over_time(arms[:0], arms[:0].astype(float), rewards[:0], 1, 0)[0].decisions == 0
    mean, low, high = arm_mean_interval(np.array([0.0, 1.0] * 500))
    assert low < mean == 0.5 < high
