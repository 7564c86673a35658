"""Where an experiment stands: per arm its units, decisions and mean reward with an interval;
per challenger its difference to control with the anytime-valid confidence sequence
(`bandit.experiments.sequential`); and a verdict.

Rewards are the experiment's definition of each decision's signals, made as the learner
makes them (`bandit.reward_definition.rewarded`), over the decisions joined so far.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import storage
from bandit.experiments.sequential import Comparison, arm_mean_interval, compare_over_time
from bandit.log_boundary import log_errors
from bandit.reward_definition import rewarded


@dataclass(frozen=True, slots=True)
class ArmStatus:
    name: str
    spec: str
    share: int
    stopped: str | None
    """Why the arm was stopped; None while it runs."""
    units: int
    """Distinct units (decisions without a unit id count one each)."""
    decisions: int
    """Decisions served."""
    joined: int
    """Decisions whose reward is settled: what the mean is over."""
    mean: float
    low: float
    high: float
    """An anytime-valid 95% interval for the arm's mean reward per decision."""


@dataclass(frozen=True, slots=True)
class Difference:
    """One challenger against control."""

    arm: str
    control: str
    over_time: list[Comparison]
    """The confidence sequence after every ``every`` joined decisions, and now."""

    @property
    def now(self) -> Comparison:
        return self.over_time[-1]

    @property
    def verdict(self) -> str:
        return self.now.verdict


@dataclass(frozen=True, slots=True)
class ExperimentStatus:
    experiment: storage.Experiment
    arms: list[ArmStatus]
    differences: list[Difference]

    @property
    def verdict(self) -> str:
        """``stopped`` once it ended (stopped or promoted); else ``better`` when a running
        challenger beats control with confidence, ``worse`` when every running challenger
        loses with confidence, ``running`` otherwise."""
        if self.experiment.status != "running":
            return "stopped"
        live = {a.name for a in self.arms[1:] if a.stopped is None}
        verdicts = [d.verdict for d in self.differences if d.arm in live]
        if "better" in verdicts:
            return "better"
        if verdicts and all(v == "worse" for v in verdicts):
            return "worse"
        return "running"

    def as_json(self) -> dict[str, Any]:
        """What ``experiments status --json`` prints, for dashboards."""
        e = self.experiment
        return {
            "name": e.name,
            "status": e.status,
            "titles": list(e.titles),
            "reward": e.reward,
            "started_at": e.started_at.isoformat(),
            "ended_at": None if e.ended_at is None else e.ended_at.isoformat(),
            "arms": [
                {
                    "name": a.name,
                    "spec": a.spec,
                    "share": a.share,
                    "stopped": a.stopped,
                    "units": a.units,
                    "decisions": a.decisions,
                    "joined": a.joined,
                    "mean": _finite(a.mean),
                    "interval": [_finite(a.low), _finite(a.high)],
                }
                for a in self.arms
            ],
            "differences": [
                {
                    "arm": d.arm,
                    "control": d.control,
                    "difference": _finite(d.now.difference),
                    "confidence_sequence": [_finite(d.now.low), _finite(d.now.high)],
                    "decisions": d.now.decisions,
                    "ready": d.now.ready,
                    "verdict": d.verdict,
                }
                for d in self.differences
            ],
            "verdict": self.verdict,
        }


def summary_json(e: storage.Experiment) -> dict[str, Any]:
    """An experiment's settings and state, without results (``experiments list``)."""
    return {
        "name": e.name,
        "status": e.status,
        "titles": list(e.titles),
        "reward": e.reward,
        "arms": [{"name": a.name, "spec": a.spec, "share": a.share} for a in e.arms],
        "started_at": e.started_at.isoformat(),
        "ended_at": None if e.ended_at is None else e.ended_at.isoformat(),
    }


def _finite(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class Outcomes:
    """The experiment's joined decisions as arrays, in join order."""

    arm: np.ndarray
    """Index into the experiment's arms."""
    probability: np.ndarray
    reward: np.ndarray


def outcomes(log: storage.Log, experiment: storage.Experiment) -> Outcomes:
    with log_errors():
        rows, arms_of = log.experiment_joined(experiment.id)
        rows = rewarded(log, rows, log.reward_definition(experiment.reward))
    index = {a.name: i for i, a in enumerate(experiment.arms)}
    assigned = [arms_of[r.event_id] for r in rows]
    return Outcomes(
        arm=np.array([index.get(a, -1) for a, _ in assigned], dtype=int),
        probability=np.array([p for _, p in assigned], dtype=float),
        reward=np.array([r.reward for r in rows], dtype=float),
    )


def experiment_status(log: storage.Log, name: str, *, every: int = 0) -> ExperimentStatus:
    """The experiment's status now; with ``every``, each difference's confidence sequence is
    also given after every ``every`` joined decisions (for the report).

    Raises:
        UnknownExperiment; LogUnavailable.
    """
    with log_errors():
        experiment = log.experiment(name)
        served = log.experiment_served(experiment.id)
    seen = outcomes(log, experiment)
    arms = []
    for i, arm in enumerate(experiment.arms):
        mine = [s for s in served if s.arm == arm.name]
        units = len({s.unit for s in mine if s.unit is not None}) + sum(
            1 for s in mine if s.unit is None
        )
        rewards = seen.reward[seen.arm == i]
        mean, low, high = arm_mean_interval(rewards)
        arms.append(
            ArmStatus(
                arm.name,
                arm.spec,
                arm.share,
                None if arm.stopped is None else str(arm.stopped.get("reason", "stopped")),
                units,
                len(mine),
                len(rewards),
                mean,
                low,
                high,
            )
        )
    differences = [
        Difference(
            arm.name,
            experiment.control.name,
            compare_over_time(
                seen.arm, seen.probability, seen.reward, i, 0, every=every or len(seen.arm) or 1
            ),
        )
        for i, arm in enumerate(experiment.arms)
        if i > 0
    ]
    return ExperimentStatus(experiment, arms, differences)
