"""API keys in the log, on SQLite and PostgreSQL: only hashes are stored, and every kind of bad
token is simply not a key."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage import InvalidApiKey, Log


def test_a_key_verifies_until_revoked_and_only_its_hash_is_stored(log: Log) -> None:
    key, token = log.create_key("tv-app", ["rank"])
    assert token.startswith(f"tbk_{key.key_id}_")
    assert log.verify_key(token) == key and key.scopes == ("rank",)
    with log.session() as s:
        stored = " ".join(str(v) for row in s.execute(text("SELECT * FROM api_keys")) for v in row)
    assert token.split("_", 2)[2] not in stored
    assert log.revoke_key("tv-app") is True
    assert log.verify_key(token) is None
    assert log.revoke_key("tv-app") is False
    assert [(k.name, k.revoked_at is not None) for k in log.api_keys()] == [("tv-app", True)]


def test_bad_tokens_are_not_keys(log: Log) -> None:
    key, token = log.create_key("web", ["rank", "admin"])
    secret = token.split("_", 2)[2]
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for bad in [
        "",
        "tbk_",
        "not-a-key",
        f"tbk_{key.key_id}",
        f"tbk_{key.key_id}_",
        f"tbk_{key.key_id}_{flipped}",
        f"tbk_000000000000_{secret}",
        f"tbk_{key.key_id[:-1]}_{secret}",
        f"tbk_{key.key_id}' OR '1'='1_{secret}",
        token + "x",
        token.upper(),
    ]:
        assert log.verify_key(bad) is None, bad


@pytest.mark.parametrize(
    ("name", "scopes", "reason"),
    [
        ("", ["rank"], "key name"),
        ("has space", ["rank"], "key name"),
        ("-leading", ["rank"], "key name"),
        ("x" * 101, ["rank"], "key name"),
        ("ok", [], "scopes"),
        ("ok", ["root"], "scopes"),
        ("ok", ["rank", "RANK"], "scopes"),
    ],
)
def test_malformed_keys_are_refused(log: Log, name: str, scopes: list[str], reason: str) -> None:
    with pytest.raises(InvalidApiKey, match=reason):
        log.create_key(name, scopes)
    assert log.api_keys() == []


def test_a_name_is_never_reused(log: Log) -> None:
    log.create_key("web", ["rank"])
    log.revoke_key("web")
    with pytest.raises(InvalidApiKey, match="exists"):
        log.create_key("web", ["rank"])
