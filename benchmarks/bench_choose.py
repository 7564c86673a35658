"""choose() latency and throughput with durable logging, against raw VW text predict on the
same examples in the same run; and learning throughput from the log into the model.

Targets: choose() p99 <= 1 ms on SQLite, >= 3,000 decisions/s on one core, <= 2x raw VW text
predict, learning >= 5,000 events/s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vowpalwabbit import Workspace

sys.path.insert(0, str(Path(__file__).parent))
from report import emit
from scratch_postgres import scratch_schema
from sqlalchemy.orm import sessionmaker

from bandit import (
    Arm,
    ArtworkChooser,
    Context,
    Learner,
    LearningExample,
    Policy,
    SegmentMixPolicy,
    ThompsonPolicy,
    VWPolicy,
    vw_text,
)
from bandit.reward_definition import definition
from storage import Log, NewArtwork, open_log
from storage.catalog import register_artworks, register_title

N = 5_000
ACTIONS = 8
LEARN_EVENTS = 20_000


def _users(n: int) -> list[Context]:
    return [
        Context(f"s{i % 4}", {"country": ["NZ", "BR", "JP"][i % 3], "device": "tv", "hour": i % 24})
        for i in range(n)
    ]


def _catalog(url: str) -> list[Arm]:
    log = open_log(url, create=True)
    engine = log.engine
    with sessionmaker(engine).begin() as s:
        register_title(s, "t")
        artworks = register_artworks(
            s,
            "t",
            [
                NewArtwork(
                    f"{i}.jpg",
                    features={
                        "brightness": i / 8,
                        "warmth": 1 - i / 8,
                        "sharpness": 0.7,
                        "contrast": 0.4,
                        "colourfulness": 0.5,
                        "face_area": 0.1,
                    },
                )
                for i in range(ACTIONS)
            ],
        )
    log.close()
    return [Arm(a.id, a.features) for a in artworks]


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def raw_vw_predict(arms: list[Arm], users: list[Context]) -> float:
    """Median seconds of Workspace.predict on VW text, the same examples choose() builds."""
    vw = Workspace(VWPolicy().vw_args)
    actions = [vw_text.action_features(a) for a in arms]
    examples = [vw_text.example(u, actions) for u in users]
    times = []
    for lines in examples:
        start = time.perf_counter()
        vw.predict(lines)
        times.append(time.perf_counter() - start)
    vw.finish()
    return statistics.median(times)


def policy_scoring(arms: list[Arm], users: list[Context], policy: Policy) -> float:
    """Median seconds of ``policy.probabilities``: choose()'s model work without the log."""
    times = []
    for user in users:
        start = time.perf_counter()
        policy.probabilities(user, arms)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def thompson_scoring(arms: list[Arm], users: list[Context], vw_p50: float) -> None:
    """ThompsonPolicy.probabilities with its per-(segment, posterior) pmf cache, as between
    learner updates, against the same calls recomputing every pmf and against VW's."""
    policy = ThompsonPolicy()
    examples = [
        LearningExample(users[i], tuple(arms), i % len(arms), 1 / len(arms), float(i % 7 == 0))
        for i in range(2_000)
    ]
    policy.learn(examples)
    timings: dict[str, list[float]] = {"cached": [], "recomputed": []}
    for mode in ("recomputed", "cached"):  # the second pass finds every segment cached
        for user in users[:2_000]:
            if mode == "recomputed":
                policy._pmfs.clear()
            start = time.perf_counter()
            policy.probabilities(user, arms)
            timings[mode].append(time.perf_counter() - start)
    cached, recomputed = (statistics.median(timings[m]) for m in ("cached", "recomputed"))
    emit(
        "thompson.scoring.p50",
        cached * 1e3,
        "ms",
        recomputed * 1e3,
        baseline_is="the same calls recomputing the 2,000-draw pmf each time",
        vw_scoring_p50_ms=round(vw_p50 * 1e3, 4),
        propensity_error="none: a cached pmf is the pmf the state gives",
    )


