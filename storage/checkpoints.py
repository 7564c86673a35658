"""Learner checkpoints: the model and its cursor, written atomically; one winner per parent."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.errors import CheckpointConflict, CorruptCheckpoint
from storage.models import CheckpointRow
from storage.records import Checkpoint


def write_checkpoint(
    session: Session,
    *,
    parent_version: int,
    policy: str,
    args: str,
    model: bytes,
    last_seq: int,
) -> Checkpoint:
    """Add the checkpoint that follows ``parent_version`` (0 for the first). Does not commit.

    Raises:
        CheckpointConflict: another learner already extended this parent. Reload the head,
            and learn again from its cursor.
    """
    row = CheckpointRow(
        version=parent_version + 1,
        parent_version=parent_version,
        policy=policy,
        args=args,
        model=model,
        sha256=hashlib.sha256(model).hexdigest(),
        last_seq=last_seq,
        created_at=datetime.now(UTC),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise CheckpointConflict(
            f"checkpoint {parent_version} already has a child: another learner won the race;"
            " reload the head checkpoint and continue from its cursor"
        ) from exc
    return _to_record(row)


def head_version(session: Session) -> int:
    """The newest checkpoint's version, 0 if there is none. Cheap enough to poll."""
    return int(session.scalar(select(func.max(CheckpointRow.version))) or 0)


def head_checkpoint(session: Session) -> Checkpoint | None:
    """The newest checkpoint, verified against its sha256; None before the first."""
    row = session.scalars(
        select(CheckpointRow).order_by(CheckpointRow.version.desc()).limit(1)
    ).first()
    return None if row is None else _to_record(row)


def load_checkpoint(session: Session, version: int) -> Checkpoint:
    row = session.get(CheckpointRow, version)
    if row is None:
        raise LookupError(f"no checkpoint with version {version}")
    return _to_record(row)


def _to_record(row: CheckpointRow) -> Checkpoint:
    if hashlib.sha256(row.model).hexdigest() != row.sha256:
        raise CorruptCheckpoint(
            f"checkpoint {row.version}: model bytes do not match their sha256;"
            " restore the row or delete it so the learner rebuilds from its parent"
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
    )
