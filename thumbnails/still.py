"""Features of a still image (studio key art), computed exactly as for a video frame, so stills
and extracted frames compete on equal terms under one title."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from thumbnails.analysis import FrameAnalyser
from thumbnails.decode import ANALYSIS_WIDTH, DecodedFrame
from thumbnails.dedupe import Signature
from thumbnails.errors import ImageUnreadable
from thumbnails.features import describe
from thumbnails.letterbox import active_box
from thumbnails.ranking import face_detector
from thumbnails.scoring import final_score
from thumbnails.shortlist import Shortlisted

#: Bigger key art is refused rather than decoded: 100 megapixels is ~300 MB of BGR pixels.
MAX_PIXELS = 100_000_000


@dataclass(frozen=True, slots=True)
class StillImage:
    """A described still image."""

    path: Path
    width: int
    height: int
    features: dict[str, float]
    """The same named features as a `Candidate`'s (see `thumbnails.FEATURES`)."""
    score: float
    """The ranking score in [0, 1], as for extracted frames."""
    content_sha256: str
    """sha256 of the file's bytes: the artwork's identity in the log."""


def describe_image(path: str | Path) -> StillImage:
    """Read an image file (JPEG, PNG, WebP, ...) and compute its artwork features.

    Raises:
        ImageUnreadable: the file is missing, not an image, or too large.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageUnreadable(path, f"cannot read ({exc.strerror or exc})") from exc
    buffer = np.frombuffer(data, np.uint8)
    header = cv2.imdecode(buffer, cv2.IMREAD_REDUCED_COLOR_8) if data else None
    if header is None:
        raise ImageUnreadable(path, "not an image OpenCV can decode (JPEG, PNG, WebP, TIFF...)")
    if header.shape[0] * header.shape[1] * 64 > MAX_PIXELS:
        raise ImageUnreadable(path, f"larger than {MAX_PIXELS // 1_000_000} megapixels")
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    if image is None:
        raise ImageUnreadable(path, "not an image OpenCV can decode")
    height, width = image.shape[:2]
    small_w = min(ANALYSIS_WIDTH, width)
    small = cv2.resize(
        image, (small_w, max(1, round(height * small_w / width))), interpolation=cv2.INTER_AREA
    )
    stats = FrameAnalyser()(DecodedFrame(0, 0.0, image, small))
    x, y, w, h = stats.box
    entry = Shortlisted(stats, 0, image, small, 0.0, Signature.of(small[y : y + h, x : x + w]))
    crop = active_box(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    features = describe(entry, crop, face_detector())
    return StillImage(
        path=path,
        width=width,
        height=height,
        features=features,
        score=final_score(features),
        content_sha256=hashlib.sha256(data).hexdigest(),
    )
