"""The demo's experiment: the learned policy against the editorial artwork, on live
(simulated) members. Each title's editorial artwork is the extractor's top-ranked candidate;
members keep their arm across visits (their unit id is hashed with the log's secret); the
verdict comes from the anytime-valid confidence sequence that ``experiments status``
prints, and the winner is promoted (or the experiment stopped when there is none)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import numpy as np

import storage
from bandit import ArtworkChooser, Learner, Policy
from bandit.errors import ScreenRefused
from bandit.experiments import experiment_status, promote, start_experiment, stop_experiment
from bandit.simulate import Audience

NAME = "learned-vs-editorial"


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def learned_vs_editorial(
    log: storage.Log,
    policy: Callable[[], Policy],
    features: Mapping[int, Mapping[str, float]],
    *,
    start: datetime,
    seed: int,
    run: int,
    impressions: int,
    members: int = 1_500,
) -> tuple[list[tuple[str, str]], dict[str, float]]:
    """Summary rows for the report, and the figures the tests check."""
    titles = sorted(log.titles())
    for title in titles:
        editorial = log.artworks(title)[0].id  # the extractor's top-ranked candidate
        log.set_title_mode(title, "online", editorial)
    name = NAME if not run else f"{NAME}-{run}"
    try:
        _, screen = start_experiment(
            log, name, titles, ["editorial=baseline:50", "learned=head:50"]
        )
    except ScreenRefused as exc:
        return [("experiment: learned vs editorial", f"not started: {exc}")], {}
    audience, rng, clock = Audience(seed=seed + 1), np.random.default_rng(seed + 1), _Clock(start)
    people = [audience.user() for _ in range(members)]
    clicks = {"editorial": 0, "learned": 0}
    with (
        ArtworkChooser(
            log, policy(), reward_window=timedelta(minutes=1), reload_every_s=0, clock=clock
        ) as chooser,
        Learner(log, policy, clock=clock) as learner,
    ):
        for i in range(impressions):
            member = int(rng.integers(members))
            title = titles[int(rng.integers(len(titles)))]
            decision = chooser.choose(
                title,
                people[member],
                event_id=f"{name}-{i}",
                unit_id=f"member-{member}",
            )
            if audience.click(people[member], features[decision.artwork_id]):
                chooser.reward(decision.event_id, 1.0)
                clicks[decision.arm or "learned"] += 1
            clock.now += timedelta(seconds=1)
        clock.now += timedelta(hours=1)
        learner.run_once()
    status = experiment_status(log, name)
    [difference] = status.differences
    now = difference.now
    verdict = status.verdict
    if verdict == "better":
        promote(log, name, "learned")
        outcome = "the learned policy is promoted on these titles"
    else:
        stop_experiment(log, name, f"demo ended: {verdict}")
        outcome = "stopped: no winner yet at this size"
    rows = [
        (
            f"experiment {name}: arm, units, click rate [95% anytime]",
            "; ".join(
                f"{a.name} {a.units:,} members {a.mean:.2%} [{a.low:.2%}, {a.high:.2%}]"
                for a in status.arms
            ),
        ),
        (
            "experiment verdict: learned - editorial",
            f"{verdict}: {now.difference:+.2%} [{now.low:+.2%}, {now.high:+.2%}] after"
            f" {now.decisions:,} decisions; {outcome}",
        ),
    ]
    if screen.arms:
        rows.insert(
            0,
            (
                "experiment screen (replay on the log)",
                "; ".join(
                    f"{a.arm} {a.estimate:.2%} [{a.low:.2%}, {a.high:.2%}]" for a in screen.arms
                ),
            ),
        )
    figures = {
        "experiment difference": now.difference,
        "experiment low": now.low,
        "experiment better": float(verdict == "better"),
    }
    return rows, figures
