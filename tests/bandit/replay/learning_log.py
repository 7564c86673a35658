"""A log written by a learning policy, as in the demo, for checking replay against the truth.

Decisions go through the same records and writer as serving (`Log.record_decisions`, in
batches rather than one commit each, for speed), rewards through `Log.record_reward`, and a
`Learner` checkpoints every ``learn_every`` decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from bandit import Arm, Context, Learner, Policy, VWPolicy, restore_policy
from bandit.sampling import sample_index
from bandit.simulate import Audience
from storage import Log, NewArtwork, NewDecision

T0 = datetime(2026, 5, 1, tzinfo=UTC)
#: Four artworks with features like extracted ones; each default taste prefers a different one,
#: by a few points of click rate (1-10%), as in the demo.
ARTWORKS = [
    {"face_area": 0.35, "closeup": 0.7, "colourfulness": 0.4, "brightness": 0.5},
    {"face_area": 0.05, "closeup": 0.2, "colourfulness": 0.8, "brightness": 0.6},
    {"brightness": 0.8, "warmth": 0.75, "contrast": 0.4},
    {"brightness": 0.2, "warmth": 0.25, "contrast": 0.7},
]


@dataclass(frozen=True)
class LearningLog:
    users: dict[str, Context]
    features: dict[int, dict[str, float]]
    audience: Audience


def _policy() -> VWPolicy:
    return VWPolicy(exploration="squarecb", gamma_scale=50.0, interactions=("ua",))


def write_learning_log(
    log: Log,
    seed: int,
    n: int = 2_000,
    learn_every: int = 500,
    audience: Audience | None = None,
) -> LearningLog:
    artworks = log.register(
        "t", [NewArtwork(f"{i}.jpg", features=f) for i, f in enumerate(ARTWORKS)]
    )
    arms = [Arm(a.id, a.features) for a in artworks]
    audience = audience or Audience(seed=seed)
    learner = Learner(log, _policy, clock=lambda: now)
    policy: Policy = _policy()
    version, users = 0, {}
    for start in range(0, n, learn_every):
        batch, clicks = [], []
        for i in range(start, min(n, start + learn_every)):
            now = T0 + timedelta(seconds=i)
            user = audience.user()
            event_id = f"s{seed}-{i}"
            pmf = policy.probabilities(user, arms).tolist()
            chosen = sample_index(pmf, event_id)
            batch.append(
                NewDecision(
                    event_id=event_id,
                    title_id="t",
                    context=user.as_json(),
                    candidate_ids=tuple(a.id for a in arms),
                    pmf=tuple(pmf),
                    artwork_id=arms[chosen].id,
                    probability=pmf[chosen],
                    policy_version=f"vw:{version}",
                    exploration=dict(policy.exploration),
                    created_at=now,
                    reward_deadline=now + timedelta(seconds=1),
                )
            )
            users[event_id] = user
            if audience.click(user, arms[chosen].features):
                clicks.append(event_id)
        log.record_decisions(batch)
        with log.transaction() as session:
            from storage.rewards import record_reward

            for event_id in clicks:
                record_reward(session, event_id, 1.0, now=T0 + timedelta(seconds=start))
        now = T0 + timedelta(seconds=min(n, start + learn_every) + 5)
        version = learner.run_once().version
        head = log.head_checkpoint()
        assert head is not None
        policy = restore_policy(head.policy, head.args, head.model)  # as serving would reload
    learner.close()
    return LearningLog(users, {a.id: dict(a.features) for a in artworks}, audience)


def oracle_table(log_data: LearningLog, segments: list[str]) -> dict[str, dict[str, float]]:
    """A static target: each segment's truly best artwork with 0.7, the rest shared."""
    table = {}
    for segment in segments:
        probs = {
            aid: log_data.audience.click_probability(Context(segment), f)
            for aid, f in log_data.features.items()
        }
        best = max(probs, key=lambda a: probs[a])
        table[segment] = {str(a): 0.7 if a == best else 0.3 / (len(probs) - 1) for a in probs}
    return table


def seeds_covered(hits: list[bool]) -> float:
    return float(np.mean(hits)) if hits else 0.0
