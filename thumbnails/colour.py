"""Colour features: colourfulness, saturation, warmth and dominant hue."""

from __future__ import annotations

import math

import cv2
import numpy as np

from thumbnails.image import Image


def colourfulness(bgr: Image) -> float:
    """Hasler & Süsstrunk (2003) M, divided by 150 and clipped (they rate M > 109 'extremely
    colourful')."""
    b, g, r = (c.astype(np.float32) for c in cv2.split(bgr))
    rg = r - g
    yb = 0.5 * (r + g) - b
    std = math.hypot(float(rg.std()), float(yb.std()))
    mean = math.hypot(float(rg.mean()), float(yb.mean()))
    return min(1.0, (std + 0.3 * mean) / 150.0)


def colour_features(bgr: Image) -> dict[str, float]:
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    hue = hsv[..., 0].astype(np.float32) * (2 * math.pi / 180.0)  # OpenCV hue is 0-179
    weight = hsv[..., 1].astype(np.float32)
    total = float(weight.sum())
    if total > 0:
        angle = math.atan2(float((np.sin(hue) * weight).sum()), float((np.cos(hue) * weight).sum()))
        dominant = (angle / (2 * math.pi)) % 1.0
    else:
        dominant = 0.0
    mean_b, _, mean_r, _ = cv2.mean(bgr)
    return {
        "colourfulness": colourfulness(bgr),
        "saturation": float(weight.mean()) / 255.0,
        "warmth": min(1.0, max(0.0, 0.5 + (mean_r - mean_b) / 510.0)),
        "dominant_hue": dominant,
    }
