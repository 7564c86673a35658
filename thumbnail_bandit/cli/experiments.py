"""``thumbnail-bandit experiments ...``: prove a policy on live traffic before it takes it all.

``start`` screens each challenger by replay on the log and starts; ``status`` prints the arms
and the anytime-valid difference to control (``--json`` for dashboards, ``--out`` for the
HTML report); ``stop`` ends it, or one arm; ``promote`` makes an arm what serves its titles.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import storage
from bandit.experiments import (
    experiment_status,
    promote,
    start_experiment,
    stop_arm,
    stop_experiment,
)
from bandit.experiments.report import write_report
from bandit.experiments.status import ExperimentStatus, summary_json

REPORT_EVERY = 100
"""The report reads the confidence sequence after every this many joined decisions."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    experiments = commands.add_parser(
        "experiments",
        help="online experiments: arms sharing a title's traffic, always-valid results",
        description="An experiment splits its titles' units (the rank request's unit_id,"
        " hashed with the log's secret) between arms: head, checkpoint:N, baseline, or"
        " policy:NAME[?key=value&...]. Its results are valid however often they are read.",
    )
    actions = experiments.add_subparsers(dest="action", required=True)
    start = actions.add_parser(
        "start",
        help="screen the challengers by replay, then start",
        description="Each arm is NAME=SPEC:SHARE, control first; shares sum to 100. Before"
        " any member sees a challenger, each arm is replayed on the log; a challenger whose"
        " interval lies wholly below control's is refused (--force starts it anyway, and"
        " the log records that).",
    )
    start.add_argument("name")
    start.add_argument("--title", action="append", required=True, help="repeatable")
    start.add_argument(
        "--arm",
        action="append",
        required=True,
        metavar="NAME=SPEC:SHARE",
        help="e.g. control=head:90 challenger=policy:thompson:10 (repeatable; control first)",
    )
    start.add_argument("--reward", default=storage.BUILT_IN_REWARD, help="the definition")
    start.add_argument("--force", action="store_true", help="start despite the screen")
    status = actions.add_parser("status", help="arms, difference to control, verdict")
    status.add_argument("name")
    status.add_argument("--out", type=Path, help="write the HTML report here")
    stop = actions.add_parser("stop", help="end an experiment, or stop one arm (--arm)")
    stop.add_argument("name")
    stop.add_argument("--arm", help="stop this arm only: its units go to control")
    stop.add_argument("--reason", default="stopped by hand")
    promoting = actions.add_parser(
        "promote", help="make an arm what serves the titles, and end the experiment"
    )
    promoting.add_argument("name")
    promoting.add_argument("arm")
    listing = actions.add_parser("list", help="every experiment, newest first")
    for parser in (start, status, stop, promoting, listing):
        parser.add_argument("--db", help="the log (SQLite path or URL, PostgreSQL URL)")
        parser.add_argument("--json", action="store_true", help="JSON on stdout")
    experiments.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with storage.open_log(args.db) as log:
        if args.action == "start":
            experiment, screen = start_experiment(
                log, args.name, args.title, args.arm, reward=args.reward, force=args.force
            )
            _print_started(args, experiment, screen.as_json())
            return 0
        if args.action == "list":
            shown = log.experiments()
            if args.json:
                print(json.dumps([summary_json(e) for e in shown]))
            for e in [] if args.json else shown:
                arms = " ".join(f"{a.name}={a.spec}:{a.share}" for a in e.arms)
                print(f"{e.name}\t{e.status}\t{','.join(e.titles)}\t{arms}\t{e.reward}")
            return 0
        if args.action == "stop":
            if args.arm:
                stop_arm(log, args.name, args.arm, args.reason)
            else:
                stop_experiment(log, args.name, args.reason)
        elif args.action == "promote":
            promote(log, args.name, args.arm)
        out = getattr(args, "out", None)
        status = experiment_status(log, args.name, every=REPORT_EVERY if out else 0)
        report = None
        if out is not None:
            experiment = status.experiment
            report = write_report(
                status,
                log.experiment_served(experiment.id),
                log.experiment_changes(experiment.id),
                out,
            )
    if args.json:
        row = status.as_json()
        if report is not None:
            row["report"] = str(report)
        print(json.dumps(row))
    else:
        _print_status(status)
        if report is not None:
            print(f"report: {report}")
    return 0


def _print_started(
    args: argparse.Namespace, experiment: storage.Experiment, screen: dict[str, object]
) -> None:
    if args.json:
        print(json.dumps({**summary_json(experiment), "screen": screen}))
        return
    print(f"started {experiment.name} on {', '.join(experiment.titles)}")
    if screen["skipped"]:
        print(f"  not screened: {screen['skipped']}")
    for arm in screen["arms"]:  # type: ignore[attr-defined]
        low, high = (_cell(math.nan if v is None else v) for v in arm["interval"])
        estimate = _cell(math.nan if arm["estimate"] is None else arm["estimate"])
        note = f" ({arm['note']})" if arm["note"] else ""
        print(f"  screen {arm['arm']} ({arm['target']}): {estimate} [{low}, {high}]{note}")


def _cell(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) else "-"


def _print_status(status: ExperimentStatus) -> None:
    e = status.experiment
    print(f"{e.name} ({e.status}) on {', '.join(e.titles)}, judged by {e.reward}")
    print("arm\tshare\tstate\tunits\tdecisions\tjoined\tmean [95% anytime]")
    for a in status.arms:
        print(
            f"{a.name}\t{a.share}%\t{a.stopped or 'running'}\t{a.units}\t{a.decisions}\t"
            f"{a.joined}\t{_cell(a.mean)} [{_cell(a.low)}, {_cell(a.high)}]"
        )
    for d in status.differences:
        now = d.now
        print(
            f"{d.arm} - {d.control}: {_cell(now.difference)}"
            f" [{_cell(now.low)}, {_cell(now.high)}] after {now.decisions} decisions:"
            f" {d.verdict}"
        )
    print(f"verdict: {status.verdict}")
