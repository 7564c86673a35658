"""The quality gate: which frames may become artwork at all.

Each threshold applies to analysis-size frames (<= 320 px wide) and carries the reason for its
value and where the value comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from thumbnails.analysis import FrameStats


class Rejection(StrEnum):
    BLACK = "near-black"
    WHITE = "near-white or overexposed"
    FLAT = "flat, low-contrast or uniform"
    BLURRY = "blurry"
    TRANSITION = "part of a transition (fade, dissolve or cut)"
    FLASH = "part of a flash"


@dataclass(frozen=True, slots=True)
class QualityGate:
    """Thresholds with their reasons. Construct with other values to tune."""

    black_mean: float = 28.0
    """Mean luma below ~11% of full scale shows no usable picture. BT.601 black is 16;
    PySceneDetect's fade detector uses 12 on the same 0-255 scale; codecs lift black a little."""
    white_mean: float = 230.0
    """BT.601 nominal white is 235: a frame whose *mean* is near it is washed out."""
    white_clipped: float = 0.40
    """More than 40% of pixels at 250+ means the highlights are blown (a photographer's
    histogram rule of thumb: a large clipped mass loses the subject)."""
    flat_std: float = 14.0
    """Luma standard deviation below ~5% of full scale: a uniform card or haze. Measured here:
    plain title cards 1-6, real scenes (and Big Buck Bunny) 40+."""
    blur_laplacian_var: float = 50.0
    """Variance of the Laplacian (Pech-Pacheco et al. 2000) below 50 at 320 px is out of focus.
    Measured here: Big Buck Bunny 1,000+, synthetic scenes 2,000+, the same scenes after a
    sigma=3 Gaussian blur < 30. Downscaling raises sharpness, so full-resolution rules of
    thumb (~100) do not apply."""

    def check(self, stats: FrameStats) -> Rejection | None:
        """The first reason ``stats`` fails the gate, or None if the frame is usable."""
        if stats.luma_mean < self.black_mean:
            return Rejection.BLACK
        if stats.luma_mean > self.white_mean or stats.clipped > self.white_clipped:
            return Rejection.WHITE
        if stats.luma_std < self.flat_std:
            return Rejection.FLAT
        if stats.laplacian_var < self.blur_laplacian_var:
            return Rejection.BLURRY
        return None
