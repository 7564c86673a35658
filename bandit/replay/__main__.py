"""``python -m bandit.replay (--db URL | --log FILE) --target T [--target T ...]``"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import storage
from bandit.errors import BanditError
from bandit.replay.csv_log import load_csv_log
from bandit.replay.report import json_lines, table, write_html
from bandit.replay.run import parse_target, run_replay
from bandit.replay.sql_log import load_sql_log


def _time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bandit.replay",
        description="Estimate how other policies would have done on logged decisions.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", help="the engine's SQL log (SQLAlchemy URL or SQLite path)")
    source.add_argument("--log", type=Path, help="a CSV log from any system (see README)")
    parser.add_argument(
        "--target",
        action="append",
        required=True,
        help="table.csv | uniform | thompson | greedy | vw[:k=v,...] | checkpoint:latest",
    )
    parser.add_argument("--by", choices=["segment"], help="also estimate per segment")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--out", type=Path, help="write an HTML report with plots here")
    parser.add_argument("--title", help="--db only: this title's decisions")
    parser.add_argument("--since", type=_time, help="--db only: decisions at or after (ISO 8601)")
    parser.add_argument("--until", type=_time, help="--db only: decisions before (ISO 8601)")
    parser.add_argument("--policy-version", help="--db only: decisions of this policy version")
    parser.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="--log only: leave bad rows out, counted by reason",
    )
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples")
    parser.add_argument("--clip", type=float, default=10.0, help="weight clip for clipped-*")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        if args.db:
            data = load_sql_log(
                args.db,
                title=args.title,
                since=args.since,
                until=args.until,
                policy_version=args.policy_version,
            )
        else:
            data = load_csv_log(args.log, skip_bad_rows=args.skip_bad_rows)
        targets = [parse_target(spec, args.db) for spec in args.target]
        estimates, curves = run_replay(
            data,
            targets,
            by_segment=args.by == "segment",
            bootstrap=args.bootstrap,
            clip=args.clip,
            seed=args.seed,
        )
    except (BanditError, storage.StorageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for reason, count in data.skipped.items():
        print(f"skipped {count} bad row(s): {reason}", file=sys.stderr)
    print(json_lines(estimates) if args.json else table(estimates))
    if args.out:
        report = write_html(estimates, curves, args.out, str(args.db or args.log))
        print(f"report: {report}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
