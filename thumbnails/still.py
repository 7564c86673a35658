"""Features of a still image (studio key art), computed exactly as for a video frame, so stills
and extracted frames compete on equal terms under one title."""

from __future__ import annotations

import hashlib
import io
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import PIL.Image

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
#: Bigger files are refused before they are read (studio key art is a few megabytes).
MAX_FILE_BYTES = 64 * 1024 * 1024


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

    Only a regular file of at most `MAX_FILE_BYTES` is read, and only once its header says it
    has at most `MAX_PIXELS`: a small file that claims huge dimensions (an image bomb), a device
    such as /dev/zero, or a FIFO is refused before any decoding or reading.

    Raises:
        ImageUnreadable: the file is missing, not a regular file, not an image, or too large.
    """
    path = Path(path)
    data = _read_bounded(path)
    width, height = _dimensions(path, data)
    if width * height > MAX_PIXELS:
        raise ImageUnreadable(
            path, f"{width}x{height} pixels: larger than {MAX_PIXELS // 1_000_000} megapixels"
        )
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
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


def _read_bounded(path: Path) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ImageUnreadable(path, "not a regular file (a folder, device or FIFO)")
        if info.st_size > MAX_FILE_BYTES:
            raise ImageUnreadable(path, f"over {MAX_FILE_BYTES // 2**20} MiB")
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImageUnreadable(path, f"cannot read ({exc.strerror or exc})") from exc
    if not data or len(data) > MAX_FILE_BYTES:
        raise ImageUnreadable(path, "empty file" if not data else "grew past the size limit")
    return data


def _dimensions(path: Path, data: bytes) -> tuple[int, int]:
    """Width and height from the image's header alone (Pillow reads no pixels for this)."""
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning: the caller compares with MAX_PIXELS itself.
            warnings.simplefilter("ignore", PIL.Image.DecompressionBombWarning)
            with PIL.Image.open(io.BytesIO(data)) as header:
                width, height = header.size
    except PIL.Image.DecompressionBombError:
        raise ImageUnreadable(path, f"larger than {MAX_PIXELS // 1_000_000} megapixels") from None
    except (PIL.UnidentifiedImageError, OSError, ValueError):
        raise ImageUnreadable(
            path, "not an image this engine reads (JPEG, PNG, WebP, TIFF, BMP, GIF)"
        ) from None
    return int(width), int(height)
