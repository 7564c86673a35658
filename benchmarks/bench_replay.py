"""Replay evaluation at scale.

* 1,000,000 logged decisions: IPS, SNIPS and DR with bootstrap intervals (target <= 2 s,
  issue 30; it was 10 s);
* push-down IPS inside SQLite and PostgreSQL against the in-memory path, same log, same run;
* progressive learning-policy replay (train-then-test per event), in events/s.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from report import emit
from scratch_postgres import scratch_schema
from sqlalchemy.orm import sessionmaker

import bandit.replay.evidence as evidence_module
from bandit import VWPolicy
from bandit.replay import (
    CandidateSets,
    GroupedPmf,
    LearningTarget,
    LoggedData,
    StaticTable,
    UniformTarget,
    evaluate,
    load_sql_log,
    pushdown_ips,
)
from bandit.replay.reward_model import RewardModel, cross_fitted_rewards
from storage import NewArtwork, NewDecision, open_log
from storage.catalog import register_artworks, register_title
from storage.join import join_matured
from storage.rewards import record_reward

N_BIG = 1_000_000
N_SQL = 100_000
N_LEARN = 5_000
N_CSV = 1_000_000


def synthetic(n: int, seed: int = 0) -> LoggedData:
    rng = np.random.default_rng(seed)
    n_actions, segments = 8, np.array(["a", "b", "c", "d"])
    seg = rng.integers(4, size=n)
    logging = rng.dirichlet(np.ones(n_actions), size=4)
    chosen = (rng.random(n)[:, None] > np.cumsum(logging[seg], axis=1)).sum(axis=1)
    chosen = np.minimum(chosen, n_actions - 1)
    click = rng.uniform(0.01, 0.15, size=(4, n_actions))
    return LoggedData(
        actions=tuple(str(i) for i in range(n_actions)),
        chosen=chosen.astype(np.int64),
        propensity=logging[seg, chosen],
        reward=(rng.random(n) < click[seg, chosen]).astype(np.float64),
        segment=segments[seg],
        candidates=CandidateSets.everything(n, n_actions),
        event_id=[str(i) for i in range(n)],
        logged_pmf=GroupedPmf.from_dense(logging[seg], seg),  # as the engine's own log has
    )


def bench_million() -> None:
    """1M decisions, every estimator, 200 resamples: now (logged-pmf variance floor, the
    reward model refitted per resample) against the same data with both switched off."""
    data = synthetic(N_BIG)
    pi = UniformTarget().pmf(data)
    model = cross_fitted_rewards(data)
    start = time.perf_counter()
    evaluate(data, pi, "uniform", bootstrap=200, r_hat=model)
    now = time.perf_counter() - start
    fixed = RewardModel(model.tables, model.fold, model.segment_index, refittable=False)
    # The same data and target anew: pmfs keep lookup tables they build once, and the
    # baseline must not inherit the first run's.
    data = synthetic(N_BIG)
    pi = UniformTarget().pmf(data)
    with mock.patch.object(evidence_module, "_pmf_variances", lambda *a, **k: None):
        start = time.perf_counter()
        evaluate(data, pi, "uniform", bootstrap=200, r_hat=fixed)
        before = time.perf_counter() - start
    emit(
        "replay.1M_ips_snips_dr_bootstrap200",
        now,
        "s",
        before,
        target=2.0,
        rows=N_BIG,
        estimators="replay, IPS, SNIPS, DM, DR, clipped; logged-pmf variance floor; DM/DR"
        " bootstrap refitting the reward model on each resample",
        baseline_is="the same without the variance floor, the reward model held fixed",
    )


def _fill(url: str, n: int) -> StaticTable:
    log = open_log(url, create=True)
    engine = log.engine
    with sessionmaker(engine).begin() as s:
        register_title(s, "t")
        ids = [a.id for a in register_artworks(s, "t", [NewArtwork(f"{i}.jpg") for i in range(4)])]
    rng = np.random.default_rng(1)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for start in range(0, n, 10_000):
        batch, clicked = [], []
        for i in range(start, min(n, start + 10_000)):
            chosen = int(rng.integers(4))
            batch.append(
                NewDecision(
                    event_id=f"e{i}",
                    title_id="t",
                    context={"segment": ["a", "b"][i % 2]},
                    candidate_ids=tuple(ids),
                    pmf=(0.25,) * 4,
                    artwork_id=ids[chosen],
                    probability=0.25,
                    policy_version="uniform:0",
                    exploration={},
                    created_at=t0,
                    reward_deadline=t0 + timedelta(seconds=1),
                )
            )
            if rng.random() < 0.05 * (chosen + 1):
                clicked.append(f"e{i}")
        log.record_decisions(batch)
        with log.transaction() as s:
            for event_id in clicked:
                record_reward(s, event_id, 1.0, now=t0)
    with sessionmaker(engine).begin() as s:
        while join_matured(s, now=t0 + timedelta(days=1), limit=20_000):
            pass
    log.close()
    return StaticTable({"a": {str(ids[3]): 1.0}, "*": {str(i): 0.25 for i in ids}})


def bench_pushdown(backend: str, url: str) -> None:
    table = _fill(url, N_SQL)
    start = time.perf_counter()
    pushed = pushdown_ips(url, table)
    pushed_s = time.perf_counter() - start
    start = time.perf_counter()
    data = load_sql_log(url)
    memory = evaluate(data, table.pmf(data), "t", bootstrap=0)
    memory_s = time.perf_counter() - start
    ips = next(e for e in memory if e.estimator == "ips")
    emit(
        f"replay.pushdown_ips.{backend}",
        pushed_s,
        "s",
        memory_s,
        rows=N_SQL,
        baseline_is="load the log + in-memory IPS",
        difference=abs(pushed.ips - ips.estimate),
    )


def bench_learning_replay() -> None:
    rng = np.random.default_rng(2)
    data = synthetic(N_LEARN)
    contexts = [{"segment": str(s), "device": str(rng.choice(["tv", "web"]))} for s in data.segment]
    data = LoggedData(**{**data.__dict__, "contexts": contexts})
    target = LearningTarget(VWPolicy, "vw")
    start = time.perf_counter()
    target.pmf(data)
    emit("replay.progressive_vw", N_LEARN / (time.perf_counter() - start), "events/s")


_READ_CSV = """
import resource, sys, time
from bandit.replay import UniformTarget, load_csv_log, run_replay
if sys.argv[2] == "imports-only":
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0.0)
    raise SystemExit
