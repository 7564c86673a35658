"""Contextual-bandit artwork choice on a SQL log: policies, the chooser, the learner, replay
evaluation and an audience simulator.

``from bandit import ArtworkChooser`` is the main entry point.
"""

from bandit.chooser import ActivationReceipt, ArtworkChooser, RewardReceipt
from bandit.context import Context
from bandit.errors import (
    ActivationClosed,
    BanditError,
    CheckpointNotFound,
    ConflictingRecord,
    CorruptModel,
    InvalidContext,
    InvalidLogUrl,
    InvalidPolicyArgs,
    InvalidReward,
    InvalidSignal,
    LogNotFound,
    LogUnavailable,
    NoActiveArtwork,
    NotActivated,
    UnknownDefinition,
    UnknownEvent,
    UnknownTitle,
)
from bandit.learner import Learner, LearnReport
from bandit.policies import (
    GreedyPolicy,
    Policy,
    SegmentMixPolicy,
    ThompsonPolicy,
    UniformPolicy,
    VWPolicy,
    build_policy,
    default_policy,
    restore_policy,
)
from bandit.records import Arm, ArtworkExplanation, Contribution, Decision, LearningExample

__all__ = [
    "ActivationClosed",
    "ActivationReceipt",
    "Arm",
    "ArtworkChooser",
    "ArtworkExplanation",
    "BanditError",
    "CheckpointNotFound",
    "ConflictingRecord",
    "Context",
    "Contribution",
    "CorruptModel",
    "Decision",
    "GreedyPolicy",
    "InvalidContext",
    "InvalidLogUrl",
    "InvalidPolicyArgs",
    "InvalidReward",
    "InvalidSignal",
    "LearnReport",
    "Learner",
    "LearningExample",
    "LogNotFound",
    "LogUnavailable",
    "NoActiveArtwork",
    "NotActivated",
    "Policy",
    "RewardReceipt",
    "SegmentMixPolicy",
    "ThompsonPolicy",
    "UniformPolicy",
    "UnknownDefinition",
    "UnknownEvent",
    "UnknownTitle",
    "VWPolicy",
    "build_policy",
    "default_policy",
    "restore_policy",
]
