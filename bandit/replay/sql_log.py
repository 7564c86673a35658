"""Read logged decisions straight from the engine's SQL log (any SQLAlchemy URL)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

import storage
from bandit.log_boundary import log_errors
from bandit.loop_status import waiting_line
from bandit.replay.data import LoggedData
from bandit.replay.errors import BadLog
from bandit.replay.sparse import CandidateSets, GroupedPmf
from bandit.reward_definition import rewarded


def load_sql_log(
    log: str | Path | storage.Log,
    *,
    title: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    policy_version: str | None = None,
    after_seq: int = 0,
    reward: str | None = None,
) -> LoggedData:
    """Joined decisions (whose reward is settled), optionally filtered, in join order.

    ``after_seq`` keeps only the examples joined after that sequence number (those a
    checkpoint with that cursor has not learned from). ``reward`` names a reward definition
    (`thumbnail-bandit rewards define`): each decision's reward is then that definition of
    its signals, whenever the definition was written, instead of the reward it was joined
    with.
    """
    where = storage.JoinedFilter(title, since, until, policy_version)
    with log_errors(), storage.using_log(log, migrate=False) as opened:
        rows = opened.joined(after_seq, where=where)
        if reward is not None and rows:
            rows = rewarded(opened, rows, opened.reward_definition(reward))
        waiting = None if rows else opened.waiting()
        artwork_ids = {aid for row in rows for aid in row.candidate_ids}
        features = {
            str(aid): dict(a.features) for aid, a in opened.artworks_by_id(artwork_ids).items()
        }
    if not rows:
        raise BadLog(_nothing_joined(waiting, bool(title or since or until or policy_version)))
    vocabulary = sorted(artwork_ids)
    index = {aid: i for i, aid in enumerate(vocabulary)}
    candidates = CandidateSets.from_lists([[index[a] for a in row.candidate_ids] for row in rows])
    # The logger's pmf per decision, one group per row, actions in sorted order.
    flat_actions, flat_probs, sizes = [], [], []
    for row in rows:
        pairs = sorted((index[a], p) for a, p in zip(row.candidate_ids, row.pmf, strict=True))
        flat_actions += [a for a, _ in pairs]
        flat_probs += [p for _, p in pairs]
        sizes.append(len(pairs))
    segment = np.array([str(row.context.get("segment", "")) for row in rows], dtype=str)
    names, segment_index = np.unique(segment, return_inverse=True)
    return LoggedData(
        actions=tuple(str(a) for a in vocabulary),
        chosen=np.array([index[row.artwork_id] for row in rows], dtype=np.int64),
        propensity=np.array([row.probability for row in rows]),
        reward=np.array([row.reward for row in rows]),
        segment=segment,
        candidates=candidates,
        event_id=[row.event_id for row in rows],
        timestamp=np.array([np.datetime64(row.created_at.replace(tzinfo=None)) for row in rows]),
        contexts=[row.context for row in rows],
        logged_pmf=GroupedPmf.per_row(
            np.array(sizes, dtype=np.int64),
            np.array(flat_actions, dtype=np.int64),
            np.array(flat_probs),
            segment_index.astype(np.int64),
            len(vocabulary),
        ),
        action_features=features,
        segment_names=tuple(str(s) for s in names),
        segment_index=segment_index.astype(np.int64),
        seq=np.array([row.seq for row in rows], dtype=np.int64),
    )


def _nothing_joined(waiting: storage.Waiting | None, filtered: bool) -> str:
    """Why replay has nothing to score, and the actual next step."""
    if waiting is None or not waiting.decisions:
        return "the log holds no decisions yet: serve some (ArtworkChooser.choose or serve)"
    if filtered:
        return "no joined decision matches these filters; widen --title/--since/--until"
    if waiting.waiting:
        return (
            f"no decision is joined yet ({waiting_line(waiting)}). Joined decisions are what"
            " replay scores: once the next matures, `thumbnail-bandit learn` joins it; for a"
            " trial, `thumbnail-bandit learn --reward-window 60` joins what is a minute old"
        )
    return "no joined decision after the given cursor"
