"""``thumbnail-bandit rewards ...``: reward definitions, stored in the log and versioned, that
turn a decision's signals (click, play, watch_minutes, ...) into its reward."""

from __future__ import annotations

import argparse
import json
import re

import storage
from bandit.reward_definition import definition
from thumbnail_bandit.cli.usage import UsageError

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> float:
    """``6h``, ``30m``, ``90s``, ``2d`` or plain seconds."""
    found = _DURATION.match(text.strip())
    if found is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 6h, 30m or 90s")
    return float(found.group(1)) * _SECONDS[found.group(2)]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rewards = commands.add_parser(
        "rewards",
        help="define the reward from signals (click, play, watch_minutes, ...)",
        description="A definition names an expression over signal names (1 if watch_minutes"
        " >= 5 else 0; 0.2 * click + 0.8 * min(watch_minutes, 30) / 30), the window after a"
        " decision in which signals count, the default when none came, and how each"
        " signal's values combine. Defining a name again adds a version. `replay --reward"
        " NAME` evaluates any target under it, on a log written before it existed.",
    )
    actions = rewards.add_subparsers(dest="action", required=True)
    define = actions.add_parser("define", help="add a definition (or its next version)")
    define.add_argument("name")
    define.add_argument("--expr", required=True, help="the expression, over signal names")
    define.add_argument(
        "--window", type=duration, required=True, help="signals count this long: 6h, 30m, 90s"
    )
    define.add_argument("--default", type=float, default=0.0, help="when no signal came")
    define.add_argument(
        "--combine",
        action="append",
        default=[],
        metavar="SIGNAL=HOW",
        help="first, last, sum or max of a signal's values (default max); repeatable",
    )
    define.add_argument(
        "--range",
        default="0,1",
        metavar="LOW,HIGH",
        help="the expression's range, mapped onto a reward in [0, 1] (default 0,1)",
    )
    listing = actions.add_parser(
        "list", help="every definition's newest version; * marks the one served"
    )
    activate = actions.add_parser(
        "activate",
        help="serve checkpoints learned for this definition (`learn --reward NAME`)",
        description="Choosers (library and service workers) switch to this definition's"
        " newest good checkpoint within their reload time (5 s by default). `activate"
        " reward` goes back to the built-in reward.",
    )
    activate.add_argument("name")
    activate.add_argument(
        "--force",
        action="store_true",
        help="activate before anything is learned for it: choosers serve their starting"
        " policy until its first checkpoint",
    )
    show = actions.add_parser("show", help="one definition")
    show.add_argument("name")
    show.add_argument("--version", dest="version_no", type=int, help="default: the newest")
    for parser in (define, listing, show, activate):
        parser.add_argument("--db", help="the log (SQLite path or URL, PostgreSQL URL)")
        parser.add_argument("--json", action="store_true", help="JSON on stdout")
    rewards.set_defaults(run=run)


def _combine(pairs: list[str]) -> dict[str, str]:
    combine = {}
    for pair in pairs:
        name, sep, how = pair.partition("=")
        if not sep:
            raise UsageError(f"--combine takes SIGNAL=HOW, got {pair!r}")
        combine[name.strip()] = how.strip()
    return combine


def _range(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--range takes LOW,HIGH, got {text!r}") from None
    return low, high


def run(args: argparse.Namespace) -> int:
    with storage.open_log(args.db) as log:
        if args.action == "define":
            low, high = _range(args.range)
            stored = log.define_reward(
                definition(
                    args.name,
                    args.expr,
                    window_s=args.window,
                    default=args.default,
                    combine=_combine(args.combine),
                    low=low,
                    high=high,
                )
            )
            shown = [stored]
        elif args.action == "activate":
            shown = [log.activate_reward(args.name, force=args.force)]
            if not args.json:
                print(f"serving {args.name!r}: choosers switch within their reload time")
        elif args.action == "show":
            shown = [log.reward_definition(args.name, args.version_no)]
        else:
            shown = log.reward_definitions()
        active = log.active_reward()
    if args.json:
        print(json.dumps([_row(d, active) for d in shown]))
    for d in [] if args.json else shown:
        combine = ", ".join(f"{k}={v}" for k, v in sorted(d.combine.items())) or "max of each"
        window = "its decision's window" if d.version == 0 else f"window {d.window_s:g} s"
        print(
            f"{_mark(d, active, args.action)}{d.name} v{d.version}\t{d.expression}\t"
            f"{window}\tdefault {d.default_value:g}\trange [{d.low:g}, {d.high:g}]\t{combine}"
        )
    return 0


def _mark(d: storage.RewardDefinition, active: str, action: str) -> str:
    """``list`` marks the definition served with ``*``."""
    return "" if action != "list" else "* " if d.name == active else "  "


def _row(d: storage.RewardDefinition, active: str) -> dict[str, object]:
    return {
        "name": d.name,
        "version": d.version,
        "active": d.name == active,
        "expression": d.expression,
        "window_s": None if d.version == 0 else d.window_s,
        "default": d.default_value,
        "combine": dict(d.combine),
        "range": [d.low, d.high],
        "created_at": None if d.created_at is None else d.created_at.isoformat(),
    }