def bench_choose(backend: str, url: str, users: list[Context], raw_p50: float) -> None:
    _catalog(url)
    chooser = ArtworkChooser(url)
    for user in users[:200]:  # warm up caches and the connection
        chooser.choose("t", user)
    latencies = []
    start = time.perf_counter()
    for user in users:
        t0 = time.perf_counter()
        chooser.choose("t", user)
        latencies.append(time.perf_counter() - t0)
    rate = len(users) / (time.perf_counter() - start)
    p50, p99 = _percentile(latencies, 0.5), _percentile(latencies, 0.99)
    emit(
        f"choose.{backend}.p50",
        p50 * 1e3,
        "ms",
        raw_p50 * 1e3,
        baseline_is="raw VW text predict p50",
        target_ratio=2.0,
    )
    emit(f"choose.{backend}.p99", p99 * 1e3, "ms", target=1.0 if backend == "sqlite" else None)
    emit(
        f"choose.{backend}.decisions_per_s",
        rate,
        "decisions/s",
        1 / raw_p50,
        baseline_is="raw VW text predicts/s",
        target=3_000 if backend == "sqlite" else None,
    )
    chooser.close()


def bench_file_check(url: str, users: list[Context]) -> None:
    """What noticing a deleted or replaced SQLite log costs choose(): the same calls with the
    per-commit ``stat`` on and off, in alternating blocks, medians compared."""
    import storage.writer as writer_module

    chooser = ArtworkChooser(url)
    real = writer_module.check_same_file  # type: ignore[attr-defined]
    timings: dict[bool, list[float]] = {True: [], False: []}
    for block in range(20):
        checked = block % 2 == 0
        writer_module.check_same_file = real if checked else (lambda *_: None)  # type: ignore[attr-defined]
        for user in users[:250]:
            t0 = time.perf_counter()
            chooser.choose("t", user)
            timings[checked].append(time.perf_counter() - t0)
    writer_module.check_same_file = real  # type: ignore[attr-defined]
    chooser.close()
    on, off = statistics.median(timings[True]), statistics.median(timings[False])
    emit(
        "choose.sqlite.deleted_file_check_overhead",
        (on / off - 1) * 100,
        "%",
        baseline_is="choose() p50 with the check switched off, same run",
        with_check_ms=round(on * 1e3, 4),
        without_check_ms=round(off * 1e3, 4),
        target=5.0,
    )


def bench_learning(url: str, arms: list[Arm], users: list[Context]) -> None:
    log = open_log(url, create=True)
    past = datetime.now(UTC) - timedelta(days=1)
    chooser = ArtworkChooser(log, clock=lambda: past)
    for i in range(LEARN_EVENTS):
        decision = chooser.choose("t", users[i % len(users)])
        if i % 10 == 0:
            chooser.reward(decision.event_id, 1.0)
    learner = Learner(log)
    start = time.perf_counter()
    report = learner.run_once()
    seconds = time.perf_counter() - start
    rate = report.learned / seconds
    emit(
        "learn.events_per_s",
        rate,
        "events/s",
        target=5_000,
        includes="join + read + VW learn + checkpoint",
        events=report.learned,
    )
    examples = [
        LearningExample(
            users[i % len(users)], tuple(arms), i % len(arms), 1 / len(arms), float(i % 10 == 0)
        )
        for i in range(LEARN_EVENTS)
    ]
    rates = _learn_rates(examples)
    emit("learn.vw_only_events_per_s", rates["vw"], "events/s")
    emit(
        "learn.default_policy_only_events_per_s",
        rates["segment_mix"],
        "events/s",
        rates["vw"],
        baseline_is="VWPolicy.learn on the same examples",
        note="the default also scores each distinct example with both members, then learns both",
        distinct_contexts=len({repr(ex.context) for ex in examples}),
        target_ratio=0.6,
    )
    _default_learn_worst_case(arms)
    # The log's overhead alone: the same policy learning the very examples the learner read,
    # in the learner's batches (the default policy scores each batch from the state that
    # served it, so batching is the policy's own cost, not the log's).
    logged = _logged_examples(log, arms)
    policy = SegmentMixPolicy()
    start = time.perf_counter()
    for at in range(0, len(logged), learner.batch_size):
        policy.learn(logged[at : at + learner.batch_size])
    batched_rate = len(logged) / (time.perf_counter() - start)
    emit(
        "learn.from_the_log_vs_policy_alone",
        rate,
        "events/s",
        batched_rate,
        baseline_is="the default policy's own learn() on the examples the learner read, in its"
        f" batches of {learner.batch_size:,}",
        target_ratio=0.7,
        note="the log's overhead: join, read, context parsing, checkpoint",
        one_call_baseline=round(rates["segment_mix"]),
    )
    log.close()
    bench_learning_with_signals(url.replace("learn.sqlite", "signals.sqlite"), users, rate)


