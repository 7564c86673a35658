"""Quality plays, not clicks: on the clickbait scenario (`bandit.simulate.clickbait`), the
default policy and the peers (MABWiser LinUCB, MABWiser Thompson sampling per segment, raw
Vowpal Wabbit), each learning three reward definitions of the same signals: ``clicks``,
``quality`` (a play of 15 minutes or more) and ``watch_time`` (minutes watched, up to an hour,
in [0, 1]). Same seeds, users and signals for every run.

Target (issue 28): learning ``quality``, the default reaches >= 0.95 of the oracle's watch
minutes, and beats learning clicks on watch minutes by more than its interval.

Seeds 301-340 are held out: the scenario and its definitions were drawn up on seeds 1-3.
Prints a table to stderr and one JSON object per line: ``clickbait.<definition>.<agent>``
(share of the watch-minutes oracle, mean over seeds with its 95% bootstrap interval, the best
peer learning the same definition as the baseline; clicks beside it), the oracles' clicks and
minutes per impression, and the paired difference, quality minus clicks, per agent.

    .venv/bin/python benchmarks/bench_clickbait.py [--seeds 301,302] [--impressions 20000]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import peers
from report import emit, mean_interval

from bandit import SegmentMixPolicy
from bandit.simulate import Agent, PolicyAgent
from bandit.simulate.clickbait import DEFINITIONS, IMPRESSIONS, ClickbaitResult, run_clickbait
from thumbnail_bandit.progress import progress_bar

AGENTS: dict[str, Callable[[], Agent]] = {
    "default": lambda: PolicyAgent(SegmentMixPolicy),
    "mabwiser_linucb": peers.MabwiserLinUCB,
    "mabwiser_ts_per_segment": peers.MabwiserThompson,
    "raw_vw_squarecb": peers.RawVW,
}
PEERS = [a for a in AGENTS if a != "default"]


def _run(job: tuple[str, str, int, int]) -> tuple[str, str, ClickbaitResult]:  # in a worker
    agent, learned, seed, impressions = job
    result = run_clickbait(AGENTS[agent](), seed, DEFINITIONS[learned], impressions)
    return agent, learned, result


def _cell(values: list[float]) -> str:
    low, high = mean_interval(values)
    return f"{statistics.fmean(values):.3f} [{low:.3f}, {high:.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(str(s) for s in range(301, 341)))
    parser.add_argument("--impressions", type=int, default=IMPRESSIONS)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = [
        (agent, learned, seed, args.impressions)
        for agent, learned, seed in itertools.product(AGENTS, DEFINITIONS, seeds)
    ]
    results: dict[tuple[str, str], list[ClickbaitResult]] = {}
    with Pool(args.jobs) as pool, progress_bar("runs", "run", quiet=False) as advance:
        for done, (agent, learned, result) in enumerate(pool.imap_unordered(_run, jobs), 1):
            results.setdefault((agent, learned), []).append(result)
            advance(done, len(jobs))
    for runs in results.values():
        runs.sort(key=lambda r: r.seed)  # paired by seed

    def minutes(agent: str, learned: str) -> list[float]:
        return [r.share_of_minutes for r in results[(agent, learned)]]

    def clicks(agent: str, learned: str) -> list[float]:
        return [r.share_of_clicks for r in results[(agent, learned)]]

    print(
        f"clickbait, last quarter, mean [95% interval] over {len(seeds)} seeds:"
        " share of the watch-minutes oracle | share of the clicks oracle",
        file=sys.stderr,
    )
    for learned in DEFINITIONS:
        best_peer = max(PEERS, key=lambda a: statistics.fmean(minutes(a, learned)))
        for agent in AGENTS:
            got = minutes(agent, learned)
            low, high = mean_interval(got)
            print(
                f"learning {learned:<11} {agent:<24} {_cell(got):>22} | "
                f"{_cell(clicks(agent, learned)):>22}",
                file=sys.stderr,
            )
            emit(
                f"clickbait.{learned}.{agent}",
                statistics.fmean(got),
                "share of watch-minutes oracle",
                statistics.fmean(minutes(best_peer, learned)),
                interval=[round(low, 4), round(high, 4)],
                share_of_clicks_oracle=round(statistics.fmean(clicks(agent, learned)), 4),
                minutes_per_impression=round(
                    statistics.fmean(r.minutes for r in results[(agent, learned)]), 4
                ),
                best_peer=best_peer,
                seeds=len(seeds),
                **({"target": 0.95} if (learned, agent) == ("quality", "default") else {}),
            )
    first = results[("default", "clicks")]
    for name, pick in (("clicks", 0), ("watch_minutes", 1)):
        oracle = [r.click_oracle if pick == 0 else r.minutes_oracle for r in first]
        emit(
            f"clickbait.oracle.{name}",
            statistics.fmean(o[1] for o in oracle),
            "minutes per impression",
            clicks_per_impression=round(statistics.fmean(o[0] for o in oracle), 4),
        )
    for agent in AGENTS:
        gaps = [
            q - c for q, c in zip(minutes(agent, "quality"), minutes(agent, "clicks"), strict=True)
        ]
        low, high = mean_interval(gaps)
        emit(
            f"clickbait.quality_minus_clicks.{agent}",
            statistics.fmean(gaps),
            "share of watch-minutes oracle",
            paired_95=[round(low, 4), round(high, 4)],
        )


if __name__ == "__main__":
    main()
