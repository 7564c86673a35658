"""Read logged decisions straight from the engine's SQL log (any SQLAlchemy URL)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

import storage
from bandit.log_boundary import log_errors
from bandit.replay.data import LoggedData, check_size
from bandit.replay.errors import BadLog


def load_sql_log(
    log: str | Path | storage.Log,
    *,
    title: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    policy_version: str | None = None,
    after_seq: int = 0,
) -> LoggedData:
    """Joined decisions (whose reward is settled), optionally filtered, in join order.

    ``after_seq`` keeps only the examples joined after that sequence number (those a
    checkpoint with that cursor has not learned from).
    """
    where = storage.JoinedFilter(title, since, until, policy_version)
    with log_errors(), storage.using_log(log, migrate=False) as opened:
        rows = opened.joined(after_seq, where=where)
        artwork_ids = {aid for row in rows for aid in row.candidate_ids}
        features = {
            str(aid): dict(a.features) for aid, a in opened.artworks_by_id(artwork_ids).items()
        }
    if not rows:
        raise BadLog(
            "the log has no joined decisions for these filters (are rewards joined yet?"
            " run `thumbnail-bandit learn` first)"
        )
    vocabulary = sorted(artwork_ids)
    check_size(len(rows), len(vocabulary), "the SQL log")
    index = {aid: i for i, aid in enumerate(vocabulary)}
    n = len(rows)
    candidates = np.zeros((n, len(vocabulary)), dtype=bool)
    logged_pmf = np.zeros((n, len(vocabulary)))
    for i, row in enumerate(rows):
        columns = [index[a] for a in row.candidate_ids]
        candidates[i, columns] = True
        logged_pmf[i, columns] = row.pmf
    return LoggedData(
        actions=tuple(str(a) for a in vocabulary),
        chosen=np.array([index[row.artwork_id] for row in rows], dtype=np.int64),
        propensity=np.array([row.probability for row in rows]),
        reward=np.array([row.reward for row in rows]),
        segment=np.array([str(row.context.get("segment", "")) for row in rows], dtype=str),
        candidates=candidates,
        event_id=[row.event_id for row in rows],
        timestamp=np.array([np.datetime64(row.created_at.replace(tzinfo=None)) for row in rows]),
        contexts=[row.context for row in rows],
        logged_pmf=logged_pmf,
        action_features=features,
    )
