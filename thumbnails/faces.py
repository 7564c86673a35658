"""Frontal faces, found offline with a cascade that ships inside an installed wheel.

Options measured on this project's 2-core machine (skimage's astronaut image, one face):

============================================  ==========  =========================
detector                                       320 px      result
============================================  ==========  =========================
OpenCV 4.x Haar ``frontalface_alt2``           ~40 ms      the face, nothing else
OpenCV 4.x Haar ``frontalface_default``        ~43 ms      the face, nothing else
scikit-image LBP cascade (``skimage.feature``) ~190 ms     the face + 1-2 false hits
OpenCV 5.x                                     n/a         wheel ships no cascades, and
                                                           YuNet needs a model download
============================================  ==========  =========================

So: OpenCV 4.x's Haar ``frontalface_alt2`` (the project pins ``opencv-python-headless<5``),
with scikit-image's LBP cascade as the fallback if a newer OpenCV without ``CascadeClassifier``
is installed. Either way it runs on a shortlist of frames, never on every frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2

from thumbnails.image import Image

#: Faces are searched at this width: a face a tenth of the frame wide is still 20 px, the Haar
#: cascade's own window. Measured against 240 px (the astronaut image and six face frames of
#: the demo titles): the same faces, found in 6.6 ms instead of 8.3 ms a frame.
FACE_WIDTH = 200
#: Smallest face searched, in pixels at FACE_WIDTH: each cascade's training window.
HAAR_WINDOW = 20
LBP_WINDOW = 24


@dataclass(frozen=True, slots=True)
class Face:
    x: float
    """Left edge as a fraction of the image width."""
    y: float
    w: float
    h: float


class FaceDetector:
    """Find frontal faces in a grey image. One instance per process (cascades load once)."""

    def __init__(self) -> None:
        haar = Path(getattr(getattr(cv2, "data", None), "haarcascades", "")) / (
            "haarcascade_frontalface_alt2.xml"
        )
        self._haar = None
        self._lbp = None
        if hasattr(cv2, "CascadeClassifier") and haar.is_file():
            self._haar = cv2.CascadeClassifier(str(haar))
            self.backend = "opencv-haar"
        else:
            from skimage.data import lbp_frontal_face_cascade_filename
            from skimage.feature import Cascade

            self._lbp = Cascade(lbp_frontal_face_cascade_filename())  # type: ignore[no-untyped-call]
            self.backend = "skimage-lbp"

    def detect(self, gray: Image) -> list[Face]:
        height, width = gray.shape
        scale = min(1.0, FACE_WIDTH / width)
        small = cv2.resize(gray, (max(1, round(width * scale)), max(1, round(height * scale))))
        small = cv2.equalizeHist(small)
        sh, sw = small.shape
        if self._haar is not None:
            found = self._haar.detectMultiScale(
                small, scaleFactor=1.1, minNeighbors=5, minSize=(HAAR_WINDOW, HAAR_WINDOW)
            )
            boxes = [(int(x), int(y), int(w), int(h)) for x, y, w, h in found]
        else:
            assert self._lbp is not None
            hits = self._lbp.detect_multi_scale(
                img=small,
                scale_factor=1.2,
                step_ratio=1,
                min_size=(LBP_WINDOW, LBP_WINDOW),
                max_size=(sh, sh),
            )
            boxes = [(d["c"], d["r"], d["width"], d["height"]) for d in hits]
        return [Face(x / sw, y / sh, w / sw, h / sh) for x, y, w, h in boxes]
