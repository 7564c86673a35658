"""Replay evaluation: how would another policy have done on the logged traffic?"""

from bandit.replay.csv_log import load_csv_log
from bandit.replay.data import LoggedData
from bandit.replay.errors import BadLog, BadTarget, ReplayError
from bandit.replay.estimators import (
    ESTIMATOR_CLASSES,
    ESTIMATORS,
    Estimate,
    Estimator,
    evaluate,
)
from bandit.replay.evidence import Evidence
from bandit.replay.pushdown import PushdownResult, pushdown_ips
from bandit.replay.report import csv_text, summary
from bandit.replay.reward_model import Regressor, RewardModel
from bandit.replay.run import parse_target, run_replay
from bandit.replay.sparse import CandidateSets, GroupedPmf
from bandit.replay.sql_log import load_sql_log
from bandit.replay.targets import LearningTarget, PolicyTarget, StaticTable, Target, UniformTarget

__all__ = [
    "ESTIMATORS",
    "ESTIMATOR_CLASSES",
    "BadLog",
    "BadTarget",
    "CandidateSets",
    "Estimate",
    "Estimator",
    "Evidence",
    "GroupedPmf",
    "LearningTarget",
    "LoggedData",
    "PolicyTarget",
    "PushdownResult",
    "Regressor",
    "ReplayError",
    "RewardModel",
    "StaticTable",
    "Target",
    "UniformTarget",
    "csv_text",
    "evaluate",
    "load_csv_log",
    "load_sql_log",
    "parse_target",
    "pushdown_ips",
    "run_replay",
    "summary",
]
