"""``python -m bandit.learn --db URL``: run the learner once, or keep it running."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import storage
from bandit.errors import BanditError
from bandit.learner import Learner
from bandit.policies.registry import POLICIES, build_policy


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bandit.learn",
        description="Join matured decisions and learn them into a new checkpoint, exactly once.",
    )
    parser.add_argument("--db", required=True, help="the log's SQLAlchemy URL or SQLite path")
    parser.add_argument(
        "--policy",
        default="vw",
        choices=sorted(POLICIES),
        help="policy for a log with no checkpoint",
    )
    parser.add_argument("--exploration", default="epsilon", help="VW: epsilon|softmax|bag|squarecb")
    parser.add_argument("--epsilon", type=float, default=0.05)
    parser.add_argument("--every", type=float, default=0.0, help="repeat every N seconds")
    args = parser.parse_args(argv)
    params = (
        {"exploration": args.exploration, "epsilon": args.epsilon} if args.policy == "vw" else {}
    )
    try:
        build_policy(args.policy, params)  # fail on bad settings before touching the log
        learner = Learner(args.db, lambda: build_policy(args.policy, params))
        while True:
            report = learner.run_once()
            print(
                f"joined {report.joined}, learned {report.learned}, skipped {report.skipped};"
                f" checkpoint {report.version} at sequence {report.last_seq}",
                flush=True,
            )
            if args.every <= 0:
                return 0
            time.sleep(args.every)
    except (BanditError, storage.StorageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
