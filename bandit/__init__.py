"""Contextual-bandit artwork choice on a SQL log: policies, the chooser, the learner, replay
evaluation and an audience simulator.

``from bandit import ArtworkChooser`` is the main entry point.
"""

from bandit.chooser import ArtworkChooser
from bandit.context import Context
from bandit.errors import (
    BanditError,
    CorruptModel,
    InvalidContext,
    InvalidPolicyArgs,
    LogUnavailable,
    NoActiveArtwork,
    UnknownTitle,
)
from bandit.explain import ArtworkExplanation, Contribution
from bandit.learner import Learner, LearnReport
from bandit.policies import (
    GreedyPolicy,
    Policy,
    ThompsonPolicy,
    UniformPolicy,
    VWPolicy,
    build_policy,
    restore_policy,
)
from bandit.records import Arm, Decision, LearningExample
from storage import ConflictingRecord, InvalidReward, RewardReceipt, UnknownEvent

__all__ = [
    "Arm",
    "ArtworkChooser",
    "ArtworkExplanation",
    "BanditError",
    "ConflictingRecord",
    "Context",
    "Contribution",
    "CorruptModel",
    "Decision",
    "GreedyPolicy",
    "InvalidContext",
    "InvalidPolicyArgs",
    "InvalidReward",
    "LearnReport",
    "Learner",
    "LearningExample",
    "LogUnavailable",
    "NoActiveArtwork",
    "Policy",
    "RewardReceipt",
    "ThompsonPolicy",
    "UniformPolicy",
    "UnknownEvent",
    "UnknownTitle",
    "VWPolicy",
    "build_policy",
    "restore_policy",
]
