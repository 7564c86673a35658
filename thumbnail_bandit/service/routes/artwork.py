"""``GET /artwork/{sha256}``: the image of a registered artwork, by its content hash, for a
browser or a CDN. No key: an ``<img>`` sends none, and the hash of a picture is only known to
whoever was given it in a rank answer.

Only artworks the log registered are served, from the path the log holds for them: nothing
of the request but a 64-digit hex hash reaches a query, and no path from it reaches the file
system. The file is served only while its bytes still have that hash (a file changed on disk
is 404, not a lie under an immutable cache header).
"""

from __future__ import annotations

import hashlib
import os
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from thumbnail_bandit.service.auth import state_of
from thumbnail_bandit.service.problems import Problem, responses

router = APIRouter(tags=["artwork"])

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
#: A year, and never revalidated: an address names one picture forever.
CACHE_CONTROL = "public, max-age=31536000, immutable"
#: Key art is a few megabytes; a larger file under a registered path is not served.
MAX_IMAGE_BYTES = 64 * 1024 * 1024
_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png", b"RIFF": "image/webp"}


def _media_type(data: bytes) -> str:
    for magic, media_type in _TYPES.items():
        if data.startswith(magic):
            return media_type
    return "application/octet-stream"


class _Verified:
    """Which files were checked to hold which hash, by (path, size, mtime): a file is hashed
    once per change, not once per request."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int, int], str] = {}

    def read(self, path: str, sha256: str) -> bytes | None:
        try:
            info = os.stat(path)
            if info.st_size > MAX_IMAGE_BYTES:
                return None
            with open(path, "rb") as f:
                data = f.read(MAX_IMAGE_BYTES + 1)
        except OSError:
            return None
        key = (path, info.st_size, info.st_mtime_ns)
        if self._seen.get(key) != sha256:
            if hashlib.sha256(data).hexdigest() != sha256:
                return None
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[key] = sha256
        return data


_VERIFIED = _Verified()


@router.get(
    "/artwork/{sha256}",
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
        304: {"description": "The client's copy (If-None-Match) is this image"},
        **responses(404, 422),
    },
    response_class=Response,
    summary="An artwork's image, by its content hash",
)
async def artwork(sha256: Sha256, request: Request) -> Response:
    etag = f'"{sha256}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if etag in request.headers.get("if-none-match", "").replace(" ", "").split(","):
        return Response(status_code=304, headers=headers)
    state = state_of(request)
    found = await state.run(lambda: state.log.artwork_by_content(sha256))
    data = None if found is None else _VERIFIED.read(found.image_path, sha256)
    if data is None:
        raise Problem(404, "unknown-artwork", "no registered artwork has this image")
    return Response(data, media_type=_media_type(data), headers=headers)
