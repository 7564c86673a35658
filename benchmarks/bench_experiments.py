"""Always-valid experiment results (issue 29), measured on simulated experiments whose truth
is known, with the statistic `experiments status` computes (`bandit.experiments.sequential`)
read after every 100 joined decisions.

- A/A: 200 experiments with identical arms, up to 20,000 decisions each, in four scenarios
  (50/50 and 90/10 shares; click-like, rare and fractional rewards). Reported: the share that
  ever declares a difference, beside a fixed-horizon Welch t-test read as often (what a team
  that peeks at a t-test daily gets) and the same t-test read once at the end. Target <= 5%.
- A/B: lifts of 5%, 10% and 20% on a 10% reward rate, 50/50: the share of runs whose
  sequence covers the true difference at every look once it gives verdicts (target >= 95%),
  and the decisions needed to detect the lift (median, and the share detected within the
  horizon), beside the decisions a fixed-horizon t-test at 80% power needs for it.

    .venv/bin/python benchmarks/bench_experiments.py [--runs 200]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).parent))
from report import emit

from bandit.experiments.sequential import looks

EVERY = 100
HORIZON = 20_000

Draw = Callable[[np.random.Generator, npt.NDArray[np.bool_]], npt.NDArray[np.float64]]


@dataclass(frozen=True)
class Scenario:
    name: str
    share: float
    """The challenger's share of the units."""
    draw: Draw
    """Rewards for each decision, given which went to the challenger."""


def _bernoulli(rate: float, lift: float = 0.0) -> Draw:
    def draw(rng: np.random.Generator, treated: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
        p = np.where(treated, rate * (1 + lift), rate)
        return (rng.random(len(treated)) < p).astype(float)

    return draw


def _watch_time(
    rng: np.random.Generator, treated: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    # Most decisions get no play (0); a play watches a skewed share of an hour.
    played = rng.random(len(treated)) < 0.2
    return np.where(played, rng.beta(0.7, 2.0, len(treated)), 0.0)


A_A = [
    Scenario("clicks_10pct_50_50", 0.5, _bernoulli(0.10)),
    Scenario("clicks_10pct_90_10", 0.1, _bernoulli(0.10)),
    Scenario("rare_1pct_50_50", 0.5, _bernoulli(0.01)),
    Scenario("watch_time_50_50", 0.5, _watch_time),
]


def _experiment(
    rng: np.random.Generator, scenario: Scenario, n: int
) -> tuple[npt.NDArray[np.int_], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    treated = rng.random(n) < scenario.share
    arms = treated.astype(int)  # 1: challenger, 0: control
    probabilities = np.where(treated, scenario.share, 1 - scenario.share)
    return arms, probabilities, scenario.draw(rng, treated)


def _welch_declares(
    arms: npt.NDArray[np.int_], rewards: npt.NDArray[np.float64], at: npt.NDArray[np.int_]
) -> npt.NDArray[np.bool_]:
    """A fixed-horizon two-sided Welch test at 5%, at each look."""
    out = []
    for arm in (1, 0):
        mine = arms == arm
        count = np.cumsum(mine)[at - 1]
        total = np.cumsum(np.where(mine, rewards, 0.0))[at - 1]
        squares = np.cumsum(np.where(mine, rewards * rewards, 0.0))[at - 1]
        safe = np.maximum(count, 2)
        mean = total / safe
        variance = np.maximum(squares / safe - mean * mean, 0.0) * safe / (safe - 1)
        out.append((mean, variance / safe, count))
    (m1, v1, c1), (m0, v0, c0) = out
    se = np.sqrt(v1 + v0)
    z = np.divide(m1 - m0, se, out=np.zeros_like(se), where=se > 0)
    declares: npt.NDArray[np.bool_] = (np.abs(z) > 1.96) & (c1 >= 2) & (c0 >= 2)
    return declares


def a_a(runs: int) -> None:
    for scenario in A_A:
        rng = np.random.default_rng(2029)
        sequence = peeked = final = 0
        for _ in range(runs):
            arms, probabilities, rewards = _experiment(rng, scenario, HORIZON)
            seen = looks(arms, probabilities, rewards, 1, 0, every=EVERY)
            sequence += bool(np.any(seen.ready & ((seen.low > 0) | (seen.high < 0))))
            declares = _welch_declares(arms, rewards, seen.decisions)
            peeked += bool(declares.any())
            final += bool(declares[-1])
        emit(
            f"experiments.a_a.{scenario.name}.false_declarations",
            sequence / runs,
            "share of runs",
            peeked / runs,
            baseline_is="a fixed-horizon Welch t-test read at every look",
            t_test_read_once_at_the_end=final / runs,
            target=0.05,
            runs=runs,
            looks=HORIZON // EVERY,
            every=EVERY,
        )


def _fixed_horizon_n(rate: float, lift: float) -> float:
    """Decisions (both arms) a two-sided 5% t-test with 80% power needs, 50/50."""
    p1 = rate * (1 + lift)
    variance = rate * (1 - rate) + p1 * (1 - p1)
    per_arm = (1.959964 + 0.841621) ** 2 * variance / (p1 - rate) ** 2
    return 2 * per_arm


def a_b(runs: int) -> None:
    rate = 0.10
    for lift in (0.05, 0.10, 0.20):
        fixed = _fixed_horizon_n(rate, lift)
        horizon = int(math.ceil(fixed * 6 / 10_000) * 10_000)
        scenario = Scenario(f"lift_{round(lift * 100)}pct", 0.5, _bernoulli(rate, lift))
        truth = rate * lift
        rng = np.random.default_rng(2030)
        covered = 0
        needed: list[float] = []
        for _ in range(runs):
            arms, probabilities, rewards = _experiment(rng, scenario, horizon)
            seen = looks(arms, probabilities, rewards, 1, 0, every=EVERY)
            judged = seen.ready
            covered += bool(np.all(((seen.low <= truth) & (truth <= seen.high))[judged]))
            better = np.flatnonzero(judged & (seen.low > 0))
            needed.append(float(seen.decisions[better[0]]) if better.size else math.inf)
        detected = [n for n in needed if math.isfinite(n)]
        emit(
            f"experiments.a_b.{scenario.name}.coverage",
            covered / runs,
            "share of runs",
            target=0.95,
            note="the sequence covered the true difference at every look that gave verdicts",
            runs=runs,
        )
        emit(
            f"experiments.a_b.{scenario.name}.decisions_to_detect",
            float(np.median(needed)),
            "decisions (median)",
            fixed,
            baseline_is="a fixed-horizon t-test at 80% power (read once, at its planned size)",
            detected_within_horizon=len(detected) / runs,
            decisions_by_which_80pct_detected=float(np.percentile(needed, 80)),
            horizon=horizon,
            reward_rate=rate,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    a_a(args.runs)
    a_b(args.runs)


if __name__ == "__main__":
    main()
