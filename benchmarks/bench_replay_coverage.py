"""Do replay's intervals cover the truth? Logs written by a learning policy (as in the demo)
for many seeds, in two scenarios; each fixed target's true value comes from the simulator.

For each estimator (IPS, SNIPS, DR) it prints the share of seeds whose 95% interval covers
the truth, now against the previous release's way in the same run on the same logs: the
latest checkpoint scored on the events it learned from, with sample-variance intervals.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/ and tests/ helpers
from report import emit

import bandit.replay.estimators as estimators
from bandit.replay import (
    LoggedData,
    StaticTable,
    Target,
    load_sql_log,
    parse_target,
    run_replay,
)
from bandit.simulate import Audience
from examples.demo_truth import true_value
from storage import open_log
from tests.bandit.replay.learning_log import LearningLog, oracle_table, write_learning_log

SEEDS = 30
CHECKED = ("ips", "snips", "dr")
SCENARIOS: dict[str, Callable[[int], Audience]] = {
    "default tastes": lambda seed: Audience(seed=seed),
    "noisier, higher click rate": lambda seed: Audience(seed=seed, base_rate=0.08, noise=0.8),
}


def _covered(
    data: LoggedData, target: Target, source: LearningLog, in_sample: bool
) -> dict[str, tuple[bool, float]]:
    """Per estimator: whether its interval covers the truth, and its half-width."""
    estimates, _ = run_replay(data, [target], bootstrap=0, in_sample=in_sample, estimators=CHECKED)
    truth = true_value(
        data, target, source.users, source.audience, source.features, in_sample=in_sample
    )
    return {
        e.estimator: (e.ci_low <= truth.value <= e.ci_high, (e.ci_high - e.ci_low) / 2)
        for e in estimates
        if e.segment is None
    }


def main() -> None:
    for scenario, audience in SCENARIOS.items():
        hits: dict[tuple[str, str, str], int] = {}
        widths: dict[tuple[str, str, str], float] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for seed in range(SEEDS):
                with open_log(Path(tmp) / f"{seed}.sqlite", create=True) as log:
                    source = write_learning_log(log, seed, audience=audience(seed))
                    data = load_sql_log(log)
                    table = StaticTable(oracle_table(source, list(data.segment_names)), "table")
                    held_out = parse_target("checkpoint:2", log)  # learned the first 1,000
                    latest = parse_target("checkpoint:latest", log)
                    now = {
                        "checkpoint": _covered(data, held_out, source, False),
                        "table": _covered(data, table, source, False),
                    }
                    with mock.patch.object(estimators, "_pmf_variances", lambda *a, **k: None):
                        before = {
                            "checkpoint": _covered(data, latest, source, True),
                            "table": _covered(data, table, source, False),
                        }
                    for when, result in (("now", now), ("before", before)):
                        for target, covered in result.items():
                            for name, (hit, half) in covered.items():
                                key = (when, target, name)
                                hits[key] = hits.get(key, 0) + hit
                                widths[key] = widths.get(key, 0.0) + half / SEEDS
        for target in ("checkpoint", "table"):
            for name in CHECKED:
                emit(
                    f"replay.coverage.{target}.{name}",
                    hits[("now", target, name)] / SEEDS,
                    "share of seeds",
                    hits[("before", target, name)] / SEEDS,
                    scenario=scenario,
                    seeds=SEEDS,
                    target_share=0.9,
                    baseline_is="previous release: latest checkpoint in sample, sample-variance"
                    " intervals"
                    if target == "checkpoint"
                    else "previous release: sample-variance intervals",
                )
                emit(
                    f"replay.half_width.{target}.{name}",
                    widths[("now", target, name)] * 100,
                    "click-rate points",
                    widths[("before", target, name)] * 100,
                    scenario=scenario,
                    seeds=SEEDS,
                    note="the price of coverage: mean half-width of the 95% interval",
                )


if __name__ == "__main__":
    main()
