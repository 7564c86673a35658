"""The clickbait audience served through the real chooser, log and learner: signals sent as
a client sends them, a reward definition learned into its lineage and activated, and the
simulator's truth of any target under any of the scenario's definitions.

Used by the demo (learned once for clicks, once for quality plays) and by replay's coverage
test under definitions written after the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

import storage
from bandit.chooser import ArtworkChooser
from bandit.context import Context
from bandit.learner import Learner
from bandit.policies.base import Policy
from bandit.records import Arm
from bandit.replay.targets import StaticTable
from bandit.simulate.clickbait import DEFINITIONS, ClickbaitSetup

QUALITY_MINUTES = 15.0
"""The quality definition's threshold (`bandit.simulate.clickbait.QUALITY`)."""


def expected_rewards(
    setup: ClickbaitSetup, user: Context, arms: list[Arm], definition: str
) -> npt.NDArray[np.float64]:
    """Each artwork's true expected reward for this user under one of the scenario's
    definitions. Minutes watched after a click are the artwork's mean times U(0.5, 1.5)."""
    clicks = setup.clicks(user, arms)
    if definition == "clicks":
        return clicks
    mean: npt.NDArray[np.float64] = np.array([setup.watching[user.segment][a.id] for a in arms])
    if definition == "quality":  # P(mean * U(0.5, 1.5) >= 15)
        played: npt.NDArray[np.float64] = np.clip(1.5 - QUALITY_MINUTES / mean, 0.0, 1.0)
        return clicks * played
    if definition == "watch_time":  # every mean is at most 40, so 1.5 * mean never passes 60
        return clicks * mean / 60.0
    raise ValueError(f"no truth for definition {definition!r}")


@dataclass
class ServedRun:
    """What one run served: who saw each decision, and true rates in its last quarter."""

    users: dict[str, Context] = field(default_factory=dict)
    clicks: float = 0.0
    """True clicks per impression of the pmf served, last quarter."""
    minutes: float = 0.0
    """True minutes watched per impression, last quarter."""
    oracle_minutes: float = 0.0
    oracle_clicks: float = 0.0


def register_catalog(log: storage.Log, setup: ClickbaitSetup) -> None:
    """The scenario's artworks, registered under the ids the simulator uses (checked)."""
    for title in sorted(setup.catalog):
        arms = setup.catalog[title]
        got = log.register(
            title,
            [storage.NewArtwork(f"{title}/{arm.id}.jpg", features=arm.features) for arm in arms],
        )
        if [a.id for a in got] != [arm.id for arm in arms]:
            raise RuntimeError("register the clickbait catalogue into a log of its own")


def serve(
    log: storage.Log,
    setup: ClickbaitSetup,
    *,
    policy: Callable[[], Policy],
    learn: str,
    impressions: int,
    learn_every: int,
    seed: int,
    prefix: str = "cb",
) -> ServedRun:
    """Serve ``impressions`` members, sending click/play/watch_minutes signals, learning the
    definition ``learn`` every ``learn_every`` and serving its lineage (activated)."""
    for known in DEFINITIONS.values():
        log.define_reward(known)
    log.activate_reward(learn, force=True)
    clock = _Clock()
    rng = np.random.default_rng([seed, 29])
    titles = sorted(setup.catalog)
    run = ServedRun()
    last = impressions - impressions // 4
    with (
        ArtworkChooser(
            log, policy(), reward_window=timedelta(minutes=1), reload_every_s=0, clock=clock
        ) as chooser,
        Learner(log, policy, reward=learn, clock=clock) as learner,
    ):
        for i in range(impressions):
            user = setup.audience.user()
            title = titles[int(rng.integers(len(titles)))]
            decision = chooser.choose(title, user, event_id=f"{prefix}-{i}")
            run.users[decision.event_id] = user
            arms = [Arm(a, {}) for a in decision.candidate_ids]
            if i >= last:
                clicks, minutes = setup.clicks(user, arms), setup.minutes(user, arms)
                pmf = np.asarray(decision.pmf)
                run.clicks += float(pmf @ clicks)
                run.minutes += float(pmf @ minutes)
                run.oracle_clicks += float(clicks.max())
                run.oracle_minutes += float(minutes.max())
            chosen = Arm(decision.artwork_id, {})
            if setup.audience.click(user, chosen):
                chooser.signal(decision.event_id, "click", 1)
                chooser.signal(decision.event_id, "play", 1)
                mean = setup.watching[user.segment][chosen.id]
                watched = round(mean * float(rng.uniform(0.5, 1.5)), 2)
                chooser.signal(decision.event_id, "watch_minutes", watched)
            clock.now += timedelta(seconds=1)
            if (i + 1) % learn_every == 0:
                learner.run_once()
        clock.now += timedelta(hours=1)
        learner.run_once()
    n = impressions - last
    run.clicks, run.minutes = run.clicks / n, run.minutes / n
    run.oracle_clicks, run.oracle_minutes = run.oracle_clicks / n, run.oracle_minutes / n
    return run


def truth_of(setup: ClickbaitSetup, definition: str) -> Callable[[Context, int], float]:
    """The true expected reward of showing one artwork to one member, under one of the
    scenario's definitions: what a replay estimate of that definition should find."""

    def value(user: Context, artwork_id: int) -> float:
        return float(expected_rewards(setup, user, [Arm(artwork_id, {})], definition)[0])

    return value


def best_table(
    setup: ClickbaitSetup, segments: list[str], definition: str, name: str
) -> StaticTable:
    """A replay target: each segment's best artwork of every title under ``definition``."""
    table: dict[str, dict[str, float]] = {}
    for segment in segments:
        row = table.setdefault(segment, {})
        for arms in setup.catalog.values():
            best = int(np.argmax(expected_rewards(setup, Context(segment), list(arms), definition)))
            row.update({str(arm.id): float(i == best) for i, arm in enumerate(arms)})
    return StaticTable(table, name)


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now
