"""Catalogue runs wired to the decision log: what ``extract --db`` does.

`LogDoneStore` is the `thumbnails.DoneStore` kept in the log: each extracted video becomes a
title with its artworks, in one transaction with the extraction's work key, so a re-run skips
what the log already holds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import storage
from thumbnails import Extracted, OutputError


def register_extracted(log: storage.Log, result: Extracted, key: str | None = None) -> None:
    """Register one extracted video's title and artworks in one transaction: all or none,
    with the extraction's work key when given.

    An artwork is identified by its image's content hash, so extracting the same video again,
    into any folder, updates its artworks instead of adding copies.
    """
    folder = result.folder.resolve()
    artworks = []
    for c in result.manifest["candidates"]:
        image = folder / c["image"]
        artworks.append(
            storage.NewArtwork(
                image_path=str(image),
                timestamp_s=c["timestamp_s"],
                frame_index=c["frame_index"],
                features=c["features"],
                content_sha256=hashlib.sha256(image.read_bytes()).hexdigest(),
            )
        )
    extraction = None if key is None else (key, str(result.video), str(folder))
    log.register(result.title, artworks, name=result.video.name, extraction=extraction)


class LogDoneStore:
    """The record of work done, kept in ``log``, for a run writing into ``out``."""

    def __init__(self, log: storage.Log, out: Path) -> None:
        self.log = log
        self.out = out

    def done_folder(self, key: str) -> Path | None:
        try:
            stored = self.log.extraction_output(key)
        except storage.StorageError:
            return None  # the video is extracted again; recording it reports the error
        # Done into another --out is not done here: this folder would stay empty. The check
        # also keeps a crafted row from pointing a re-run outside --out.
        folder = Path(stored) if stored else None
        if folder is None or folder.parent != self.out.resolve():
            return None
        return folder

    def record(self, key: str | None, result: Extracted) -> None:
        try:
            register_extracted(self.log, result, key)
        except (storage.StorageError, OSError) as exc:
            raise OutputError(f"--db: {exc}") from exc
