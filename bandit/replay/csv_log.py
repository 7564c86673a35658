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
from array import array
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, overload

import numpy as np

from bandit.replay.data import LoggedData
from bandit.replay.errors import BadLog
from bandit.replay.sparse import CandidateSets

REQUIRED = ("action", "propensity", "reward")
OPTIONAL = ("event_id", "timestamp", "segment", "candidates", "n_actions")

#: Distinct actions a CSV log may name. Artwork choices have a handful per title; a file with
#: far more is most likely ids of something else, and would only exhaust memory.
MAX_ACTIONS = 100_000

#: Distinct candidate sets stored once; past this, new sets are kept row by row.
MAX_SHARED_SETS = 10_000


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
    columns_seen = _Columns(path)
    skipped: Counter[str] = Counter()
    examples: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        try:
            columns_seen.add(_parse(raw), line)
        except _BadRow as bad:
            if not skip_bad_rows:
                raise BadLog(f"{path}:{line}: {bad.detail}") from None
            skipped[bad.reason] += 1
            examples.setdefault(bad.reason, line)
    if not columns_seen.rows:
        detail = f" ({sum(skipped.values())} bad rows skipped)" if skipped else ""
        raise BadLog(f"{path}: the log has no usable rows{detail}")
    return columns_seen.logged_data(
        {f"{reason} (first at line {examples[reason]})": n for reason, n in skipped.items()}
    )


class _EventIds(Sequence[str]):
    """The rows' event ids: the file's own where it gives one, else ``<file>-<line>``, made
    when asked for rather than stored a million times."""

    def __init__(self, stem: str, lines: array[int], given: dict[int, str]) -> None:
        self._stem, self._lines, self._given = stem, lines, given

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return self._given.get(i) or f"{self._stem}-{self._lines[i]}"


class _Columns:
    """The rows read so far, column by column in compact arrays: memory grows with the rows
    and the candidates they list, not with rows x distinct actions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self.action_ids: dict[str, int] = {}
        self.chosen = array("q")
        self.propensity = array("d")
        self.reward = array("d")
        self.segment_ids: dict[str, int] = {}
        self.segment = array("q")
        # Candidate sets: repeated ones are stored once while they are few (a catalogue's
        # titles); past MAX_SHARED_SETS each new set is kept as it comes, in flat arrays.
        self.set_ids: dict[tuple[int, ...], int] = {}
        self.set_actions = array("q")
        self.set_sizes = array("q")
        self.set_of_row = array("q")  # -1: no candidate list, every action the log knows
        self.event_ids: dict[int, str] = {}  # only the ids the file gives, by row
        self.lines = array("q")
        self.times = array("q")  # microseconds since the epoch, naive
        self.have_times = True
        self.contexts: dict[int, dict[str, Any]] = {}  # only rows with context columns

    def _action(self, name: str) -> int:
        found = self.action_ids.get(name)
        if found is None:
            if len(self.action_ids) >= MAX_ACTIONS:
                raise BadLog(
                    f"{self.path}: more than {MAX_ACTIONS:,} distinct actions; replay"
                    " evaluates artwork choices, not open-ended ids (split the log per title)"
                )
            found = self.action_ids[name] = len(self.action_ids)
        return found

    def add(self, row: dict[str, Any], line: int) -> None:
        self.chosen.append(self._action(row["action"]))
        self.propensity.append(row["propensity"])
        self.reward.append(row["reward"])
        self.segment.append(self.segment_ids.setdefault(row["segment"], len(self.segment_ids)))
        if row["candidates"]:
            self.set_of_row.append(self._set({self._action(c) for c in row["candidates"]}))
        else:
            self.set_of_row.append(-1)
        if row["event_id"]:
            self.event_ids[self.rows] = row["event_id"]
        self.lines.append(line)
        when = row["timestamp"]
        if when is None:
            self.have_times = False
        elif self.have_times:
            # An offset is honoured (00:30+01:00 is 23:30 UTC the day before); a time without
            # one is taken as UTC.
            utc = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
            self.times.append(int(np.datetime64(utc, "us").astype(np.int64)))
        if row["context"]:
            self.contexts[self.rows] = row["context"]
        self.rows += 1

    def _set(self, actions: set[int]) -> int:
        key = tuple(sorted(actions))
        found = self.set_ids.get(key)
        if found is not None:
            return found
        new = len(self.set_sizes)
        if len(self.set_ids) < MAX_SHARED_SETS:
            self.set_ids[key] = new
        self.set_actions.extend(key)
        self.set_sizes.append(len(key))
        return new

    def logged_data(self, skipped: dict[str, int]) -> LoggedData:
        # Sorted vocabulary, as a reader of the output expects; remap the first-seen indices.
        vocabulary = sorted(self.action_ids)
        remap = np.empty(len(vocabulary), dtype=np.int64)
        for new, name in enumerate(vocabulary):
            remap[self.action_ids[name]] = new
        sizes = np.frombuffer(self.set_sizes, dtype=np.int64)
        actions = remap[np.frombuffer(self.set_actions, dtype=np.int64)]
        owners = np.repeat(np.arange(len(sizes)), sizes)
        actions = actions[np.lexsort((actions, owners))]  # sorted within each set again
        of_row = np.frombuffer(self.set_of_row, dtype=np.int64).copy()
        if (of_row < 0).any():  # rows without a candidate list share one set: everything
            of_row[of_row < 0] = len(sizes)
            sizes = np.append(sizes, len(vocabulary))
            actions = np.concatenate([actions, np.arange(len(vocabulary))])
        candidates = CandidateSets(
            of_row, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), actions
        )
        segment_names = sorted(self.segment_ids)
        seg_remap = np.empty(len(segment_names), dtype=np.int64)
        for new, name in enumerate(segment_names):
            seg_remap[self.segment_ids[name]] = new
        segment_index = seg_remap[np.frombuffer(self.segment, dtype=np.int64)]
        names = np.array(segment_names, dtype=str)
        return LoggedData(
            actions=tuple(vocabulary),
            chosen=remap[np.frombuffer(self.chosen, dtype=np.int64)],
            propensity=np.frombuffer(self.propensity, dtype=np.float64).copy(),
            reward=np.frombuffer(self.reward, dtype=np.float64).copy(),
            segment=names[segment_index],
            candidates=candidates,
            event_id=_EventIds(self.path.stem, self.lines, self.event_ids),
            timestamp=np.frombuffer(self.times, dtype=np.int64).astype("datetime64[us]")
            if self.have_times
            else None,
            contexts=[
                {"segment": names[s] or "all", **self.contexts.get(i, {})}
                for i, s in enumerate(segment_index)
            ]
            if self.contexts
            else None,
            skipped=skipped,
            segment_names=tuple(segment_names),
            segment_index=segment_index,
        )
