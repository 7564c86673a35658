"""Policies: the default mixture, Vowpal Wabbit and the baselines, all behind the same `Policy`
interface."""

from bandit.policies.base import Policy
from bandit.policies.greedy import GreedyPolicy
from bandit.policies.registry import (
    DEFAULT_POLICY,
    POLICIES,
    build_policy,
    default_policy,
    restore_policy,
)
from bandit.policies.segment_mix import SegmentMixPolicy
from bandit.policies.thompson import ThompsonPolicy
from bandit.policies.uniform import UniformPolicy
from bandit.policies.vw import VWPolicy

__all__ = [
    "DEFAULT_POLICY",
    "POLICIES",
    "GreedyPolicy",
    "Policy",
    "SegmentMixPolicy",
    "ThompsonPolicy",
    "UniformPolicy",
    "VWPolicy",
    "build_policy",
    "default_policy",
    "restore_policy",
]
