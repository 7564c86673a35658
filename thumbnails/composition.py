"""Where the eye goes: spectral-residual saliency, rule-of-thirds placement and symmetry."""

from __future__ import annotations

import math

import cv2
import numpy as np

from thumbnails.image import Image

_THIRDS = [(1 / 3, 1 / 3), (2 / 3, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 2 / 3)]
#: Farthest any point is from its nearest thirds point (a corner), for normalising.
_MAX_THIRDS_DISTANCE = math.hypot(1 / 3, 1 / 3)


def saliency(gray: Image) -> Image:
    """Spectral-residual saliency (Hou & Zhang, CVPR 2007) on a 64x64 copy, normalised to max 1."""
    image = cv2.resize(gray, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32)
    spectrum = np.fft.fft2(image)
    log_amplitude = np.log(np.abs(spectrum) + 1e-6).astype(np.float32)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    salient = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    salient = cv2.GaussianBlur(salient.astype(np.float32), (9, 9), 2.5)
    top = float(salient.max())
    return salient / top if top > 0 else salient


def thirds_score(salient: Image) -> float:
    """1 when the saliency centroid sits on a rule-of-thirds point, 0 at a corner."""
    total = float(salient.sum())
    if total <= 0:
        return 0.0
    rows, cols = np.indices(salient.shape)
    cy = float((rows * salient).sum()) / total / salient.shape[0]
    cx = float((cols * salient).sum()) / total / salient.shape[1]
    nearest = min(math.hypot(cx - tx, cy - ty) for tx, ty in _THIRDS)
    return max(0.0, 1.0 - nearest / _MAX_THIRDS_DISTANCE)


def salient_share(salient: Image) -> float:
    """Share of the picture that is clearly salient (above twice the mean saliency)."""
    mean = float(salient.mean())
    if mean <= 0:
        return 0.0
    return min(1.0, 2.0 * float(np.count_nonzero(salient > 2 * mean)) / salient.size)


def symmetry(gray: Image) -> float:
    """1 for a left-right mirror-symmetric picture."""
    small = cv2.resize(gray, (64, 64), interpolation=cv2.INTER_AREA)
    return 1.0 - float(cv2.absdiff(small, cv2.flip(small, 1)).mean()) / 255.0
