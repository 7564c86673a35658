"""The demo's last part: quality plays, not clicks. The same simulated members (the
clickbait scenario) are served twice through the real chooser, log and learner: once learning
clicks, once learning quality plays (a play of 15 minutes or more). Then replay scores the
bait and the story artwork under both definitions from the clicks run's log alone, where
``quality`` is defined only after that log was written."""

from __future__ import annotations

from pathlib import Path

import storage
from bandit import Context, SegmentMixPolicy
from bandit.replay import load_sql_log, run_replay
from bandit.simulate.clickbait import ClickbaitSetup, clickbait_setup
from bandit.simulate.clickbait_log import best_table, register_catalog, serve, truth_of
from examples.demo_truth import true_value


def quality_plays(
    out: Path, *, seed: int, impressions: int, learn_every: int
) -> tuple[list[tuple[str, str]], dict[str, float]]:
    """Summary rows for the report, and the figures the tests check."""
    setup = clickbait_setup(seed)
    rows: list[tuple[str, str]] = []
    figures: dict[str, float] = {}
    for learned in ("clicks", "quality"):
        path = out / f"quality-plays-{learned}.sqlite"
        path.unlink(missing_ok=True)  # learned afresh each time (the main log is continued)
        with storage.open_log(path, create=True) as log:
            register_catalog(log, setup)
            run = serve(
                log,
                setup,
                policy=SegmentMixPolicy,
                learn=learned,
                impressions=impressions,
                learn_every=learn_every,
                seed=seed,
            )
            if learned == "clicks":
                replayed = _replay(log, setup, run.users, figures)
        figures[f"{learned} minutes"], figures[f"{learned} clicks"] = run.minutes, run.clicks
        rows.append(
            (
                f"learning {learned}: per 1,000 impressions, last quarter",
                f"{run.clicks * 1000:.0f} clicks, {run.minutes * 1000:,.0f} minutes watched",
            )
        )
    rows.append(
        (
            "oracles: most clicked / most watched artwork",
            f"{run.oracle_clicks * 1000:.0f} clicks / {run.oracle_minutes * 1000:,.0f} minutes"
            " per 1,000 impressions",
        )
    )
    figures["oracle minutes"] = run.oracle_minutes
    return rows + replayed, figures


def _replay(
    log: storage.Log,
    setup: ClickbaitSetup,
    users: dict[str, Context],
    figures: dict[str, float],
) -> list[tuple[str, str]]:
    rows = []
    for definition in ("clicks", "quality"):
        data = load_sql_log(log, reward=definition)
        segments = list(data.segment_names)
        targets = [
            best_table(setup, segments, "clicks", "bait"),
            best_table(setup, segments, "quality", "story"),
        ]
        estimates, _ = run_replay(data, targets, estimators=["snips"], bootstrap=200)
        for e in estimates:
            if e.segment is not None:
                continue
            target = next(t for t in targets if t.name == e.target)
            truth = true_value(
                data, target, users, setup.audience, {}, values=truth_of(setup, definition)
            ).value
            mark = "covers" if e.ci_low <= truth <= e.ci_high else "MISSES"
            figures[f"replay {e.target} {definition}"] = e.estimate
            figures[f"replay {e.target} {definition} covered"] = float(mark == "covers")
            rows.append(
                (
                    f"replay of the clicks log under {definition}: {e.target} artwork",
                    f"{e.estimate:.2%} [{e.ci_low:.2%}, {e.ci_high:.2%}]  true {truth:.2%}"
                    f" ({mark})",
                )
            )
    return rows
