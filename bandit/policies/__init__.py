"""Policies: Vowpal Wabbit and the baselines, all behind the same `Policy` interface."""

from bandit.policies.base import Policy
from bandit.policies.greedy import GreedyPolicy
from bandit.policies.registry import POLICIES, build_policy, restore_policy
from bandit.policies.thompson import ThompsonPolicy
from bandit.policies.uniform import UniformPolicy
from bandit.policies.vw import VWPolicy

__all__ = [
    "POLICIES",
    "GreedyPolicy",
    "Policy",
    "ThompsonPolicy",
    "UniformPolicy",
    "VWPolicy",
    "build_policy",
    "restore_policy",
]
