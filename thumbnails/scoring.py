"""How attractive a frame is, from its features. Hand-set weights, in the spirit of Netflix's AVA:
visual quality first, then composition, faces and stillness."""

from __future__ import annotations

from collections.abc import Mapping

from thumbnails.analysis import FrameStats

#: Weights of the final score; they sum to 1, so the score stays in [0, 1].
WEIGHTS: Mapping[str, float] = {
    "sharpness": 0.25,
    "contrast": 0.15,
    "exposure": 0.15,
    "colourfulness": 0.15,
    "thirds": 0.10,
    "stillness": 0.10,
    "face": 0.10,
}


def quality_features(stats: FrameStats) -> dict[str, float]:
    """The features that come straight from the per-frame statistics."""
    return {
        "brightness": stats.luma_mean / 255.0,
        "contrast": min(1.0, stats.luma_std / 128.0),
        "sharpness": stats.laplacian_var / (stats.laplacian_var + 300.0),
        "stillness": max(0.0, min(1.0, 1.0 - stats.motion / 64.0)),
    }


def exposure(brightness: float) -> float:
    """1 at mid-grey, falling to 0 at black or white."""
    return max(0.0, 1.0 - 2.0 * abs(brightness - 0.5))


def quick_score(stats: FrameStats) -> float:
    """The score from per-frame statistics alone: picks each window's best frame cheaply."""
    q = quality_features(stats)
    return (
        0.4 * q["sharpness"]
        + 0.25 * q["contrast"]
        + 0.2 * exposure(q["brightness"])
        + 0.15 * q["stillness"]
    )


def final_score(features: Mapping[str, float]) -> float:
    """The ranking score in [0, 1] from a candidate's full features."""
    face = min(1.0, features["face_area"] * 10.0) if features["face_count"] else 0.0
    terms = {
        "sharpness": features["sharpness"],
        "contrast": features["contrast"],
        "exposure": exposure(features["brightness"]),
        "colourfulness": features["colourfulness"],
        "thirds": features["thirds"],
        "stillness": features["stillness"],
        "face": face,
    }
    return max(0.0, min(1.0, sum(WEIGHTS[name] * value for name, value in terms.items())))
