"""Find the active picture inside letterbox (top/bottom) and pillarbox (left/right) bars."""

from __future__ import annotations

import cv2
import numpy as np

from thumbnails.image import Image

Box = tuple[int, int, int, int]

#: A bar row is darker than this mean luma. Broadcast black is 16 (BT.601); codecs lift it a few
#: levels, so 28 leaves room for compression noise while staying far below scene content.
BAR_MEAN = 28.0
#: ...and this uniform: bars are flat; a dark scene edge has texture.
BAR_STD = 8.0
#: Bars thinner than this share of the side are ignored (encoder padding, not letterboxing).
MIN_BAR = 0.02
#: Real letterboxing is symmetric; a dark band on one side only is picture content.
MAX_ASYMMETRY = 0.06


def _dark_runs(means: Image, n: int) -> tuple[int, int]:
    dark = means < BAR_MEAN
    if dark.all():
        return 0, 0  # an all-dark frame has no "active picture": the quality gate handles it
    lead = int(np.argmin(dark))
    trail = int(np.argmin(dark[::-1]))
    if abs(lead - trail) > max(2, MAX_ASYMMETRY * n):
        return 0, 0
    if max(lead, trail) < max(2, MIN_BAR * n):
        return 0, 0
    return lead, trail


def _flat(block: Image) -> bool:
    if block.size == 0:
        return True
    _, std = cv2.meanStdDev(block)
    return float(std[0, 0]) < BAR_STD


def active_box(gray: Image) -> Box:
    """The ``(x, y, w, h)`` of the picture inside any bars, in ``gray``'s pixels."""
    height, width = gray.shape
    # Row and column means via cv2.reduce: this runs on every frame, so it must be cheap.
    top, bottom = _dark_runs(cv2.reduce(gray, 1, cv2.REDUCE_AVG, dtype=cv2.CV_32F)[:, 0], height)
    if (top or bottom) and not (_flat(gray[:top]) and _flat(gray[height - bottom :])):
        top = bottom = 0  # dark but textured: a night sky, not a bar
    band = gray[top : height - bottom]
    left, right = _dark_runs(cv2.reduce(band, 0, cv2.REDUCE_AVG, dtype=cv2.CV_32F)[0], width)
    if (left or right) and not (_flat(band[:, :left]) and _flat(band[:, width - right :])):
        left = right = 0
    return left, top, width - left - right, height - top - bottom


def scale_box(box: Box, scale: float, width: int, height: int) -> Box:
    """Map a box from analysis pixels to source pixels, shrunk inward so no bar pixel survives
    the rounding."""
    x, y, w, h = box
    if (x, y, w, h) == (0, 0, round(width / scale), round(height / scale)):
        return 0, 0, width, height
    x0 = min(width - 1, int(np.ceil(x * scale)))
    y0 = min(height - 1, int(np.ceil(y * scale)))
    x1 = max(x0 + 1, min(width, int(np.floor((x + w) * scale))))
    y1 = max(y0 + 1, min(height, int(np.floor((y + h) * scale))))
    return x0, y0, x1 - x0, y1 - y0
