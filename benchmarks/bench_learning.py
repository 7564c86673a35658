"""How well the default policy (`SegmentMixPolicy`) learns, beside the project's other
policies, the two earlier defaults and the peers (MABWiser LinUCB, MABWiser Thompson sampling
per segment, raw Vowpal Wabbit), on every scenario of `bandit.simulate.SCENARIOS`, with the
same seeds and the same batches.

Target (issue 14): on every scenario, the default's mean share of the oracle is within 0.01
of the best peer's mean, or better.

The seeds are held out: the default's settings were chosen on seeds 1-8 (its change test on
1-24, its newcomer record and lifted floor on 1-48), and this reports 101-111; the README's
headline run is ``--project default,vw_epsilon_first_default --seeds`` 152-191 (112-151
held out the default before the newcomer record). A single run's share can differ by 0.2
between seeds, so fewer seeds cannot tell 0.01 apart (``--seeds`` takes others).
Prints a table to stderr and one JSON object per line to stdout:
``learning.<scenario>.<policy>`` (mean share of the oracle in the last quarter, with its
min and max over seeds, and the best peer's mean as the baseline), and for the scenarios
that have them, adoption, cold start and recovery figures.

    .venv/bin/python benchmarks/bench_learning.py [--seeds 101,102,103] [--scenarios mixed,drift]
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

from bandit import SegmentMixPolicy, ThompsonPolicy, VWPolicy
from bandit.simulate import SCENARIOS, Agent, PolicyAgent, ScenarioResult, run_scenario
from thumbnail_bandit.progress import progress_bar

PROJECT: dict[str, Callable[[], Agent]] = {
    "default": lambda: PolicyAgent(SegmentMixPolicy),
    # The defaults before it: VW with regcbopt, and before that with epsilon-greedy.
    "vw_regcbopt_old_default": lambda: PolicyAgent(VWPolicy),
    "vw_epsilon_first_default": lambda: PolicyAgent(
        lambda: VWPolicy(exploration="epsilon", epsilon=0.05, interactions=("ua", "ui"))
    ),
    "thompson": lambda: PolicyAgent(ThompsonPolicy),
}
PEERS: dict[str, Callable[[], Agent]] = {
    "mabwiser_linucb": peers.MabwiserLinUCB,
    "mabwiser_ts_per_segment": peers.MabwiserThompson,
    "raw_vw_squarecb": peers.RawVW,
}
AGENTS = {**PROJECT, **PEERS}


def _run(job: tuple[str, str, int]) -> tuple[str, str, ScenarioResult]:  # in a worker
    scenario, agent, seed = job
    return scenario, agent, run_scenario(SCENARIOS[scenario], AGENTS[agent](), seed)


def _spread(values: list[float]) -> str:
    return f"{statistics.fmean(values):.3f} [{min(values):.3f}, {max(values):.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(str(s) for s in range(101, 112)))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--project",
        default=",".join(PROJECT),
        help="the project's policies to run beside the peers (the default always runs)",
    )
    args = parser.parse_args()
    unknown = set(args.project.split(",")) - set(PROJECT)
    if unknown:
        parser.error(f"unknown --project {sorted(unknown)}; known: {sorted(PROJECT)}")
    agents = ["default", *(a for a in PROJECT if a in args.project.split(",") and a != "default")]
    agents += list(PEERS)
    seeds = [int(s) for s in args.seeds.split(",")]
    scenarios = args.scenarios.split(",")
    jobs = list(itertools.product(scenarios, agents, seeds))
    results: dict[tuple[str, str], list[ScenarioResult]] = {}
    with Pool(args.jobs) as pool, progress_bar("runs", "run", quiet=False) as advance:
        for done, (scenario, agent, result) in enumerate(pool.imap_unordered(_run, jobs), 1):
            results.setdefault((scenario, agent), []).append(result)
            advance(done, len(jobs))
    for runs in results.values():
        runs.sort(key=lambda r: r.seed)  # in seed order, so that policies pair up by seed

    header = f"{'scenario':<16} " + " ".join(f"{a[:22]:>24}" for a in agents)
    header += f" {'default - best peer':>20}"
    print(f"share of the oracle, last quarter: mean [min, max] over seeds {seeds}", file=sys.stderr)
    print(header, file=sys.stderr)
    for scenario in scenarios:
        shares = {a: [r.share_of_oracle for r in results[(scenario, a)]] for a in agents}
        best_peer = max(PEERS, key=lambda a: statistics.fmean(shares[a]))
        peer_mean = statistics.fmean(shares[best_peer])
        gap = statistics.fmean(shares["default"]) - peer_mean
        cells = " ".join(f"{_spread(shares[a]):>24}" for a in agents)
        print(f"{scenario:<16} {cells} {gap:>+20.4f}", file=sys.stderr)
        for agent in agents:
            emit(
                f"learning.{scenario}.{agent}",
                statistics.fmean(shares[agent]),
                "share of oracle",
                peer_mean,
                min=round(min(shares[agent]), 4),
                max=round(max(shares[agent]), 4),
                seeds=len(seeds),
                best_peer=best_peer,
            )
        per_seed = [d - p for d, p in zip(shares["default"], shares[best_peer], strict=True)]
        low, high = mean_interval(per_seed)
        emit(
            f"learning.{scenario}.default_minus_best_peer",
            gap,
            "share of oracle",
            target=-0.01,
            best_peer=best_peer,
            paired_95=[round(low, 4), round(high, 4)],
            per_seed=[round(g, 4) for g in per_seed],
        )
        for agent in agents:
            runs = results[(scenario, agent)]
            if runs[0].adoption is not None:
                adoption = [r.adoption for r in runs if r.adoption is not None]
                emit(
                    f"learning.{scenario}.{agent}.adoption",
                    statistics.fmean(adoption),
                    "share of its segment, last quarter",
                    min=round(min(adoption), 4),
                    max=round(max(adoption), 4),
                    cold_start=[r.cold_start for r in runs],
                )
            if SCENARIOS[scenario].setup(seeds[0]).audience.turn is not None:
                emit(
                    f"learning.{scenario}.{agent}.recovered_runs",
                    sum(r.recovery is not None for r in runs),
                    "runs",
                    recovery=[r.recovery for r in runs],
                )


if __name__ == "__main__":
    main()
