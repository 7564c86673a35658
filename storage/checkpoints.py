"""Learner checkpoints: the model and its cursor, written atomically; one winner per parent.

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


def _digest(
    version: int, parent_version: int, policy: str, args: str, model_sha256: str, last_seq: int
) -> str:
    fields = [version, parent_version, policy, args, model_sha256, last_seq]
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
) -> Checkpoint:
    """Add the checkpoint that follows ``parent_version`` (0 for the first). Does not commit.

    Raises:
        CheckpointConflict: another learner already extended this parent. Reload the head,
            and learn again from its cursor.
    """
    sha256 = hashlib.sha256(model).hexdigest()
    version = parent_version + 1
    digest = _digest(version, parent_version, policy, args, sha256, last_seq)
    row = CheckpointRow(
        version=version,
        parent_version=parent_version,
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


def head_version(session: Session) -> int:
    """The newest checkpoint's version, 0 if there is none. Cheap enough to poll."""
    return int(session.scalar(select(func.max(CheckpointRow.version))) or 0)


def head_checkpoint(session: Session, key: bytes | None = None) -> Checkpoint | None:
    """The newest checkpoint, verified; None before the first.

    Raises:
        CorruptCheckpoint: it does not verify (the error names its version).
    """
    row = session.scalars(
        select(CheckpointRow).order_by(CheckpointRow.version.desc()).limit(1)
    ).first()
    return None if row is None else _to_record(row, key)


def load_checkpoint(session: Session, version: int, key: bytes | None = None) -> Checkpoint:
    """One checkpoint by version, verified.

    Raises:
        CheckpointNotFound, CorruptCheckpoint.
    """
    row = session.get(CheckpointRow, version)
    if row is None:
        newest = head_version(session)
        raise CheckpointNotFound(
            f"no checkpoint with version {version}; the log has versions 1 to {newest}"
            if newest
            else f"no checkpoint with version {version}: the log has none yet (run the learner)"
        )
    return _to_record(row, key)


def checkpoint_versions(session: Session) -> list[tuple[int, str | None, int]]:
    """Every checkpoint's version, bad mark (None when good) and cursor, newest first."""
    query = select(CheckpointRow.version, CheckpointRow.bad_reason, CheckpointRow.last_seq)
    return [
        (int(v), reason, int(seq))
        for v, reason, seq in session.execute(query.order_by(CheckpointRow.version.desc()))
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
            row.version, row.parent_version, row.policy, row.args, row.sha256, row.last_seq
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
    )
