"""``thumbnail-bandit salt ...``: the log's secret sampling salt (never printed)."""

from __future__ import annotations

import argparse

import storage


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    salt = commands.add_parser(
        "salt",
        help="show or rotate the log's secret sampling salt",
        description="Every decision's draw from its pmf is fixed by its event id and the log's"
        " secret salt, so no client can choose its draw by choosing its event id. `rotate`"
        " starts a new salt (choosers take it within their reload time); old ones stay, so"
        " every logged decision can still be reproduced. The secret itself is never printed.",
    )
    actions = salt.add_subparsers(dest="action", required=True)
    for action, text in (("show", "the salt in use: its id and age"), ("rotate", "a new salt")):
        parser = actions.add_parser(action, help=text)
        parser.add_argument("--db", help="the log (SQLite path or URL, PostgreSQL)")
    salt.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with storage.open_log(args.db) as log:
        current = log.rotate_salt() if args.action == "rotate" else log.sampling_salt()
    verb = "now in use" if args.action == "rotate" else "in use"
    print(f"salt {current.id} {verb} (made {current.created_at.isoformat(timespec='seconds')})")
    return 0