start = time.perf_counter()
data = load_csv_log(sys.argv[1])
run_replay(data, [UniformTarget()], bootstrap=0)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - start)
"""


def bench_csv_memory(tmp: str) -> None:
    """1M CSV rows over 1,000 distinct actions, 5 candidates each: peak memory of reading and
    evaluating them, against the same process with only the imports, in the same run."""
    rng = np.random.default_rng(4)
    path = Path(tmp) / "big.csv"
    with path.open("w") as f:
        f.write("action,propensity,reward,segment,candidates\n")
        for i in range(N_CSV):
            offered = rng.choice(1_000, size=5, replace=False)
            f.write(
                f"a{offered[0]},0.2,{int(rng.random() < 0.1)},s{i % 8},"
                + ";".join(f"a{a}" for a in offered)
                + "\n"
            )
    peak: dict[str, tuple[float, float]] = {}
    for what in ("imports-only", "read"):
        out = subprocess.run(
            [sys.executable, "-c", _READ_CSV, str(path), what],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        peak[what] = (int(out[0]) / 1024, float(out[1]))
    emit(
        "replay.csv_1M_rows_1000_actions.peak_rss",
        peak["read"][0],
        "MiB",
        peak["imports-only"][0],
        baseline_is="the same process with only the imports",
        target=1024,
        file_mib=round(path.stat().st_size / 2**20, 1),
        seconds=round(peak["read"][1], 2),
        dense_would_need_mib=round(N_CSV * 1_000 * 17 / 2**20),
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_csv_memory(tmp)
    bench_million()
    with tempfile.TemporaryDirectory() as tmp:
        bench_pushdown("sqlite", f"sqlite:///{tmp}/replay.sqlite")
    with scratch_schema("replay.pushdown_ips.postgresql") as url:
        if url is not None:
            bench_pushdown("postgresql", url)
    bench_learning_replay()


if __name__ == "__main__":
    main()
