"""`ThompsonPolicy`'s change test: it restarts a segment whose taste turned, and only then."""

from __future__ import annotations

import numpy as np
import pytest

from bandit import (
    Arm,
    Context,
    InvalidPolicyArgs,
    LearningExample,
    ThompsonPolicy,
    restore_policy,
)

ARMS = (Arm(1, {}), Arm(2, {}))


def _batch(segment: str, rates: tuple[float, float], n: int, seed: int) -> list[LearningExample]:
    """``n`` impressions per artwork, shown uniformly, clicked at ``rates``."""
    rng = np.random.default_rng(seed)
    return [
        LearningExample(Context(segment), ARMS, arm, 0.5, float(rng.random() < rates[arm]))
        for _ in range(n)
        for arm in (0, 1)
    ]


def test_a_reversed_taste_restarts_its_segment_and_no_other() -> None:
    policy = ThompsonPolicy(change_z=4.0)
    for seed in range(5):
        policy.learn(_batch("s", (0.6, 0.1), 100, seed) + _batch("t", (0.6, 0.1), 100, 50 + seed))
        assert policy.restarted == set()
    assert policy.trials("s", 1) == 500
    policy.learn(_batch("s", (0.1, 0.6), 100, 9) + _batch("t", (0.6, 0.1), 100, 99))
    assert policy.restarted == {"s"}
    # Only the batch that showed the turn is left of "s"; "t" keeps all it learned.
    assert policy.trials("s", 1) == policy.trials("s", 2) == 100
    assert policy.trials("t", 1) == 600
    pmf = policy.probabilities(Context("s"), ARMS)
    assert pmf[1] > 0.9


def test_a_steady_taste_is_never_restarted() -> None:
    policy = ThompsonPolicy(change_z=4.0)
    for seed in range(40):
        policy.learn(_batch("s", (0.3, 0.25), 100, seed))
        assert policy.restarted == set()
    assert policy.trials("s", 1) == 4000


def test_without_change_z_nothing_is_restarted() -> None:
    policy = ThompsonPolicy()
    policy.learn(_batch("s", (0.6, 0.1), 100, 0))
    policy.learn(_batch("s", (0.1, 0.6), 100, 1))
    assert policy.restarted == set() and policy.trials("s", 1) == 200


def test_too_few_impressions_are_no_evidence_of_a_turn() -> None:
    policy = ThompsonPolicy(change_z=1.0)
    policy.learn(_batch("s", (1.0, 0.0), 10, 0))
    policy.learn(_batch("s", (0.0, 1.0), 10, 1))  # 10 before, 10 now: below MIN_TRIALS
    assert policy.restarted == set()


@pytest.mark.parametrize("change_z", [-1.0, 101.0, "4", float("nan")])
def test_change_z_outside_its_range_is_refused(change_z: object) -> None:
    with pytest.raises(InvalidPolicyArgs):
        ThompsonPolicy(change_z=change_z)  # type: ignore[arg-type]


def test_change_z_survives_a_checkpoint() -> None:
    policy = ThompsonPolicy(change_z=3.5)
    policy.learn(_batch("s", (0.6, 0.1), 50, 0))
    restored = restore_policy(policy.name, policy.describe_args(), policy.save())
    assert isinstance(restored, ThompsonPolicy)
    assert restored.change_z == 3.5 and restored.trials("s", 1) == 50
