"""The clickbait scenario: per segment, each title has one artwork that earns the most clicks
and loses the member within minutes (the bait) and one that earns fewer clicks and is watched
for half an hour (the story). A policy that learns clicks learns the bait; what a streaming
service wants is the story.

Each impression sends the signals a client would (``click``; after a click, ``play`` and
``watch_minutes``), and the reward an agent learns is a stored-style reward definition of
them (`CLICKS`, `QUALITY`), evaluated by `bandit.reward_definition.reward_from` exactly as the
learner evaluates it. Scores come from the true expectations, not the sampled signals.

>>> setup = clickbait_setup(seed=1)
>>> user = Context("segment-00")
>>> arms = setup.catalog["title-000"]
>>> bool(setup.clicks(user, arms).argmax() != setup.minutes(user, arms).argmax())
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

import storage
from bandit.context import Context
from bandit.records import Arm, LearningExample
from bandit.reward_definition import definition, reward_from
from bandit.reward_expression import RewardExpression
from bandit.simulate.audience import Audience, Taste, random_catalog
from bandit.simulate.run import Agent

#: What a team that optimises clicks defines.
CLICKS = definition("clicks", "click", window_s=6 * 3600)
#: Quality plays: a play watched for a quarter of an hour or more counts, a bounce does not.
QUALITY = definition("quality", "1 if watch_minutes >= 15 else 0", window_s=6 * 3600)
#: Watch time: the minutes watched, up to an hour, as a reward in [0, 1].
WATCH_TIME = definition("watch_time", "min(watch_minutes, 60) / 60", window_s=6 * 3600)
DEFINITIONS = {d.name: d for d in (CLICKS, QUALITY, WATCH_TIME)}

IMPRESSIONS = 20_000
LEARN_EVERY = 500
_T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ClickbaitSetup:
    audience: Audience
    """Who arrives and who clicks."""
    catalog: Mapping[str, Sequence[Arm]]
    watching: Mapping[str, Mapping[int, float]]
    """Per segment, per artwork: the mean minutes watched after a click."""

    def clicks(self, user: Context, arms: Sequence[Arm]) -> npt.NDArray[np.float64]:
        """Each artwork's true click probability for this user."""
        return self.audience.click_probabilities(user, arms)

    def minutes(self, user: Context, arms: Sequence[Arm]) -> npt.NDArray[np.float64]:
        """Each artwork's true expected minutes watched per impression."""
        mean = np.array([self.watching[user.segment][a.id] for a in arms])
        expected: npt.NDArray[np.float64] = self.clicks(user, arms) * mean
        return expected


def clickbait_setup(
    seed: int, titles: int = 3, per_title: int = 5, segments: int = 4, base_rate: float = 0.05
) -> ClickbaitSetup:
    """Draw one audience: per segment and title a bait (click logit +1.2 to +1.8 over the
    base, 1-3 minutes watched), a story (-0.2 to +0.4, 25-40 minutes) and the rest (logit
    around 0, 4-12 minutes), each segment's at random among the title's artworks."""
    catalog = random_catalog(titles, per_title, seed=seed)
    rng = np.random.default_rng([seed, 17])
    tastes, watching = [], {}
    for s in range(segments):
        likings: dict[int, float] = {}
        minutes: dict[int, float] = {}
        for arms in catalog.values():
            bait, story = rng.choice(len(arms), size=2, replace=False)
            for i, arm in enumerate(arms):
                if i == bait:
                    likings[arm.id], minutes[arm.id] = rng.uniform(1.2, 1.8), rng.uniform(1, 3)
                elif i == story:
                    likings[arm.id], minutes[arm.id] = rng.uniform(-0.2, 0.4), rng.uniform(25, 40)
                else:
                    likings[arm.id], minutes[arm.id] = rng.normal(0, 0.3), rng.uniform(4, 12)
        segment = f"segment-{s:02d}"
        tastes.append(Taste(segment, {}, {k: float(v) for k, v in likings.items()}))
        watching[segment] = {k: float(v) for k, v in minutes.items()}
    return ClickbaitSetup(Audience(tastes, base_rate=base_rate, seed=seed), catalog, watching)


@dataclass(frozen=True, slots=True)
class ClickbaitResult:
    seed: int
    learned: str
    """The reward definition the agent learned."""
    clicks: float
    """True clicks per impression of what was shown, in the last quarter."""
    minutes: float
    """True minutes watched per impression, in the last quarter."""
    click_oracle: tuple[float, float]
    """(clicks, minutes) per impression of always showing the most clicked artwork."""
    minutes_oracle: tuple[float, float]
    """(clicks, minutes) per impression of always showing the most watched artwork."""

    @property
    def share_of_minutes(self) -> float:
        return self.minutes / self.minutes_oracle[1]

    @property
    def share_of_clicks(self) -> float:
        return self.clicks / self.click_oracle[0]


def run_clickbait(
    agent: Agent,
    seed: int,
    learn: storage.RewardDefinition,
    impressions: int = IMPRESSIONS,
    learn_every: int = LEARN_EVERY,
) -> ClickbaitResult:
    """Serve ``impressions`` members drawn with ``seed``; the agent learns ``learn`` (made
    from the signals each impression sent) every ``learn_every``."""
    setup = clickbait_setup(seed)
    titles = sorted(setup.catalog)
    rng = np.random.default_rng([seed, 23])  # titles and watching; the audience has its own
    expression = RewardExpression.parse(learn.expression)
    last = impressions - impressions // 4
    totals = np.zeros(6)  # clicks, minutes; click oracle's both; minutes oracle's both
    pending: list[LearningExample] = []
    for i in range(impressions):
        user = setup.audience.user()
        title = titles[int(rng.integers(len(titles)))]
        arms = setup.catalog[title]
        clicks, minutes = setup.clicks(user, arms), setup.minutes(user, arms)
        chosen, probability = agent.choose(title, user, arms, f"clickbait-{seed}-{i}")
        if i >= last:
            top_click, top_minutes = int(clicks.argmax()), int(minutes.argmax())
            totals += (
                clicks[chosen],
                minutes[chosen],
                clicks[top_click],
                minutes[top_click],
                clicks[top_minutes],
                minutes[top_minutes],
            )
        signals = _signals(setup, user, arms[chosen], rng)
        reward = reward_from(learn, _T0, signals, expression)
        pending.append(LearningExample(user, tuple(arms), chosen, probability, reward))
        if len(pending) == learn_every:
            agent.learn(pending)
            pending = []
    n = impressions - last
    per = totals / n
    return ClickbaitResult(seed, learn.name, per[0], per[1], (per[2], per[3]), (per[4], per[5]))


def _signals(
    setup: ClickbaitSetup, user: Context, arm: Arm, rng: np.random.Generator
) -> list[storage.Signal]:
    """What the client sends: a click or not; after a click, a play and the minutes watched
    (around the artwork's mean for this segment, up to an hour)."""
    clicked = setup.audience.click(user, arm)
    sent = [storage.Signal("e", "click", clicked, _T0, False)]
    if clicked:
        watched = min(60.0, setup.watching[user.segment][arm.id] * rng.uniform(0.5, 1.5))
        sent += [
            storage.Signal("e", "play", 1.0, _T0, False),
            storage.Signal("e", "watch_minutes", watched, _T0, False),
        ]
    return sent
