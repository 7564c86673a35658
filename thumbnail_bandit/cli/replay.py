"""``thumbnail-bandit replay``: estimate how other policies would have done on a log."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import storage
from bandit.replay.csv_log import load_csv_log
from bandit.replay.estimators import ESTIMATORS
from bandit.replay.report import csv_text, json_lines, table, write_html
from bandit.replay.run import parse_target, run_replay
from bandit.replay.sql_log import load_sql_log
from bandit.replay.targets import LearningTarget
from thumbnail_bandit.cli.usage import CommandFailed, UsageError
from thumbnail_bandit.progress import progress_bar

_DB_ONLY = ("title", "since", "until", "policy_version", "reward")


def _time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def _alpha(text: str) -> float:
    value = _positive(text)
    if not value < 1:
        raise argparse.ArgumentTypeError(f"must be below 1, got {text}")
    return value


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return int(text)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = commands.add_parser(
        "replay",
        help="estimate how other policies would have done on logged decisions",
        description="Estimate how other policies would have done on logged decisions. Results"
        " go to stdout; warnings and progress to stderr.",
    )
    source = replay.add_mutually_exclusive_group()
    source.add_argument("--db", help="the engine's SQL log (SQLite path or URL, PostgreSQL URL)")
    source.add_argument("--log", type=Path, help="a CSV log from any system (see README)")
    replay.add_argument(
        "--target",
        action="append",
        required=True,
        help="table.csv | uniform | segment_mix | thompson | greedy | vw[:k=v,...]"
        " | checkpoint:latest | checkpoint:N",
    )
    replay.add_argument("--by", choices=["segment"], help="also estimate per segment")
    replay.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line, with in_sample, events_used and validity",
    )
    replay.add_argument("--out", type=Path, help="write an HTML report with plots here")
    replay.add_argument("--title", help="--db only: this title's decisions")
    replay.add_argument("--since", type=_time, help="--db only: decisions at or after (ISO 8601)")
    replay.add_argument("--until", type=_time, help="--db only: decisions before (ISO 8601)")
    replay.add_argument("--policy-version", help="--db only: decisions of this policy version")
    replay.add_argument(
        "--reward",
        metavar="NAME",
        help="--db only: score under this reward definition (`rewards define`), computed from"
        " each decision's signals, instead of the reward it was joined with",
    )
    replay.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="--log only: leave bad rows out, counted by reason",
    )
    replay.add_argument("--bootstrap", type=_count, default=200, help="bootstrap resamples")
    replay.add_argument(
        "--estimator",
        action="append",
        choices=ESTIMATORS,
        help="an estimator to report (repeatable; default: all)",
    )
    replay.add_argument(
        "--alpha", type=_alpha, default=0.05, help="1 - confidence level (default 0.05)"
    )
    replay.add_argument(
        "--in-sample",
        action="store_true",
        help="score checkpoints on the events they learned from too (optimistic; flagged)",
    )
    replay.add_argument("--csv", action="store_true", help="the summary table as CSV")
    replay.add_argument("--clip", type=_positive, default=10.0, help="weight clip for clipped-*")
    replay.add_argument("--seed", type=_count, default=0)
    replay.add_argument("--quiet", action="store_true", help="no progress bar")
    replay.set_defaults(run=run)


def _check_out(out: Path) -> None:
    """Fail before any work if the report folder cannot be written: no half-done output."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise CommandFailed(
            f"--out {out}: cannot write the report there ({exc.strerror or exc})"
        ) from exc


def run(args: argparse.Namespace) -> int:
    if args.json and args.csv:
        raise UsageError("choose one of --json and --csv")
    if args.out:
        _check_out(args.out)
    if args.log is not None:
        given = [f"--{n.replace('_', '-')}" for n in _DB_ONLY if getattr(args, n) is not None]
        if given:
            raise UsageError(f"{', '.join(given)} filter(s) the SQL log; they need --db, not --log")
    elif args.skip_bad_rows:
        raise UsageError("--skip-bad-rows applies to a CSV --log, not to --db")
    if args.db:
        with storage.open_log(args.db, migrate=False) as log:
            targets = [parse_target(spec, log) for spec in args.target]
            data = load_sql_log(
                log,
                title=args.title,
                since=args.since,
                until=args.until,
                policy_version=args.policy_version,
                reward=args.reward,
            )
    else:
        targets = [parse_target(spec) for spec in args.target]
        data = load_csv_log(args.log, skip_bad_rows=args.skip_bad_rows)
    learning = [t.name for t in targets if isinstance(t, LearningTarget)]
    if learning and not args.quiet:  # the slow ones: say what is going on
        print(
            f"replaying {', '.join(learning)} event by event over {data.n:,} decisions"
            " (a learning target learns each before it is scored)",
            file=sys.stderr,
        )
    with progress_bar("replay", "target", quiet=args.quiet) as bar:
        estimates, curves = run_replay(
            data,
            targets,
            by_segment=args.by == "segment",
            estimators=args.estimator or ESTIMATORS,
            alpha=args.alpha,
            bootstrap=args.bootstrap,
            clip=args.clip,
            seed=args.seed,
            in_sample=args.in_sample,
            progress=bar,
        )
    for reason, count in data.skipped.items():
        print(f"skipped {count} bad row(s): {reason}", file=sys.stderr)
    if len(data.reward) and not data.reward.any():
        print(
            f"note: all {len(data.reward):,} rewards are 0: no click (or no reward) arrived,"
            " so every estimate is 0 whatever the target",
            file=sys.stderr,
        )
    print(
        json_lines(estimates)
        if args.json
        else csv_text(estimates)
        if args.csv
        else table(estimates)
    )
    if args.out:
        source = storage.redact(args.db) if args.db else str(args.log)
        report = write_html(estimates, curves, args.out, source)
        print(json.dumps({"report": str(report)}) if args.json else f"report: {report}")
    return 0
