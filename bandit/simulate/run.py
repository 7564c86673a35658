"""Serve a scenario to an agent, learning in batches, and score it against the oracle.

An `Agent` is anything that picks an artwork and learns from batches of logged examples: the
project's policies (through `PolicyAgent`, which round-trips every batch through a checkpoint
as the learner does) or a peer library wrapped the same way (see ``benchmarks/peers.py``).
Every agent sees the same users, titles and click draws for a given scenario and seed.

Scores are computed from the simulator's true click probabilities, not from sampled clicks,
so they carry no click noise: the share of the oracle is the true click rate of what was
shown over the best artwork's, for every impression in the last quarter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from bandit.context import Context
from bandit.policies.base import Policy
from bandit.policies.registry import restore_policy
from bandit.records import Arm, LearningExample
from bandit.sampling import sample_index
from bandit.simulate.scenarios import Scenario

#: Recovery after a drift: back to this share of the new oracle, on the drifting segment.
RECOVERED = 0.9
#: Cold start: the share of its segment's impressions a new artwork must reach.
ADOPTED = 0.5


class Agent(Protocol):
    def choose(
        self, title: str, context: Context, arms: Sequence[Arm], key: str
    ) -> tuple[int, float]:
        """The index of the arm to show, and the probability it had."""

    def learn(self, examples: Sequence[LearningExample]) -> None:
        """Learn from one batch of joined examples, in order."""


class PolicyAgent:
    """A project policy, served as the chooser serves it and learning as the learner does:
    sampled by event id (under ``salt``, a log's sampling salt, to draw as that log's chooser
    does), and rebuilt from its checkpoint bytes after every batch."""

    def __init__(
        self, factory: Callable[[], Policy], checkpoint: bool = True, salt: str = ""
    ) -> None:
        self.policy = factory()
        self.checkpoint = checkpoint
        self.salt = salt

    def choose(
        self, title: str, context: Context, arms: Sequence[Arm], key: str
    ) -> tuple[int, float]:
        pmf = self.policy.probabilities(context, arms).tolist()
        chosen = sample_index(pmf, key, self.salt)
        return chosen, pmf[chosen]

    def learn(self, examples: Sequence[LearningExample]) -> None:
        self.policy.learn(examples)
        if self.checkpoint:
            policy = self.policy
            self.policy = restore_policy(policy.name, policy.describe_args(), policy.save())


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    scenario: str
    seed: int
    share_of_oracle: float
    """True click rate of what was shown over the oracle's, in the last quarter."""
    uniform_share: float
    """The same for uniform random on the same impressions."""
    curve: tuple[float, ...]
    """Share of the oracle in each learning batch."""
    adoption: float | None = None
    """New-artwork scenarios: the share of its segment's impressions of its title that showed
    it, in the last quarter."""
    cold_start: int | None = None
    """Impressions from its arrival to the end of the first batch in which it was shown to at
    least `ADOPTED` of its segment on its title (None: never)."""
    recovery: int | None = None
    """Drift scenarios: impressions from the start of the turn to the end of the first batch,
    after the turn, in which the drifting segment is back to `RECOVERED` of its new oracle
    (None: never)."""


def run_scenario(scenario: Scenario, agent: Agent, seed: int) -> ScenarioResult:
    """Serve ``scenario.impressions`` users drawn with ``seed``, learning every
    ``scenario.learn_every``, and score the agent."""
    setup = scenario.setup(seed)
    audience, arrival = setup.audience, setup.arrival
    catalog = {title: list(arms) for title, arms in setup.catalog.items()}
    titles = sorted(catalog)
    rng = np.random.default_rng([seed, 11])
    n, batch = scenario.impressions, scenario.learn_every
    served, best, mean = np.zeros(n), np.zeros(n), np.zeros(n)
    segments: list[str] = []
    watched = np.zeros(n, dtype=bool)  # the arrival's segment on its title, after it arrived
    shown_new = np.zeros(n, dtype=bool)
    pending: list[LearningExample] = []
    for i in range(n):
        if arrival is not None and i == arrival.at:
            catalog[arrival.title].append(arrival.arm)
        user = audience.user()
        title = titles[int(rng.integers(len(titles)))]
        arms = catalog[title]
        truth = audience.click_probabilities(user, arms)
        chosen, probability = agent.choose(title, user, arms, f"{scenario.name}-{seed}-{i}")
        served[i], best[i], mean[i] = truth[chosen], truth.max(), truth.mean()
        segments.append(user.segment)
        if arrival is not None and i >= arrival.at and title == arrival.title:
            watched[i] = user.segment == arrival.segment
            shown_new[i] = arms[chosen].id == arrival.arm.id
        reward = audience.click(user, arms[chosen])
        pending.append(LearningExample(user, tuple(arms), chosen, probability, reward))
        if len(pending) == batch:
            agent.learn(pending)
            pending = []
    last = slice(n - n // 4, n)
    result = ScenarioResult(
        scenario.name,
        seed,
        float(served[last].sum() / best[last].sum()),
        float(mean[last].sum() / best[last].sum()),
        tuple(
            float(served[s : s + batch].sum() / best[s : s + batch].sum())
            for s in range(0, n, batch)
        ),
    )
    if arrival is not None:
        late = watched & (np.arange(n) >= last.start)
        adopted = None
        for end in range(arrival.at + batch, n + 1, batch):
            window = watched[end - batch : end]
            if window.any() and shown_new[end - batch : end][window].mean() >= ADOPTED:
                adopted = end - arrival.at
                break
        result = replace(result, adoption=float(shown_new[late].mean()), cold_start=adopted)
    turn = audience.turn
    if turn is not None:
        mine = np.array(segments) == turn.segment
        recovered = None
        for end in range(turn.start + turn.length + batch, n + 1, batch):
            window = mine[end - batch : end]
            share = served[end - batch : end][window].sum() / best[end - batch : end][window].sum()
            if share >= RECOVERED:
                recovered = end - turn.start
                break
        result = replace(result, recovery=recovered)
    return result
