"""Cheap per-frame statistics, computed on every frame at analysis size."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from thumbnails.decode import DecodedFrame
from thumbnails.image import Image
from thumbnails.letterbox import Box, active_box


@dataclass(frozen=True, slots=True)
class FrameStats:
    index: int
    timestamp_s: float
    box: Box
    """Active picture in analysis pixels."""
    luma_mean: float
    """Mean luma (0-255) of the active picture."""
    luma_std: float
    clipped: float
    """Share of active pixels at 250 or above (blown highlights)."""
    laplacian_var: float
    """Variance of the Laplacian of the active picture: the standard focus measure."""
    motion: float
    """Mean absolute luma change per frame since the previous analysed frame (0-255); 0 for
    the first frame."""
    hsv: Image
    """The analysis frame at half size in HSV, for shot detection. Kept for a few frames."""
    tiny: Image
    """The grey analysis frame at half size, float32, for dissolve detection."""


class FrameAnalyser:
    """Turns decoded frames into `FrameStats`, remembering only the previous frame's luma."""

    def __init__(self) -> None:
        self._previous_gray: Image | None = None
        self._previous_index = 0

    def __call__(self, frame: DecodedFrame) -> FrameStats:
        small = frame.small
        half_h, half_w = (small.shape[0] + 1) // 2, (small.shape[1] + 1) // 2
        gray: Image = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        box = active_box(gray)
        x, y, w, h = box
        active = gray[y : y + h, x : x + w]
        mean, std = cv2.meanStdDev(active)
        laplacian = cv2.Laplacian(active, cv2.CV_16S)
        _, lap_std = cv2.meanStdDev(laplacian)
        clipped = cv2.countNonZero(cv2.inRange(active, 250, 255)) / active.size
        if self._previous_gray is None or self._previous_gray.shape != gray.shape:
            motion = 0.0
        else:
            frames = max(1, frame.index - self._previous_index)
            motion = cv2.mean(cv2.absdiff(gray, self._previous_gray))[0] / frames
        self._previous_gray, self._previous_index = gray, frame.index
        return FrameStats(
            index=frame.index,
            timestamp_s=frame.timestamp_s,
            box=box,
            luma_mean=float(mean[0, 0]),
            luma_std=float(std[0, 0]),
            clipped=clipped,
            laplacian_var=float(lap_std[0, 0]) ** 2,
            motion=motion,
            # Shot cuts need far less resolution than blur: half size quarters the cost. Nearest
            # sampling, like small[::2, ::2], whose strided view cv2 would first copy.
            hsv=cv2.cvtColor(
                cv2.resize(small, (half_w, half_h), interpolation=cv2.INTER_NEAREST),
                cv2.COLOR_BGR2HSV,
            ),
            tiny=cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA).astype(
                np.float32
            ),
        )
