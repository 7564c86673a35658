"""`Candidate`: one ranked piece of candidate artwork, and the feature names it carries."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: Every feature a candidate carries, with its meaning. All are in [0, 1] except ``face_count``.
FEATURES: Mapping[str, str] = {
    "brightness": "mean luma of the active picture / 255",
    "contrast": "standard deviation of luma / 128, clipped to 1",
    "sharpness": "variance of the Laplacian v, squashed as v / (v + 300) (0.5 at v = 300)",
    "colourfulness": "Hasler & Süsstrunk (2003) colourfulness M / 150, clipped to 1",
    "saturation": "mean HSV saturation / 255",
    "warmth": "0.5 + (mean red - mean blue) / 510: above 0.5 is warm, below is cool",
    "dominant_hue": "saturation-weighted circular mean hue, as a fraction of the colour wheel",
    "face_count": "number of frontal faces found (a count, not in [0, 1])",
    "face_area": "area of the largest face / area of the active picture",
    "face_x": "horizontal centre of the largest face / width (0.5 when there is none)",
    "face_y": "vertical centre of the largest face / height (0.5 when there is none)",
    "thirds": "1 - distance from the saliency centroid to the nearest rule-of-thirds point,"
    " normalised by the largest possible distance",
    "symmetry": "1 - mean |image - mirror image| / 255 on luma",
    "stillness": "1 - mean absolute luma change from the previous frame / 64, clipped to [0, 1]",
    "closeup": "share of the picture taken by its salient region (1 = fills the frame)",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A frame chosen as candidate artwork, cropped to its active picture."""

    video: Path
    """The source video."""
    frame_index: int
    """Index of the frame in decode order (0-based)."""
    timestamp_s: float
    """Presentation time of the frame, from the stream (correct on variable-frame-rate video)."""
    shot_index: int
    """Which shot (0-based) the frame belongs to."""
    crop: tuple[int, int, int, int]
    """The active picture ``(x, y, w, h)`` in source pixels, without letterbox or pillarbox."""
    features: Mapping[str, float]
    """Named features, see `FEATURES`."""
    score: float
    """Overall attractiveness in [0, 1]; candidates are ranked by it, with diversity."""
    image: Path | None = field(default=None)
    """Where the full-resolution crop was written, once it has been."""

    def __post_init__(self) -> None:
        if self.frame_index < 0 or self.shot_index < 0:
            raise ValueError("frame_index and shot_index must be >= 0")
        if not math.isfinite(self.timestamp_s) or self.timestamp_s < 0:
            raise ValueError(f"timestamp_s must be a finite time >= 0, got {self.timestamp_s}")
        x, y, w, h = self.crop
        if min(x, y) < 0 or w <= 0 or h <= 0:
            raise ValueError(f"crop must be (x >= 0, y >= 0, w > 0, h > 0), got {self.crop}")
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}; known: {sorted(FEATURES)}")
        for name, value in self.features.items():
            top = math.inf if name == "face_count" else 1.0
            if not (math.isfinite(value) and 0.0 <= value <= top):
                raise ValueError(f"feature {name}={value} is out of range")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score}")
