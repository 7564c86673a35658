"""``thumbnail-bandit decision EVENT_ID``: one logged decision, with its reward, as JSON."""

from __future__ import annotations

import argparse
import json

import storage


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = commands.add_parser(
        "decision",
        help="show one logged decision and its reward (JSON)",
        description="Print the decision logged under EVENT_ID: the candidates and pmf it was"
        " made with, the artwork chosen and its probability, whether it was activated, and"
        " the reward if one came.",
    )
    show.add_argument("event_id", metavar="EVENT_ID")
    show.add_argument("--db", help="the log (SQLite path or URL, PostgreSQL URL)")
    show.set_defaults(run=run_decision)


def run_decision(args: argparse.Namespace) -> int:
    with storage.open_log(args.db) as log:
        d = log.decision(args.event_id)
        reward = log.reward(args.event_id)
    row = {
        "event_id": d.event_id,
        "title_id": d.title_id,
        "created_at": d.created_at.isoformat(),
        "context": dict(d.context),
        "candidate_ids": list(d.candidate_ids),
        "pmf": list(d.pmf),
        "artwork_id": d.artwork_id,
        "probability": d.probability,
        "policy_version": d.policy_version,
        "activated": d.activated,
        "apprentice_policy_pmf": None if d.policy_pmf is None else list(d.policy_pmf),
        "exploration": dict(d.exploration),
        "reward_deadline": d.reward_deadline.isoformat(),
        "reward": None if reward is None else {"value": reward.value, "late": reward.late},
        "experiment": None
        if d.assignment is None
        else {
            "name": d.exploration.get("experiment"),
            "arm": d.assignment.arm,
            "arm_probability": d.assignment.probability,
            "unit": d.assignment.unit,
        },
    }
    print(json.dumps(row, indent=2, ensure_ascii=False))
    return 0
