"""Target policies to evaluate: a static table, uniform, a saved checkpoint, or a learning
policy replayed progressively (train-then-test per event, as Personalizer's offline
evaluations did)."""

from __future__ import annotations

import csv
import math
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bandit.context import Context
from bandit.errors import BanditError
from bandit.policies.base import Policy
from bandit.records import Arm, LearningExample
from bandit.replay.data import FloatArray, LoggedData
from bandit.replay.errors import BadTarget

#: How far a segment's probabilities may be from summing to 1.
SUM_TOLERANCE = 1e-6


class Target(ABC):
    name: str

    @abstractmethod
    def matrix(self, data: LoggedData) -> FloatArray:
        """The target's pmf for every logged decision: shape (n, A), rows sum to 1 over the
        decision's candidates."""


def _restrict(weights: FloatArray, candidates: np.ndarray, what: str) -> FloatArray:
    masked = np.where(candidates, weights, 0.0)
    totals = masked.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        row = int(np.flatnonzero(totals[:, 0] <= 0)[0])
        raise BadTarget(f"{what} gives no probability to any candidate of logged row {row + 1}")
    result: FloatArray = masked / totals
    return result


class UniformTarget(Target):
    name = "uniform"

    def matrix(self, data: LoggedData) -> FloatArray:
        return _restrict(np.ones(data.candidates.shape), data.candidates, self.name)


class StaticTable(Target):
    """Probabilities per (segment, action); segment ``*`` is the default. Where a decision's
    candidates are a subset of the table's actions, the table is renormalised over them."""

    def __init__(self, table: dict[str, dict[str, float]], name: str = "table") -> None:
        self.table = table
        self.name = name

    @classmethod
    def from_csv(cls, path: str | Path) -> StaticTable:
        path = Path(path)
        try:
            with path.open(newline="") as f:
                reader = csv.DictReader(f)
                missing = {"segment", "action", "probability"} - set(reader.fieldnames or [])
                if missing:
                    raise BadTarget(
                        f"{path}: missing column(s) {sorted(missing)}; a target table has the"
                        " columns segment,action,probability"
                    )
                table: dict[str, dict[str, float]] = defaultdict(dict)
                for line, row in enumerate(reader, start=2):
                    try:
                        p = float(row["probability"])
                    except (TypeError, ValueError):
                        raise BadTarget(
                            f"{path}:{line}: probability {row['probability']!r} is not a number"
                        ) from None
                    if not (math.isfinite(p) and 0.0 <= p <= 1.0):
                        raise BadTarget(f"{path}:{line}: probability {p} is not in [0, 1]")
                    table[row["segment"]][row["action"]] = p
        except OSError as exc:
            raise BadTarget(f"{path}: cannot read ({exc.strerror})") from exc
        if not table:
            raise BadTarget(f"{path}: the target table has no rows")
        for segment, probs in table.items():
            total = math.fsum(probs.values())
            if abs(total - 1.0) > SUM_TOLERANCE:
                raise BadTarget(
                    f"{path}: probabilities for segment {segment!r} sum to {total:g}, not 1"
                )
        return cls(dict(table), name=path.name)

    def matrix(self, data: LoggedData) -> FloatArray:
        index = {a: i for i, a in enumerate(data.actions)}
        rows_by_segment: dict[str, FloatArray] = {}
        for segment, probs in self.table.items():
            vector = np.zeros(len(data.actions))
            for action, p in probs.items():
                if action in index:
                    vector[index[action]] = p
            rows_by_segment[segment] = vector
        default = rows_by_segment.get("*")
        weights = np.empty(data.candidates.shape)
        for segment in np.unique(data.segment):
            found = rows_by_segment.get(str(segment), default)
            if found is None:
                raise BadTarget(
                    f"{self.name}: no probabilities for segment {str(segment)!r} and no '*' default"
                )
            weights[data.segment == segment] = found
        return _restrict(weights, data.candidates, self.name)


def _arms(data: LoggedData, row: int) -> list[Arm]:
    return [
        Arm(int(a) if a.isdigit() else i, data.action_features.get(a, {}))
        for i, a in enumerate(data.actions)
        if data.candidates[row, i]
    ]


def _context(data: LoggedData, row: int) -> Context:
    if data.contexts is None:
        return Context(str(data.segment[row]) or "all")
    try:
        return Context.from_mapping(data.contexts[row])
    except BanditError:
        return Context(str(data.segment[row]) or "all")


class PolicyTarget(Target):
    """A fixed policy, e.g. a saved checkpoint: its pmf for each logged context."""

    def __init__(self, policy: Policy, name: str) -> None:
        self.policy = policy
        self.name = name

    def matrix(self, data: LoggedData) -> FloatArray:
        out = np.zeros(data.candidates.shape)
        for row in range(data.n):
            columns = np.flatnonzero(data.candidates[row])
            out[row, columns] = self.policy.probabilities(_context(data, row), _arms(data, row))
        return out


class LearningTarget(Target):
    """A policy that learns as it goes: for each event in log order, first its pmf (the test),
    then it learns that event (the train), so no event is scored by a model that saw it."""

    def __init__(self, factory: Callable[[], Policy], name: str, learn_every: int = 1) -> None:
        self.factory = factory
        self.name = name
        self.learn_every = learn_every

    def matrix(self, data: LoggedData) -> FloatArray:
        policy = self.factory()
        out = np.zeros(data.candidates.shape)
        order = (
            np.argsort(data.timestamp, kind="stable")
            if data.timestamp is not None
            else range(data.n)
        )
        pending: list[LearningExample] = []
        for row in order:
            columns = np.flatnonzero(data.candidates[row])
            context, arms = _context(data, row), _arms(data, row)
            out[row, columns] = policy.probabilities(context, arms)
            chosen = int(np.flatnonzero(columns == data.chosen[row])[0])
            pending.append(
                LearningExample(
                    context,
                    tuple(arms),
                    chosen,
                    float(data.propensity[row]),
                    float(data.reward[row]),
                )
            )
            if len(pending) >= self.learn_every:
                policy.learn(pending)
                pending = []
        return out
