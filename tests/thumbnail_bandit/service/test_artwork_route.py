"""Artwork a browser can load: every rank answer carries an ``image_url``; ``/artwork/<sha256>``
serves a registered image with a strong ETag, a year of immutable caching and 304s, only while
the file still holds those bytes, and nothing that is not registered."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

import storage
from tests.thumbnail_bandit.service.conftest import bearer
from thumbnail_bandit.service import ServiceSettings, create_app


@pytest.fixture
def art(tmp_path: Path) -> Path:
    image = np.zeros((90, 160, 3), np.uint8)
    image[:, :80] = (40, 120, 200)
    path = tmp_path / "poster.jpg"
    cv2.imwrite(str(path), image)
    return path


def _client(
    log_url: str, art: Path, public_base_url: str = ""
) -> Iterator[tuple[TestClient, str, str]]:
    sha = hashlib.sha256(art.read_bytes()).hexdigest()
    with storage.open_log(log_url, create=True) as log:
        log.register("t", [storage.NewArtwork(str(art), content_sha256=sha)])
        log.register("old", [storage.NewArtwork("/no/hash.jpg")])  # registered before hashes
        _, token = log.create_key("site", ["rank"])
    with TestClient(
        create_app(ServiceSettings(db=log_url, public_base_url=public_base_url))
    ) as client:
        yield client, token, sha


@pytest.fixture
def served(log_url: str, art: Path) -> Iterator[tuple[TestClient, str, str]]:
    yield from _client(log_url, art)


def test_a_rank_answer_carries_a_url_the_image_is_served_at(
    served: tuple[TestClient, str, str], art: Path
) -> None:
    client, token, sha = served
    body = {"titles": ["t", "old"], "context": {"segment": "s"}}
    first, legacy = client.post("/v1/rank", json=body, headers=bearer(token)).json()["decisions"]
    assert first["image_url"] == f"http://testserver/artwork/{sha}"
    assert legacy["image_url"] is None  # no content hash, no address
    image = client.get(first["image_url"])  # no key: an <img> sends none
    assert image.status_code == 200 and image.content == art.read_bytes()
    assert image.headers["content-type"] == "image/jpeg"
    assert image.headers["etag"] == f'"{sha}"'
    assert image.headers["cache-control"] == "public, max-age=31536000, immutable"
    again = client.get(first["image_url"], headers={"If-None-Match": f'"{sha}"'})
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize(
    "path",
    [
        "/artwork/" + "0" * 64,  # well-formed, not registered
        "/artwork/..%2F..%2Fetc%2Fpasswd",
        "/artwork/" + "A" * 64,  # not lower-case hex
        "/artwork/%2Fetc%2Fpasswd",
    ],
)
def test_nothing_but_a_registered_hash_is_served(
    served: tuple[TestClient, str, str], path: str
) -> None:
    client, _, _ = served
    answer = client.get(path)
    assert answer.status_code in (404, 422)
    assert "root:" not in answer.text


def test_a_file_changed_on_disk_is_not_served_under_its_old_hash(
    served: tuple[TestClient, str, str], art: Path
) -> None:
    client, _, sha = served
    assert client.get(f"/artwork/{sha}").status_code == 200
    art.write_bytes(art.read_bytes() + b"tampered")
    assert client.get(f"/artwork/{sha}").status_code == 404


def test_a_public_base_url_puts_artwork_behind_a_cdn(log_url: str, art: Path) -> None:
    for client, token, sha in _client(log_url, art, public_base_url="https://img.example/artwork"):
        body = {"titles": ["t"], "context": {"segment": "s"}}
        [d] = client.post("/v1/rank", json=body, headers=bearer(token)).json()["decisions"]
        assert d["image_url"] == f"https://img.example/artwork/{sha}"
