"""Errors raised while extracting candidates. `ThumbnailsError` is the root."""

from __future__ import annotations

from pathlib import Path


class ThumbnailsError(Exception):
    """Root of every error the thumbnails package raises."""


class VideoUnreadable(ThumbnailsError):
    """The file is missing, empty, not a video, or has no video stream.

    ``str(error)`` is one line: the file, then the reason and what to try.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class NoUsableFrames(VideoUnreadable):
    """Every frame failed the quality gate (black, white, blurred, flat or in a transition)."""


class ImageUnreadable(VideoUnreadable):
    """A still image that is missing, not an image, or too large."""


class OutputError(ThumbnailsError):
    """The output folder could not be written."""


class RunnerUnavailable(ThumbnailsError):
    """The runner a catalogue run was given cannot start: its cluster cannot be reached, or
    what it needs is not installed."""
