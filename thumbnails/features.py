"""All named features of a shortlisted frame (see `thumbnails.candidate.FEATURES`)."""

from __future__ import annotations

import cv2

from thumbnails.colour import colour_features
from thumbnails.composition import saliency, salient_share, symmetry, thirds_score
from thumbnails.faces import FaceDetector
from thumbnails.image import Image
from thumbnails.letterbox import Box
from thumbnails.scoring import quality_features
from thumbnails.shortlist import Shortlisted


def describe(entry: Shortlisted, crop: Box, faces: FaceDetector) -> dict[str, float]:
    """Features of ``entry``; ``crop`` is its active picture in source pixels."""
    x, y, w, h = entry.stats.box
    small: Image = entry.small[y : y + h, x : x + w]
    gray_small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    salient = saliency(gray_small)
    features = quality_features(entry.stats)
    features.update(colour_features(small))
    cx, cy, cw, ch = crop
    full_gray = cv2.cvtColor(entry.image[cy : cy + ch, cx : cx + cw], cv2.COLOR_BGR2GRAY)
    found = faces.detect(full_gray)
    largest = max(found, key=lambda f: f.w * f.h, default=None)
    features.update(
        face_count=float(len(found)),
        face_area=min(1.0, largest.w * largest.h) if largest else 0.0,
        face_x=min(1.0, largest.x + largest.w / 2) if largest else 0.5,
        face_y=min(1.0, largest.y + largest.h / 2) if largest else 0.5,
        thirds=thirds_score(salient),
        symmetry=symmetry(gray_small),
        closeup=salient_share(salient),
    )
    return features
