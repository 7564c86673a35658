"""``thumbnail-bandit learn``: join matured decisions and learn them into checkpoints."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import timedelta
from pathlib import Path

import storage
from bandit.errors import InvalidPolicyArgs, LogUnavailable
from bandit.experiments import apply_guardrails, learn_arm_lineages
from bandit.learner import Learner, LearnReport
from bandit.loop_status import no_reward_note, waiting_line
from bandit.policies.registry import DEFAULT_POLICY, POLICIES
from thumbnail_bandit.cli.settings import read_settings, same_policy
from thumbnail_bandit.cli.usage import UsageError
from thumbnail_bandit.progress import progress_bar

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    learn = commands.add_parser(
        "learn",
        help="learn the log's matured decisions into a new checkpoint, exactly once",
        description="Join decisions whose reward window has closed and learn them into a new"
        " checkpoint, exactly once. The policy settings apply to a log with no checkpoint yet;"
        " a log that has one keeps its policy unless --restart-from-scratch is given.",
    )
    learn.add_argument("--db", help="the log (SQLite path or URL, PostgreSQL URL)")
    learn.add_argument(
        "--policy", choices=sorted(POLICIES), help=f"policy (default: {DEFAULT_POLICY})"
    )
    learn.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a policy setting, e.g. --set exploration=squarecb --set gamma_scale=50",
    )
    learn.add_argument("--settings", type=Path, help="a TOML file: policy = NAME and [params]")
    learn.add_argument(
        "--restart-from-scratch",
        action="store_true",
        help="train these settings' policy afresh on the whole log, replacing the log's model",
    )
    learn.add_argument("--every", type=float, help="keep going: learn again every N seconds")
    learn.add_argument(
        "--reward-window",
        type=float,
        metavar="SECONDS",
        help="for a trial: join decisions made at least this long ago, even if their own"
        " window (serve --reward-window, 30 min by default) is longer; rewards that come"
        " later are kept, flagged late, and not learned",
    )
    learn.add_argument(
        "--reward",
        default=storage.BUILT_IN_REWARD,
        metavar="NAME",
        help="the reward definition to learn (`rewards define`), into a lineage of its own;"
        " default: reward, what reward() sends. `rewards activate NAME` serves it",
    )
    learn.add_argument("--quiet", action="store_true", help="no progress bar")
    learn.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.every is not None and not args.every > 0:
        raise UsageError(f"--every takes a number of seconds above 0, got {args.every}")
    if args.reward_window is not None and not args.reward_window >= 0:
        raise UsageError(f"--reward-window takes seconds, 0 or more, got {args.reward_window}")
    window = None if args.reward_window is None else timedelta(seconds=args.reward_window)
    settings = read_settings(args.policy, args.set, args.settings)
    with (
        storage.open_log(args.db) as log,
        Learner(
            log,
            settings.build,
            restart=args.restart_from_scratch,
            reward_window=window,
            reward=args.reward,
        ) as learner,
    ):
        head = learner.head_policy()
        changed = head is not None and not same_policy(settings, *head)
        if changed and settings.explicit and not args.restart_from_scratch:
            raise InvalidPolicyArgs(
                "the log's model was learned with other policy settings; changing them"
                " discards what it learned. Rerun with --restart-from-scratch to train the"
                " new settings on the whole log, or drop --policy/--set/--settings to keep"
                " learning the current one"
            )
        if args.every is None:
            _report(_learn_once(log, learner, args.quiet), learner)
            return 0
        return _keep_learning(log, learner, args.every, args.quiet)


def _learn_once(log: storage.Log, learner: Learner, quiet: bool) -> LearnReport:
    """A round: the learner's, then the experiments' (their policy arms' lineages, and
    the guardrails that stop an arm worse than control)."""
    with progress_bar("learning", "example", quiet=quiet) as bar:
        report = learner.run_once(progress=bar)
    for key, learned in learn_arm_lineages(log):
        print(f"experiment lineage {key}: learned {learned}", flush=True)
    for stop in apply_guardrails(log):
        low, high = stop.evidence["confidence_sequence"]
        print(
            f"experiment {stop.experiment}: arm {stop.arm} stopped, worse than control"
            f" ({stop.evidence['difference']:.4f} [{low:.4f}, {high:.4f}] after"
            f" {stop.evidence['decisions']} decisions); its units go to control",
            flush=True,
        )
    return report


def _report(report: LearnReport, learner: Learner) -> None:
    print(
        f"joined {report.joined}, learned {report.learned}, skipped {report.skipped};"
        f" checkpoint {report.version} at sequence {report.last_seq}"
        + ("" if learner.reward == storage.BUILT_IN_REWARD else f", learning {learner.reward!r}"),
        flush=True,
    )
    waiting = learner.waiting()
    print(waiting_line(waiting), flush=True)
    note = no_reward_note(waiting)
    if note is not None:
        print(f"note: {note}", file=sys.stderr, flush=True)


#: After the log fails, wait this long, doubling up to `BACKOFF_MOST_S`, before trying again.
BACKOFF_FIRST_S = 1.0
BACKOFF_MOST_S = 60.0


def _keep_learning(log_: storage.Log, learner: Learner, every: float, quiet: bool) -> int:
    """``learn --every``: a loop a supervisor can leave running. An unavailable log (a server
    stopped, a disk full) is logged and retried with backoff; each pass starts from the head
    checkpoint, so a pass cut short is learned again from there, exactly once. It stops on
    SIGTERM or SIGINT (exit 0); a bad configuration or a corrupt head still ends it (1)."""
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(message)s", level=logging.INFO, stream=sys.stderr
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    failures = 0
    while not stop.is_set():
        try:
            report = _learn_once(log_, learner, quiet)
            _report(report, learner)  # it reads the log too: an outage there is retried alike
        except LogUnavailable as exc:
            wait = min(BACKOFF_MOST_S, BACKOFF_FIRST_S * 2**failures)
            failures += 1
            log.warning("the log is unavailable (%s); trying again in %.0f s", exc, wait)
            stop.wait(wait)
            continue
        if failures:
            log.info("the log is back after %d failed attempt(s)", failures)
            failures = 0
        stop.wait(every)
    log.info("stopped by a signal; the next run goes on from the head checkpoint")
    return 0
