"""The demo checks its own replay estimates: the simulator knows every user's click
probability, so the true value of any fixed policy on the logged users is computable."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

import storage
from bandit import Context
from bandit.replay import Estimate, LoggedData, Target
from bandit.replay.run import MIN_EVENTS, scored_events
from bandit.simulate import Audience

CHECKED = ("ips", "snips", "dr")


@dataclass(frozen=True)
class Truth:
    value: float
    """The target's expected click rate on the users it is scored on."""
    oracle: float
    """The best possible click rate on the same users (the best artwork for each)."""
    events: int


def holdout_checkpoint(log: storage.Log, data: LoggedData, share: float = 0.2) -> int | None:
    """The newest checkpoint with at least ``share`` of ``data`` (and `MIN_EVENTS`) after
    its cursor, so it can be scored on events it never learned from."""
    assert data.seq is not None
    needed = max(MIN_EVENTS, int(share * data.n))
    for info in log.checkpoints():
        if info.bad_reason is None and int((data.seq > info.last_seq).sum()) >= needed:
            return info.version
    return None


def true_value(
    data: LoggedData,
    target: Target,
    users: Mapping[str, Context],
    audience: Audience,
    features: Mapping[int, Mapping[str, float]],
    *,
    in_sample: bool = False,
    values: Callable[[Context, int], float] | None = None,
) -> Truth:
    """The target's true click rate on exactly the events replay scores it on (or its true
    mean of ``values(user, artwork_id)``, another definition's expected reward)."""
    scored = scored_events(data, target, in_sample)
    pi = target.pmf(scored)
    rows, actions = scored.candidates.row_actions()
    probability = pi.probability(rows, actions)
    clicks = np.array(
        [
            audience.click_probability(users[scored.event_id[r]], features[int(scored.actions[a])])
            if values is None
            else values(users[scored.event_id[r]], int(scored.actions[a]))
            for r, a in zip(rows, actions, strict=True)
        ]
    )
    value = np.bincount(rows, weights=probability * clicks, minlength=scored.n)
    best = np.zeros(scored.n)
    np.maximum.at(best, rows, clicks)
    return Truth(float(value.mean()), float(best.mean()), scored.n)


def verdict(estimates: Sequence[Estimate], truths: Mapping[str, Truth]) -> tuple[str, bool]:
    """One line: which intervals covered the true value, and whether any estimate sat above
    the oracle by more than its interval allows."""
    checked = [
        e for e in estimates if e.segment is None and e.target in truths and e.estimator in CHECKED
    ]
    covered = [e for e in checked if e.ci_low <= truths[e.target].value <= e.ci_high]
    missed = [f"{e.target} {e.estimator}" for e in checked if e not in covered]
    above = [f"{e.target} {e.estimator}" for e in checked if e.ci_low > truths[e.target].oracle]
    line = f"{len(covered)} of {len(checked)} intervals ({', '.join(CHECKED)}) cover the true value"
    if missed:
        line += f"; missed: {', '.join(missed)}"
    line += "; none above the oracle" if not above else f"; ABOVE THE ORACLE: {', '.join(above)}"
    return line, not missed and not above
