"""Replay against the truth on logs written by a learning policy, as in the demo, on SQLite
and PostgreSQL: over 40 seeds, the 95% intervals of IPS, SNIPS and DR cover the simulator's
true value of a fixed target in at least 90% of seeds, for a checkpoint scored out of sample
and for a static table; an interval lies wholly above the oracle no more often than a 95%
interval misses high (2.5%, with room for sampling: at most 5% of seeds). The same checkpoint scored
in sample (as replay did before) is optimistic, and this test shows it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bandit.replay import StaticTable, load_sql_log, parse_target, run_replay
from examples.demo_truth import true_value
from storage import Log, open_log
from tests.bandit.replay.learning_log import oracle_table, write_learning_log
from tests.conftest import scratch_pg_schema

pytestmark = pytest.mark.slow  # ~1 s a seed

#: Seeds per database: 40 on SQLite; 20 on PostgreSQL, where each seed's log is slower to
#: write (the same code path; the point there is that the log round-trips identically).
SEEDS = {"sqlite": range(40), "postgresql": range(20)}
CHECKED = ("ips", "snips", "dr")


@contextmanager
def _fresh_log(backend: str, folder: Path, seed: int) -> Iterator[Log]:
    if backend == "sqlite":
        with open_log(folder / f"seed{seed}.sqlite", create=True) as log:
            yield log
        return
    with scratch_pg_schema() as url, open_log(url, create=True) as log:
        yield log


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_intervals_cover_the_truth_on_learned_logs(backend: str, tmp_path: Path) -> None:
    hits: dict[tuple[str, str], int] = {}
    above_oracle: dict[tuple[str, str], int] = {}
    in_sample_over = 0
    seeds = SEEDS[backend]
    for seed in seeds:
        with _fresh_log(backend, tmp_path, seed) as log:
            truth_source = write_learning_log(log, seed)
            data = load_sql_log(log)
            checkpoint = parse_target("checkpoint:2", log)  # learned the first 1,000 events
            table = StaticTable(oracle_table(truth_source, list(data.segment_names)), "table")
            latest = parse_target("checkpoint:latest", log)
            estimates, _ = run_replay(data, [checkpoint, table], bootstrap=0, seed=seed)
            for target in (checkpoint, table):
                truth = true_value(
                    data, target, truth_source.users, truth_source.audience, truth_source.features
                )
                for e in estimates:
                    if e.target != target.name or e.segment is not None:
                        continue
                    if e.estimator in CHECKED:
                        key = (target.name.split(":")[0], e.estimator)
                        hits[key] = hits.get(key, 0) + (e.ci_low <= truth.value <= e.ci_high)
                        above_oracle[key] = above_oracle.get(key, 0) + (e.ci_low > truth.oracle)
            before, _ = run_replay(
                data, [latest], bootstrap=0, in_sample=True, estimators=["snips"]
            )
            truth = true_value(
                data,
                latest,
                truth_source.users,
                truth_source.audience,
                truth_source.features,
                in_sample=True,
            )
            in_sample_over += before[0].estimate > truth.value
    shares = {key: count / len(seeds) for key, count in hits.items()}
    assert set(shares) == {(t, e) for t in ("checkpoint", "table") for e in CHECKED}
    assert all(share >= 0.9 for share in shares.values()), shares
    assert all(count <= 0.05 * len(seeds) for count in above_oracle.values()), above_oracle
    assert in_sample_over / len(seeds) > 0.5  # in-sample scoring leans optimistic
