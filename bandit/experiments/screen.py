"""Screen before exposing: replay each arm on the log (SNIPS, under the experiment's reward
definition) and refuse a challenger whose interval lies wholly below control's. Members never
see a policy the log already shows to be worse."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import storage
from bandit.experiments.arms import policy_of
from bandit.log_boundary import log_errors
from bandit.policies.registry import default_policy
from bandit.replay.errors import BadLog, BadTarget
from bandit.replay.estimators import Estimate
from bandit.replay.run import parse_target, run_replay
from bandit.replay.sql_log import load_sql_log
from bandit.replay.targets import LearningTarget, StaticTable, Target

MIN_DECISIONS = 200
"""Joined decisions the screen needs; with fewer it is skipped (and says so)."""


@dataclass(frozen=True, slots=True)
class ArmScreen:
    arm: str
    target: str
    estimate: float
    low: float
    high: float
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return round(x, 6) if math.isfinite(x) else None

        return {
            "arm": self.arm,
            "target": self.target,
            "estimate": num(self.estimate),
            "interval": [num(self.low), num(self.high)],
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Screen:
    arms: list[ArmScreen]
    """Control first; empty when the screen was skipped."""
    skipped: str = ""
    """Why there was no screen (too few joined decisions)."""

    def refused(self) -> list[ArmScreen]:
        """Challengers whose interval lies wholly below control's."""
        if not self.arms:
            return []
        control = self.arms[0]
        return [a for a in self.arms[1:] if a.high < control.low]

    def as_json(self) -> dict[str, Any]:
        return {"skipped": self.skipped, "arms": [a.as_json() for a in self.arms]}


def screen(
    log: storage.Log,
    titles: Sequence[str],
    arms: Sequence[storage.ExperimentArm],
    reward: str,
) -> Screen:
    """Replay every arm on the experiment's titles' joined decisions (all of the log's when
    it covers several titles)."""
    title = titles[0] if len(titles) == 1 else None
    try:
        data = load_sql_log(log, title=title, reward=reward)
    except BadLog as exc:
        return Screen([], f"nothing to replay yet: {exc}")
    if data.n < MIN_DECISIONS:
        return Screen([], f"only {data.n} joined decisions; the screen needs {MIN_DECISIONS}")
    results = []
    for arm in arms:
        target = _target(log, titles, arm.spec)
        note = ""
        try:
            [estimate], _ = run_replay(data, [target], estimators=["snips"], bootstrap=0)
        except BadTarget:  # a checkpoint that learned nearly all of it: score it in sample
            [estimate], _ = run_replay(
                data, [target], estimators=["snips"], bootstrap=0, in_sample=True
            )
            note = "in sample (it learned from these decisions): optimistic"
        results.append(_arm_screen(arm.name, estimate, note))
    return Screen(results)


def _arm_screen(arm: str, estimate: Estimate, note: str) -> ArmScreen:
    """The arm's estimate, with what replay warned of (poor support makes an interval too
    wide to refuse anything: the screen then lets the arm through, and says why)."""
    notes = [note, *estimate.warnings[:1]] if note else list(estimate.warnings[:1])
    return ArmScreen(
        arm, estimate.target, estimate.estimate, estimate.ci_low, estimate.ci_high, "; ".join(notes)
    )


def _target(log: storage.Log, titles: Sequence[str], spec: str) -> Target:
    if spec == "head":
        with log_errors():
            learned = log.head_version(log.active_reward())
        if learned:
            return parse_target("checkpoint:latest", log)
        return LearningTarget(default_policy, "head (nothing learned yet: the default policy)")
    if spec == "baseline":
        with log_errors():
            baselines = [log.title_mode(t).baseline_artwork_id for t in titles]
        return StaticTable(
            {"*": {str(b): 1.0 for b in baselines if b is not None}}, name="baseline"
        )
    if spec.startswith("policy:"):
        return LearningTarget(lambda: policy_of(spec), spec)
    return parse_target(spec, log)
