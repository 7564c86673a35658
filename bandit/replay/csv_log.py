"""Import logged decisions from any system as CSV, one row per decision.

| column | required | meaning |
|---|---|---|
| action | yes | the chosen action's id |
| propensity | yes | the logging policy's probability of it, in (0, 1] |
| reward | yes | in [0, 1] |
| event_id | no | generated when absent |
| timestamp | no | ISO 8601 |
| segment | no | the context segment |
| candidates | no | candidate ids separated by ``;`` |
| n_actions | no | the number of candidates |

Every other column is a context feature. A bad row is an error naming its line; with
``skip_bad_rows`` it is left out and counted by reason instead.
"""

from __future__ import annotations

import csv
import difflib
import math
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from bandit.replay.data import LoggedData, check_size
from bandit.replay.errors import BadLog

REQUIRED = ("action", "propensity", "reward")
OPTIONAL = ("event_id", "timestamp", "segment", "candidates", "n_actions")


class _BadRow(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail


def _number(row: dict[str, str], column: str) -> float:
    text = (row.get(column) or "").strip()
    if not text:
        raise _BadRow(f"missing {column}", f"{column} is empty")
    try:
        value = float(text)
    except ValueError:
        raise _BadRow(f"non-numeric {column}", f"{column} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise _BadRow(f"non-finite {column}", f"{column} is {text}")
    return value


def _parse(row: dict[str, str]) -> dict[str, Any]:
    action = (row.get("action") or "").strip()
    if not action:
        raise _BadRow("missing action", "action is empty")
    propensity = _number(row, "propensity")
    if not 0.0 < propensity <= 1.0:
        raise _BadRow("propensity outside (0, 1]", f"propensity {propensity:g} is not in (0, 1]")
    reward = _number(row, "reward")
    if not 0.0 <= reward <= 1.0:
        raise _BadRow("reward outside [0, 1]", f"reward {reward:g} is not in [0, 1]")
    candidates = [c.strip() for c in (row.get("candidates") or "").split(";") if c.strip()]
    if candidates and action not in candidates:
        raise _BadRow("action not among candidates", f"action {action!r} is not in {candidates}")
    if row.get("n_actions"):
        n_actions = _number(row, "n_actions")
        if n_actions < 1 or n_actions != int(n_actions):
            raise _BadRow("bad n_actions", f"n_actions {row['n_actions']!r} is not a count >= 1")
        if candidates and len(candidates) != int(n_actions):
            raise _BadRow(
                "n_actions disagrees with candidates",
                f"n_actions {int(n_actions)} but {len(candidates)} candidates",
            )
        if propensity < 1.0 / n_actions / 1e6:
            pass  # allowed: a logger can be very unlikely to choose an action
    timestamp = None
    if row.get("timestamp"):
        try:
            timestamp = datetime.fromisoformat(row["timestamp"].strip())
        except ValueError:
            raise _BadRow(
                "bad timestamp", f"timestamp {row['timestamp']!r} is not ISO 8601"
            ) from None
    context = {
        k: v for k, v in row.items() if k not in REQUIRED + OPTIONAL and k and v not in (None, "")
    }
    return {
        "action": action,
        "propensity": propensity,
        "reward": reward,
        "candidates": candidates,
        "segment": (row.get("segment") or "").strip(),
        "event_id": (row.get("event_id") or "").strip(),
        "timestamp": timestamp,
        "context": context,
    }


def load_csv_log(path: str | Path, *, skip_bad_rows: bool = False) -> LoggedData:
    """Read a CSV log. Raises BadLog with the file and line of the first problem."""
    path = Path(path)
    try:
        # utf-8-sig: a header that starts with a byte-order mark (as Excel writes) is accepted.
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise BadLog(f"{path}: cannot read ({exc.strerror})") from exc
    with handle:
        try:
            return _read(path, handle, skip_bad_rows)
        except UnicodeDecodeError as exc:
            line = _line_of_byte(path)
            raise BadLog(
                f"{path}:{line}: not UTF-8 text ({exc.reason}); re-save the file as UTF-8"
            ) from None
        except csv.Error as exc:
            raise BadLog(f"{path}: not a readable CSV file ({exc})") from None


def _line_of_byte(path: Path) -> int:
    """The 1-based number of the first line of ``path`` that is not valid UTF-8."""
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _read(path: Path, handle: TextIO, skip_bad_rows: bool) -> LoggedData:
    reader = csv.DictReader(handle)
    columns = [c.strip() for c in reader.fieldnames or []]
    reader.fieldnames = columns
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        hints = []
        for name in missing:
            close = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
            hints.append(f"{name!r}" + (f" (is {close[0]!r} it?)" if close else ""))
        raise BadLog(f"{path}: missing required column(s) {', '.join(hints)}; found {columns}")
    rows: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    examples: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        try:
            rows.append(_parse(raw))
        except _BadRow as bad:
            if not skip_bad_rows:
                raise BadLog(f"{path}:{line}: {bad.detail}") from None
            skipped[bad.reason] += 1
            examples.setdefault(bad.reason, line)
    if not rows:
        detail = f" ({sum(skipped.values())} bad rows skipped)" if skipped else ""
        raise BadLog(f"{path}: the log has no usable rows{detail}")
    vocabulary = sorted({r["action"] for r in rows} | {c for r in rows for c in r["candidates"]})
    index = {a: i for i, a in enumerate(vocabulary)}
    n, n_actions = len(rows), len(vocabulary)
    check_size(n, n_actions, str(path))
    candidates = np.zeros((n, n_actions), dtype=bool)
    for i, r in enumerate(rows):
        if r["candidates"]:
            candidates[i, [index[c] for c in r["candidates"]]] = True
        else:
            candidates[i] = True  # no candidate list: every action known to the log
    have_times = all(r["timestamp"] is not None for r in rows)
    return LoggedData(
        actions=tuple(vocabulary),
        chosen=np.array([index[r["action"]] for r in rows], dtype=np.int64),
        propensity=np.array([r["propensity"] for r in rows]),
        reward=np.array([r["reward"] for r in rows]),
        segment=np.array([r["segment"] for r in rows], dtype=str),
        candidates=candidates,
        event_id=[r["event_id"] or f"{path.stem}-{i + 2}" for i, r in enumerate(rows)],
        timestamp=np.array([np.datetime64(r["timestamp"].replace(tzinfo=None)) for r in rows])
        if have_times
        else None,
        contexts=[{"segment": r["segment"] or "all", **r["context"]} for r in rows],
        skipped={
            f"{reason} (first at line {examples[reason]})": count
            for reason, count in skipped.items()
        },
    )
