"""``thumbnail-bandit checkpoints ...``: the models the learner wrote; mark one bad."""

from __future__ import annotations

import argparse
import json
import sys

import storage


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    checkpoints = commands.add_parser("checkpoints", help="list checkpoints; mark one bad")
    cp_actions = checkpoints.add_subparsers(dest="action", required=True)
    cp_list = cp_actions.add_parser("list", help="every checkpoint, newest first")
    cp_list.add_argument("--json", action="store_true", help="JSON on stdout")
    mark = cp_actions.add_parser(
        "mark-bad",
        help="never serve or build on a checkpoint again",
        description="Choosers skip it at their next poll; the learner rebuilds from the newest"
        " good checkpoint before it.",
    )
    mark.add_argument("version", type=int)
    mark.add_argument("--reason", default="marked bad by an operator")
    for parser in (cp_list, mark):
        parser.add_argument("--db", help="the log (SQLite path or URL, PostgreSQL)")
    checkpoints.set_defaults(run=run_checkpoints)


def run_checkpoints(args: argparse.Namespace) -> int:
    with storage.open_log(args.db) as log:
        if args.action == "mark-bad":
            log.mark_checkpoint_bad(args.version, args.reason)
            print(f"checkpoint {args.version} marked bad")
            return 0
        found = log.checkpoints()
        if args.json:
            print(json.dumps([_row(info) for info in found]))
            return 0
        if not found:
            print("no checkpoints yet: `thumbnail-bandit learn` writes one", file=sys.stderr)
        for info in found:
            state = f"bad: {info.bad_reason}" if info.bad_reason else "good"
            print(
                f"{info.version}\t{info.reward}\tlearned through sequence {info.last_seq}\t{state}"
            )
    return 0


def _row(info: storage.CheckpointInfo) -> dict[str, object]:
    return {
        "version": info.version,
        "reward": info.reward,
        "last_seq": info.last_seq,
        "bad_reason": info.bad_reason,
    }
