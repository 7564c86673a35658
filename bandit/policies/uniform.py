"""Uniform random: the simplest logging policy, and the baseline every policy must beat."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bandit.context import Context
from bandit.policies.base import Pmf, Policy
from bandit.records import Arm


class UniformPolicy(Policy):
    """Every arm equally likely.

    >>> from bandit import Context, Arm
    >>> UniformPolicy().probabilities(Context("a"), [Arm(1, {}), Arm(2, {})]).tolist()
    [0.5, 0.5]
    """

    name = "uniform"

    def probabilities(self, context: Context, arms: Sequence[Arm]) -> Pmf:
        return np.full(len(arms), 1.0 / len(arms))
