"""Learner checkpoints: the model and its cursor, written atomically; one winner per parent.

Each reward definition a team learns is a lineage of its own (``reward``, what reward()
sends, for logs that never defined one): the parent is UNIQUE within a lineage, versions are
numbered across the whole log.

Every checkpoint carries a digest: sha256 over all that rebuilds the policy (policy name,
arguments, model bytes, cursor, lineage). It catches damage, not malice: whoever can write a
row can compute a digest too. Against that, an operator sets a key (``checkpoint_key`` of
`storage.open_log`, or ``THUMBNAIL_BANDIT_CHECKPOINT_KEY``): checkpoints are then signed
with HMAC-SHA256, and a row without this key's signature is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.errors import (
    CheckpointConflict,
    CheckpointNotFound,
    ConflictingRecord,
    CorruptCheckpoint,
)
from storage.models import CheckpointRow
from storage.records import Checkpoint
from storage.reward_definitions import BUILT_IN_REWARD


def _digest(
    version: int,
    parent_version: int,
    policy: str,
    args: str,
    model_sha256: str,
    last_seq: int,
    reward: str = BUILT_IN_REWARD,
    reward_version: int | None = None,
) -> str:
    fields: list[object] = [version, parent_version, policy, args, model_sha256, last_seq]
    if reward != BUILT_IN_REWARD:  # the built-in lineage keeps the digests written before 0006
        fields += [reward, reward_version]
    return hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()


def _sign(key: bytes | None, digest: str) -> str | None:
    return None if key is None else hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


def write_checkpoint(
    session: Session,
    *,
    parent_version: int,
    policy: str,
    args: str,
    model: bytes,
    last_seq: int,
    key: bytes | None = None,
    reward: str = BUILT_IN_REWARD,
    reward_version: int | None = None,
) -> Checkpoint:
    """Add the checkpoint that follows ``parent_version`` in ``reward``'s lineage (0 for its
    first). Does not commit.

    Raises:
        CheckpointConflict: another learner already extended this parent (or took the next
            version number). Reload the head, and learn again from its cursor.
    """
    sha256 = hashlib.sha256(model).hexdigest()
    version = head_version(session, reward=None) + 1
    digest = _digest(
        version, parent_version, policy, args, sha256, last_seq, reward, reward_version
    )
    row = CheckpointRow(
        version=version,
        parent_version=parent_version,
        reward=reward,
        reward_version=reward_version,
        policy=policy,
        args=args,
        model=model,
        sha256=sha256,
        last_seq=last_seq,
        created_at=datetime.now(UTC),
        digest=digest,
        signature=_sign(key, digest),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except ConflictingRecord as exc:  # the UNIQUE parent (or version) is taken
        raise CheckpointConflict(
            f"checkpoint {parent_version} already has a child: another learner won the race;"
            " reload the head checkpoint and continue from its cursor"
        ) from exc
    return _to_record(row, key)


def head_version(session: Session, reward: str | None = BUILT_IN_REWARD) -> int:
    """The newest checkpoint's version in ``reward``'s lineage (None: in the whole log), 0 if
    there is none. Cheap enough to poll."""
    query = select(func.max(CheckpointRow.version))
    if reward is not None:
        query = query.where(CheckpointRow.reward == reward)
    return int(session.scalar(query) or 0)


def head_checkpoint(
    session: Session, key: bytes | None = None, reward: str = BUILT_IN_REWARD
) -> Checkpoint | None:
    """The newest checkpoint of ``reward``'s lineage, verified; None before the first.

    Raises:
        CorruptCheckpoint: it does not verify (the error names its version).
    """
    row = session.scalars(
        select(CheckpointRow)
        .where(CheckpointRow.reward == reward)
        .order_by(CheckpointRow.version.desc())
        .limit(1)
    ).first()
    return None if row is None else _to_record(row, key)


def load_checkpoint(session: Session, version: int, key: bytes | None = None) -> Checkpoint:
    """One checkpoint by version, verified.

    Raises:
        CheckpointNotFound, CorruptCheckpoint.
    """
    row = session.get(CheckpointRow, version)
    if row is None:
        newest = head_version(session, reward=None)
        raise CheckpointNotFound(
            f"no checkpoint with version {version}; the log has versions 1 to {newest}"
            if newest
            else f"no checkpoint with version {version}: the log has none yet (run the learner)"
        )
    return _to_record(row, key)


def checkpoint_versions(
    session: Session,
    reward: str | None = None,
    *,
    newer_than: int = 0,
    good_only: bool = False,
    limit: int | None = None,
) -> list[tuple[int, str | None, int, str]]:
    """The checkpoints' versions, bad marks (None when good), cursors and lineages, newest
    first: only ``reward``'s lineage when given, only versions above ``newer_than``, only
    good ones with ``good_only``, at most ``limit``. The filters run in the database, so a
    learner or a chooser that needs the newest few does not read a lineage's whole history."""
    query = select(
        CheckpointRow.version,
        CheckpointRow.bad_reason,
        CheckpointRow.last_seq,
        CheckpointRow.reward,
    ).where(CheckpointRow.version > newer_than)
    if reward is not None:
        query = query.where(CheckpointRow.reward == reward)
    if good_only:
        query = query.where(CheckpointRow.bad_reason.is_(None))
    if limit is not None:
        query = query.limit(limit)
    return [
        (int(v), reason, int(seq), lineage)
        for v, reason, seq, lineage in session.execute(query.order_by(CheckpointRow.version.desc()))
    ]


def mark_checkpoint_bad(session: Session, version: int, reason: str) -> None:
    """Never serve or build on this checkpoint again. Its row stays, for the record.

    Raises:
        CheckpointNotFound.
    """
    result = session.execute(
        update(CheckpointRow)
        .where(CheckpointRow.version == version)
        .values(bad_reason=reason[:1000] or "marked bad")
        .returning(CheckpointRow.version)
    )
    if result.scalar() is None:
        raise CheckpointNotFound(f"no checkpoint with version {version}")


def _to_record(row: CheckpointRow, key: bytes | None) -> Checkpoint:
    where = f"checkpoint {row.version}"
    if hashlib.sha256(row.model).hexdigest() != row.sha256:
        raise CorruptCheckpoint(
            f"{where}: model bytes do not match their sha256; mark it bad"
            f" (`thumbnail-bandit checkpoints mark-bad {row.version}`) so the learner rebuilds"
            " from the checkpoint before it"
        )
    if row.digest is not None:
        expected = _digest(
            row.version,
            row.parent_version,
            row.policy,
            row.args,
            row.sha256,
            row.last_seq,
            row.reward,
            row.reward_version,
        )
        if not hmac.compare_digest(expected, row.digest):
            raise CorruptCheckpoint(
                f"{where}: its fields do not match its digest (edited after it was written);"
                f" mark it bad (`thumbnail-bandit checkpoints mark-bad {row.version}`)"
            )
    if key is not None:
        wanted = _sign(key, row.digest or "")
        if (
            row.digest is None
            or row.signature is None
            or not hmac.compare_digest(wanted or "", row.signature)
        ):
            raise CorruptCheckpoint(
                f"{where}: not signed with this log's checkpoint key; it was written by someone"
                " else, or before the key was set"
            )
    return Checkpoint(
        version=row.version,
        parent_version=row.parent_version,
        policy=row.policy,
        args=row.args,
        model=bytes(row.model),
        sha256=row.sha256,
        last_seq=row.last_seq,
        created_at=row.created_at,
        bad_reason=row.bad_reason,
        reward=row.reward,
        reward_version=row.reward_version,
    )
