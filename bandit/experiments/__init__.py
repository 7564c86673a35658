"""Online experiments: arms (the head, a frozen checkpoint, the editorial baseline, a policy
with a lineage of its own) sharing a title's traffic by unit, with always-valid results,
guardrails, and a replay screen before any member sees a challenger."""

from bandit.experiments.arms import parse_arm
from bandit.experiments.lifecycle import (
    GuardrailStop,
    apply_guardrails,
    learn_arm_lineages,
    policy_lineages,
    promote,
    start_experiment,
    stop_arm,
    stop_experiment,
)
from bandit.experiments.screen import Screen
from bandit.experiments.sequential import Comparison, compare, compare_over_time
from bandit.experiments.status import ArmStatus, ExperimentStatus, experiment_status

__all__ = [
    "ArmStatus",
    "Comparison",
    "ExperimentStatus",
    "GuardrailStop",
    "Screen",
    "apply_guardrails",
    "compare",
    "compare_over_time",
    "experiment_status",
    "learn_arm_lineages",
    "parse_arm",
    "policy_lineages",
    "promote",
    "start_experiment",
    "stop_arm",
    "stop_experiment",
]
