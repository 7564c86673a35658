"""The main job, end to end (``make demo``): video in, personalised artwork out.

1. extract candidate artwork from the bundled clip and a few synthetic titles (the
   ``thumbnails`` CLI, registering them in the log with ``--db``);
2. serve simulated users through ``ArtworkChooser.choose``, send their clicks as rewards, and
   let the learner update the policy every ``--learn-every`` impressions;
3. replay-evaluate the learned policy, uniform and per-segment Thompson sampling on the log;
4. quality plays, not clicks: the clickbait audience learned once for clicks and once for
   plays of 15 minutes or more, and replay of both definitions from one log
   (``examples/demo_quality.py``);
5. an online experiment: the learned policy against the editorial artwork, on members who
   keep their arm, with its always-valid verdict (``examples/demo_experiment.py``);
6. write ``demo-output/report.html`` and print a summary.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `examples` importable
    sys.path.insert(0, str(ROOT))

import storage  # noqa: E402
from bandit import Arm, ArtworkChooser, Context, Learner, VWPolicy  # noqa: E402
from bandit.replay import load_sql_log, parse_target, run_replay  # noqa: E402
from bandit.simulate import DEFAULT_TASTES, Audience  # noqa: E402
from examples.demo_experiment import learned_vs_editorial  # noqa: E402
from examples.demo_media import TITLES, write_title  # noqa: E402
from examples.demo_quality import quality_plays  # noqa: E402
from examples.demo_report import Shown, write_report  # noqa: E402
from examples.demo_truth import CHECKED, holdout_checkpoint, true_value, verdict  # noqa: E402
from thumbnail_bandit.cli.extract import thumbnails_main  # noqa: E402

CLIP = ROOT / "examples" / "media" / "bigbuckbunny.mp4"


def demo_policy() -> VWPolicy:
    """SquareCB with user x visual-feature interactions, not the default policy: SquareCB
    keeps giving every artwork a share that shrinks with evidence, so the log supports the
    replay section's other targets everywhere. The default (`SegmentMixPolicy`) explores
    through Thompson sampling where that member leads, but only through its 1% floor where VW
    (regcbopt) does, which leaves replay less to score other policies on (README, "Choosing
    artwork")."""
    return VWPolicy(exploration="squarecb", gamma_scale=50.0, interactions=("ua",))


class SimClock:
    """Simulated time: one impression a second, so reward windows close as the demo runs."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "demo-output")
    parser.add_argument("--db", help="log URL (default: SQLite in the output folder)")
    parser.add_argument("--titles", type=int, default=len(TITLES), help="synthetic titles, 0-3")
    parser.add_argument("--impressions", type=int, default=20_000)
    parser.add_argument("--learn-every", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quality-impressions",
        type=int,
        default=6_000,
        help="impressions of each quality-plays run (0: skip that part)",
    )
    parser.add_argument(
        "--experiment-impressions",
        type=int,
        default=10_000,
        help="impressions of the learned-vs-editorial experiment (0: skip it)",
    )
    parser.add_argument("--quiet", action="store_true")
    return parser.parse_args(argv)


def extract(out: Path, db: str, n_titles: int, quiet: bool) -> None:
    videos = [CLIP] + [write_title(name, out / "media") for name in list(TITLES)[:n_titles]]
    code = thumbnails_main(
        [
            "extract",
            *map(str, videos),
            "--out",
            str(out / "artwork"),
            "--db",
            db,
            "--top-k",
            "4",
            *(["--quiet"] if quiet else []),
        ]
    )
    if code != 0:
        raise SystemExit(f"extraction failed (exit {code})")


def _next_run(log: storage.Log, seed: int) -> int:
    """How many demo runs with this seed the log already holds (its event ids are taken)."""
    run = 0
    while True:
        first = f"demo-{seed}-0" if not run else f"demo-{seed}-r{run}-0"
        try:
            log.decision(first)
        except storage.UnknownEvent:
            return run
        run += 1


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    out: Path = args.out
    # A re-run continues the log in here (and keeps the service's keys beside it).
    out.mkdir(parents=True, exist_ok=True)
    db = args.db or f"sqlite:///{out / 'log.sqlite'}"

    def say(*text: object) -> None:  # progress is a diagnostic: stderr, as in every command
        if not args.quiet:
            print(*text, file=sys.stderr)

    say("1/6 extracting candidate artwork ...")
    extract(out, db, args.titles, args.quiet)
    log = storage.open_log(db)
    catalog = {t: log.artworks(t) for t in log.titles()}
    features = {a.id: a.features for arts in catalog.values() for a in arts}
    titles = sorted(catalog)
    say(f"    {sum(map(len, catalog.values()))} artworks for {len(titles)} titles")

    say("2/6 serving a simulated audience ...")
    audience, rng, clock = Audience(seed=args.seed), np.random.default_rng(args.seed), SimClock()
    run = _next_run(log, args.seed)
    if run:
        say(f"    the log holds {run} earlier demo run(s) with seed {args.seed}: continuing it")
    chooser = ArtworkChooser(
        log, demo_policy(), reward_window=timedelta(minutes=1), reload_every_s=0, clock=clock
    )
    learner = Learner(log, demo_policy, clock=clock)
    curves: dict[str, list[float]] = {"learning policy": [], "uniform": [], "oracle": []}
    users: dict[str, Context] = {}  # who saw each decision, to compute true values later
    oracle_by_segment: dict[str, list[float]] = {}
    clicks = 0
    for i in tqdm(range(args.impressions), disable=True if args.quiet else None, unit="impression"):
        user = audience.user()
        title = titles[int(rng.integers(len(titles)))]
        event_id = f"demo-{args.seed}-{i}" if not run else f"demo-{args.seed}-r{run}-{i}"
        decision = chooser.choose(title, user, event_id=event_id)  # reproducible
        users[event_id] = user
        truth = [audience.click_probability(user, features[a]) for a in decision.candidate_ids]
        curves["learning policy"].append(float(np.dot(decision.pmf, truth)))
        curves["uniform"].append(float(np.mean(truth)))
        curves["oracle"].append(max(truth))
        oracle_by_segment.setdefault(user.segment, []).append(max(truth))
        if audience.click(user, features[decision.artwork_id]):
            chooser.reward(decision.event_id, 1.0)  # no click: the join's default reward, 0
            clicks += 1
        clock.now += timedelta(seconds=1)
        if (i + 1) % args.learn_every == 0:
            learner.run_once()
    clock.now += timedelta(hours=1)
    learner.run_once()

    say("3/6 replay evaluation ...")
    logged = load_sql_log(log)  # this run's decisions only, when the log holds earlier runs
    data = logged.subset(np.array([e in users for e in logged.event_id]))
    holdout = holdout_checkpoint(log, data)
    specs = ([f"checkpoint:{holdout}"] if holdout else []) + ["uniform", "thompson"]
    targets = [parse_target(spec, log) for spec in specs]
    say(f"    {', '.join(specs)} over {data.n:,} events (thompson relearns them one by one)")
    estimates, _ = run_replay(
        data,
        targets,
        by_segment=True,
        bootstrap=200,
        seed=args.seed,
        progress=lambda done, total: say(f"    {done} of {total} targets done"),
    )
    fixed = [t for t in targets if t.name != "thompson"]  # a learning target has no one truth
    truths = {t.name: true_value(data, t, users, audience, features) for t in fixed}
    check, passed = verdict(estimates, truths)

    quality_rows: list[tuple[str, str]] = []
    quality: dict[str, float] = {}
    if args.quality_impressions:
        say("4/6 quality plays, not clicks: the clickbait audience, learned twice ...")
        quality_rows, quality = quality_plays(
            out,
            seed=args.seed,
            impressions=args.quality_impressions,
            learn_every=max(1, args.quality_impressions // 6),
        )
    experiment_rows: list[tuple[str, str]] = []
    experiment: dict[str, float] = {}
    if args.experiment_impressions:
        say("5/6 an online experiment: the learned policy against the editorial artwork ...")
        experiment_rows, experiment = learned_vs_editorial(
            log,
            demo_policy,
            features,
            start=clock.now,
            seed=args.seed,
            run=run,
            impressions=args.experiment_impressions,
        )
    say("6/6 writing the report ...")
    chooser = ArtworkChooser(log, reload_every_s=0, clock=clock)  # serves the newest checkpoint
    preferences: dict[str, dict[str, list[Shown]]] = {}
    for taste in DEFAULT_TASTES:
        preferences[taste.segment] = {}
        for title in titles:
            arms = [Arm(a.id, a.features) for a in catalog[title]]
            pmf = chooser.policy_.probabilities(Context(taste.segment), arms)
            order = np.argsort(-pmf, kind="stable")
            preferences[taste.segment][title] = [
                Shown(
                    Path(catalog[title][j].image_path),
                    float(pmf[j]),
                    _in_words(catalog[title][j].features, taste.weights),
                )
                for j in order
            ]
    tail = max(1, args.impressions // 10)
    result = {name: float(np.mean(values[-tail:])) for name, values in curves.items()} | {
        "first 10% learning policy": float(np.mean(curves["learning policy"][:tail]))
    }
    snips = {e.target: e for e in estimates if e.estimator == "snips" and e.segment is None}
    replay_lines = []
    for e in estimates:
        if e.segment is not None or e.estimator not in CHECKED:
            continue
        known = truths.get(e.target)
        held_out = " out of sample" if "checkpoint" in e.target else ""
        where = f"{e.target}, {e.n:,} events{held_out}"
        line = f"{e.estimate:.2%} [{e.ci_low:.2%}, {e.ci_high:.2%}]"
        if known is not None:
            mark = "covers" if e.ci_low <= known.value <= e.ci_high else "MISSES"
            line += f"  true {known.value:.2%} ({mark})"
        replay_lines.append((f"replay {e.estimator.upper()}: {where}", line))
    support = [
        (
            f"support, segment {name}",
            f"{int((data.segment == name).sum()):,} impressions,"
            f" {int(data.reward[data.segment == name].sum()):,} clicks",
        )
        for name in data.segment_names
    ]
    summary = [
        ("impressions", f"{args.impressions:,}"),
        ("clicks", f"{clicks:,}"),
        ("click rate, first 10% (learning policy)", f"{result['first 10% learning policy']:.2%}"),
        (
            "click rate, last 10%: learning / uniform / oracle",
            f"{result['learning policy']:.2%} / {result['uniform']:.2%} / {result['oracle']:.2%}",
        ),
        *replay_lines,
        *[(f"oracle on {name}'s events", f"{truth.oracle:.2%}") for name, truth in truths.items()],
        ("replay check", check),
        *support,
        *quality_rows,
        *experiment_rows,
        ("log", storage.redact(db)),
    ]
    window = max(1, min(1_000, args.impressions // 10))
    report = write_report(
        out,
        preferences,
        curves,
        estimates,
        summary,
        window,
        truths={name: t.value for name, t in truths.items()},
        segment_notes=_unsuited(oracle_by_segment, result["oracle"]),
    )
    chooser.close()
    log.close()
    if not args.quiet:
        width = max(len(k) for k, _ in summary)
        for key, value in summary:
            print(f"  {key:<{width}}  {value}")
        print(f"report: {report}")
    return (
        result
        | {f"replay {k}": e.estimate for k, e in snips.items()}
        | {"replay check passed": float(passed)}
        | {f"quality plays: {k}": v for k, v in quality.items()}
        | experiment
    )


def _in_words(features: Mapping[str, float], liked: Mapping[str, float]) -> str:
    """A caption: how much of what this segment cares about the artwork has, in words."""
    parts = []
    for name, weight in liked.items():
        value = features.get(name, 0.0)
        level = "high" if value >= 0.66 else "medium" if value >= 0.33 else "low"
        wish = "likes" if weight > 0 else "dislikes"
        parts.append(f"{name.replace('_', ' ')} {level} ({wish} it; {value:.2f})")
    return "; ".join(parts)


def _unsuited(oracle: Mapping[str, Sequence[float]], overall: float) -> dict[str, str]:
    """Segments whose best candidate would still be clicked far less than the audience's:
    few clicks there are no failure of learning, but of the candidates on offer."""
    notes = {}
    for segment, best in oracle.items():
        rate = float(np.mean(best))
        if rate < overall / 2:
            notes[segment] = (
                f"No candidate suits this segment well: even its best artwork would be clicked"
                f" {rate:.2%} of the time (the audience's best: {overall:.2%}). Its few clicks"
                " say the catalogue lacks what it likes, not that learning failed."
            )
    return notes


if __name__ == "__main__":
    from thumbnail_bandit.cli.boundary import run_guarded

    sys.exit(run_guarded(lambda: (main(), 0)[1]))
