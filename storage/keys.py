"""API keys for the decision service. A key is ``tbk_<key id>_<secret>``: the id finds the row
and may be shown; only a SHA-256 of the secret is stored, and it is compared in constant time.

A plain hash (no slow KDF) is enough because the secret is 256 random bits, not a password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import InvalidApiKey
from storage.ids import KEY_NAME
from storage.models import ApiKeyRow
from storage.records import ApiKey

RANK = "rank"
"""The scope to rank, reward and activate."""
ADMIN = "admin"
"""The scope to manage artwork, title modes and keys."""
SCOPES = (RANK, ADMIN)

PREFIX = "tbk_"
_ID_HEX = 12


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _record(row: ApiKeyRow) -> ApiKey:
    return ApiKey(row.key_id, row.name, tuple(row.scopes), row.created_at, row.revoked_at)


def create_key(
    session: Session, name: str, scopes: Sequence[str], *, now: datetime | None = None
) -> tuple[ApiKey, str]:
    """Add a key; returns it and its token, which is shown this once and never stored.
    Does not commit.

    Raises:
        InvalidApiKey: a malformed name, an unknown scope, no scope, or a name in use.
    """
    KEY_NAME.check(name, InvalidApiKey)
    if not scopes or any(s not in SCOPES for s in scopes):
        raise InvalidApiKey(f"key scopes must be one or more of {SCOPES}, not {list(scopes)!r}")
    if session.scalar(select(ApiKeyRow.key_id).where(ApiKeyRow.name == name)) is not None:
        raise InvalidApiKey(f"a key named {name!r} exists (live or revoked); pick another name")
    key_id = secrets.token_hex(_ID_HEX // 2)
    secret = secrets.token_urlsafe(32)
    row = ApiKeyRow(
        key_id=key_id,
        name=name,
        secret_sha256=_digest(secret),
        scopes=sorted(set(scopes)),
        created_at=now or datetime.now(UTC),
        revoked_at=None,
    )
    session.add(row)
    session.flush()
    return _record(row), f"{PREFIX}{key_id}_{secret}"


def verify_key(session: Session, token: str) -> ApiKey | None:
    """The live key this token belongs to; None for a malformed, unknown or revoked token or a
    wrong secret (the caller cannot tell which, and neither can a timing side channel on the
    secret)."""
    if not token.startswith(PREFIX) or len(token) < len(PREFIX) + _ID_HEX + 2:
        return None
    key_id, sep, secret = token[len(PREFIX) :].partition("_")
    if len(key_id) != _ID_HEX or not sep or not secret:
        return None
    row = session.get(ApiKeyRow, key_id)
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(_digest(secret), row.secret_sha256):
        return None
    return _record(row)


def revoke_key(session: Session, name: str, *, now: datetime | None = None) -> bool:
    """Revoke the key with this name; False if there is no live key by that name."""
    row = session.scalar(
        select(ApiKeyRow).where(ApiKeyRow.name == name, ApiKeyRow.revoked_at.is_(None))
    )
    if row is None:
        return False
    row.revoked_at = now or datetime.now(UTC)
    session.flush()
    return True


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, live and revoked, oldest first; never a secret."""
    rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.name))
    return [_record(row) for row in rows]