def _logged_examples(log: Log, arms: list[Arm]) -> list[LearningExample]:
    """The joined log as the learner gives it to the policy: one Context and one arms tuple
    per distinct logged context and candidate list."""
    by_id = {arm.id: arm for arm in arms}
    contexts: dict[str, Context] = {}
    candidates: dict[tuple[int, ...], tuple[Arm, ...]] = {}
    examples = []
    for row in log.joined():
        key, ids = repr(row.context), row.candidate_ids
        if key not in contexts:
            contexts[key] = Context.from_mapping(row.context)
        if ids not in candidates:
            candidates[ids] = tuple(by_id[i] for i in ids)
        context, shown = contexts[key], candidates[ids]
        examples.append(
            LearningExample(context, shown, row.chosen_index, row.probability, row.reward)
        )
    return examples


def _learn_rates(examples: list[LearningExample]) -> dict[str, float]:
    """Examples/s of `VWPolicy.learn` and of the default policy's own, on ``examples``."""
    rates = {}
    for name, policy in (("vw", VWPolicy()), ("segment_mix", SegmentMixPolicy())):
        start = time.perf_counter()
        policy.learn(examples)
        rates[name] = len(examples) / (time.perf_counter() - start)
    return rates


def _default_learn_worst_case(arms: list[Arm]) -> None:
    """The same, where no two examples share a context (a per-user feature): the members
    score every example, so this is the floor of the ratio above."""
    examples = [
        LearningExample(
            Context(f"s{i % 4}", {"user": f"u{i}", "hour": i % 24}),
            tuple(arms),
            i % len(arms),
            1 / len(arms),
            float(i % 10 == 0),
        )
        for i in range(LEARN_EVENTS)
    ]
    rates = _learn_rates(examples)
    emit(
        "learn.default_policy_only_events_per_s.every_context_distinct",
        rates["segment_mix"],
        "events/s",
        rates["vw"],
        baseline_is="VWPolicy.learn on the same examples",
        distinct_contexts=LEARN_EVENTS,
    )


def bench_learning_with_signals(url: str, users: list[Context], built_in_rate: float) -> None:
    """The same learning from the log, where a definition turns each decision's signals into
    its reward (read with the joined rows and evaluated per decision)."""
    _catalog(url)  # the same catalogue as the built-in run
    log = open_log(url)
    log.define_reward(definition("quality", "1 if watch_minutes >= 15 else 0", window_s=3600))
    past = datetime.now(UTC) - timedelta(days=1)
    chooser = ArtworkChooser(log, clock=lambda: past)
    for i in range(LEARN_EVENTS):
        decision = chooser.choose("t", users[i % len(users)])
        if i % 10 == 0:  # a click, a play and two progress reports
            for name, value in (("click", 1), ("play", 1), ("watch_minutes", 5)):
                chooser.signal(decision.event_id, name, value)
            chooser.signal(decision.event_id, "watch_minutes", 20)
    learner = Learner(log, reward="quality")
    start = time.perf_counter()
    report = learner.run_once()
    emit(
        "learn.events_per_s_with_signals",
        report.learned / (time.perf_counter() - start),
        "events/s",
        built_in_rate,
        baseline_is="learn.events_per_s: the built-in reward, as joined",
        signals_per_decision=0.4,  # one decision in ten gets four
        events=report.learned,
    )
    log.close()


def main() -> None:
    users = _users(N)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        arms = _catalog(f"sqlite:///{tmp}/catalog.sqlite")
        raw_p50 = raw_vw_predict(arms, users)
        emit("vw.raw_text_predict.p50", raw_p50 * 1e3, "ms", actions=ACTIONS)
        vw_p50 = policy_scoring(arms, users, VWPolicy())
        emit(
            "choose.policy_scoring.p50",
            policy_scoring(arms, users, SegmentMixPolicy()) * 1e3,
            "ms",
            raw_p50 * 1e3,
            baseline_is="raw VW text predict p50",
            target_ratio=2.0,
            note="the default policy (VW and Thompson mixed): choose() minus the log write",
            vw_policy_p50_ms=round(vw_p50 * 1e3, 4),
        )
        thompson_scoring(arms, users, vw_p50)
        bench_choose("sqlite", url, users, raw_p50)
        bench_file_check(url, users)
        learn_url = f"sqlite:///{tmp}/learn.sqlite"
        bench_learning(learn_url, _catalog(learn_url), users)
    with scratch_schema("choose.postgresql") as pg_url:
        if pg_url is not None:
            bench_choose("postgresql", pg_url, users, raw_p50)


if __name__ == "__main__":
    main()
