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
from bandit.replay.data import LoggedData, check_size
from bandit.replay.errors import BadTarget
from bandit.replay.sparse import FloatArray, GroupedPmf, IntArray, expand_slices

#: How far a segment's probabilities may be from summing to 1.
SUM_TOLERANCE = 1e-6


class Target(ABC):
    name: str

    @abstractmethod
    def pmf(self, data: LoggedData) -> GroupedPmf:
        """The target's pmf for every logged decision, over that decision's candidates."""


def _by_segment_and_set(data: LoggedData, weights: FloatArray | None, what: str) -> GroupedPmf:
    """A pmf that depends only on the segment and the candidate set: one group per distinct
    (segment, set) pair, holding ``weights[segment, action]`` (uniform when None)
    renormalised over the set."""
    sets = data.candidates
    n_sets = len(sets.indptr) - 1
    pair = data.segment_index * n_sets + sets.of_row
    pairs, of_row = np.unique(pair, return_inverse=True)
    set_of_group, segment_of_group = pairs % n_sets, pairs // n_sets
    owners, entries = expand_slices(set_of_group, sets.indptr)
    actions = sets.actions[entries]
    sizes = np.diff(sets.indptr)[set_of_group]
    raw = (
        np.ones(len(actions))
        if weights is None
        else weights[segment_of_group[owners], actions].astype(np.float64)
    )
    totals = np.bincount(owners, weights=raw, minlength=len(pairs))
    if np.any(totals <= 0):
        row = int(np.flatnonzero(totals[of_row] <= 0)[0])
        raise BadTarget(f"{what} gives no probability to any candidate of logged row {row + 1}")
    return GroupedPmf(
        of_row=of_row.astype(np.int64),
        indptr=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        actions=actions.astype(np.int64),
        probs=raw / totals[owners],
        segment_of_group=segment_of_group.astype(np.int64),
        n_actions=len(data.actions),
    )


class UniformTarget(Target):
    name = "uniform"

    def pmf(self, data: LoggedData) -> GroupedPmf:
        return _by_segment_and_set(data, None, self.name)


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

    def pmf(self, data: LoggedData) -> GroupedPmf:
        index = {a: i for i, a in enumerate(data.actions)}
        check_size(len(data.segment_names) * len(data.actions), f"target {self.name}")
        weights = np.zeros((len(data.segment_names), len(data.actions)))
        for segment, name in enumerate(data.segment_names):
            probs = self.table.get(name, self.table.get("*"))
            if probs is None:
                raise BadTarget(
                    f"{self.name}: no probabilities for segment {name!r} and no '*' default"
                )
            for action, p in probs.items():
                if action in index:
                    weights[segment, index[action]] = p
        return _by_segment_and_set(data, weights, self.name)


def _arms(data: LoggedData, members: IntArray) -> list[Arm]:
    return [
        Arm(
            int(data.actions[i]) if data.actions[i].isdigit() else int(i),
            data.action_features.get(data.actions[i], {}),
        )
        for i in members
    ]


def _per_row(data: LoggedData, what: str) -> tuple[IntArray, IntArray]:
    """Each row's candidate count and the flat candidate actions, row by row; refused when
    scoring them all would not fit in memory."""
    sizes = data.candidates.sizes
    check_size(int(sizes.sum()), f"target {what} (every candidate of every decision)")
    _, actions = data.candidates.row_actions()
    return sizes, actions


def _context(data: LoggedData, row: int) -> Context:
    if data.contexts is None:
        return Context(str(data.segment[row]) or "all")
    try:
        return Context.from_mapping(data.contexts[row])
    except BanditError:
        return Context(str(data.segment[row]) or "all")


class PolicyTarget(Target):
    """A fixed policy, e.g. a saved checkpoint: its pmf for each logged context.

    ``learned_through``: the last join sequence number the policy learned (a checkpoint's
    cursor). Replay then scores it only on later events, unless asked for in-sample.
    """

    def __init__(self, policy: Policy, name: str, learned_through: int | None = None) -> None:
        self.policy = policy
        self.name = name
        self.learned_through = learned_through

    def pmf(self, data: LoggedData) -> GroupedPmf:
        sizes, actions = _per_row(data, self.name)
        probs = np.empty(len(actions))
        starts = np.concatenate([[0], np.cumsum(sizes)])
        for row in range(data.n):
            members = actions[starts[row] : starts[row + 1]]
            probs[starts[row] : starts[row + 1]] = self.policy.probabilities(
                _context(data, row), _arms(data, members)
            )
        return GroupedPmf.per_row(sizes, actions, probs, data.segment_index, len(data.actions))


class LearningTarget(Target):
    """A policy that learns as it goes: for each event in log order, first its pmf (the test),
    then it learns that event (the train), so no event is scored by a model that saw it."""

    def __init__(self, factory: Callable[[], Policy], name: str, learn_every: int = 1) -> None:
        self.factory = factory
        self.name = name
        self.learn_every = learn_every

    def pmf(self, data: LoggedData) -> GroupedPmf:
        policy = self.factory()
        sizes, actions = _per_row(data, self.name)
        probs = np.empty(len(actions))
        starts = np.concatenate([[0], np.cumsum(sizes)])
        order = (
            np.argsort(data.timestamp, kind="stable")
            if data.timestamp is not None
            else range(data.n)
        )
        pending: list[LearningExample] = []
        for row in order:
            members = actions[starts[row] : starts[row + 1]]
            context, arms = _context(data, row), _arms(data, members)
            probs[starts[row] : starts[row + 1]] = policy.probabilities(context, arms)
            chosen = int(np.flatnonzero(members == data.chosen[row])[0])
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
        return GroupedPmf.per_row(sizes, actions, probs, data.segment_index, len(data.actions))
