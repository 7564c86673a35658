"""Synthetic titles for the demo, built from images that ship inside scikit-image (no download).

Each title is a short video of a few shots, slow pans and zooms over one picture each, so the
extracted artwork differs the way real artwork does: faces or scenery, bright or dark, warm or
cool, close-up or wide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
from skimage import data

WIDTH, HEIGHT, FPS = 640, 360, 25
SHOT_FRAMES = 50


def _image(name: str) -> np.ndarray:
    """A picture bundled with scikit-image (these few need no download)."""
    return np.asarray(getattr(data, name)())


def _bgr(picture: np.ndarray) -> np.ndarray:
    if picture.ndim == 2:
        picture = np.stack([picture] * 3, axis=-1)
    return cv2.cvtColor(np.ascontiguousarray(picture[..., :3]), cv2.COLOR_RGB2BGR)


def _shot(
    picture: np.ndarray, zoom: tuple[float, float], centre: tuple[float, float], tone: float = 1.0
) -> Iterator[np.ndarray]:
    """A slow zoom from zoom[0] to zoom[1] around ``centre`` (fractions of the picture)."""
    height, width = picture.shape[:2]
    for i in range(SHOT_FRAMES):
        z = zoom[0] + (zoom[1] - zoom[0]) * i / SHOT_FRAMES
        w = min(width, height * WIDTH / HEIGHT) / z
        h = w * HEIGHT / WIDTH
        x = int(np.clip(centre[0] * width - w / 2, 0, width - w))
        y = int(np.clip(centre[1] * height - h / 2, 0, height - h))
        frame = cv2.resize(picture[y : y + int(h), x : x + int(w)], (WIDTH, HEIGHT))
        yield np.clip(frame.astype(np.float32) * tone, 0, 255).astype(np.uint8)


def _warm(picture: np.ndarray, amount: float) -> np.ndarray:
    """Shift towards red (amount > 0) or blue (amount < 0)."""
    out = picture.astype(np.float32)
    out[..., 2] *= 1 + amount  # BGR: more red
    out[..., 0] *= 1 - amount  # less blue
    return np.clip(out, 0, 255).astype(np.uint8)


# zoom, centre and tone per shot: close-ups zoom in on the subject, wide shots stay out.
TITLES: dict[str, Callable[[], list[Iterator[np.ndarray]]]] = {
    "space-mission": lambda: [
        _shot(_bgr(_image("astronaut")), (1.4, 1.6), (0.45, 0.3)),
        _shot(_bgr(_image("rocket")), (1.0, 1.1), (0.5, 0.5)),
        _shot(_bgr(_image("hubble_deep_field")), (1.0, 1.2), (0.5, 0.5), tone=0.8),
        _shot(_bgr(_image("astronaut")), (1.0, 1.1), (0.5, 0.5), tone=1.1),
    ],
    "cafe-stories": lambda: [
        _shot(_warm(_bgr(_image("coffee")), 0.2), (1.0, 1.15), (0.5, 0.5)),
        _shot(_bgr(_image("chelsea")), (1.6, 1.9), (0.45, 0.45)),
        _shot(_warm(_bgr(_image("astronaut")), 0.25), (1.3, 1.5), (0.45, 0.3)),
        _shot(_bgr(_image("colorwheel")), (1.0, 1.05), (0.5, 0.5)),
    ],
    "deep-field": lambda: [
        _shot(_bgr(_image("hubble_deep_field")), (1.5, 1.8), (0.3, 0.6)),
        _shot(_bgr(_image("immunohistochemistry")), (1.0, 1.2), (0.5, 0.5)),
        _shot(_bgr(_image("retina")), (1.0, 1.1), (0.5, 0.5), tone=0.7),
        _shot(_warm(_bgr(_image("astronaut")), -0.3), (1.4, 1.6), (0.45, 0.3), tone=0.85),
    ],
}


def write_title(name: str, folder: Path) -> Path:
    """Write the title's video to ``folder/<name>.mp4`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (WIDTH, HEIGHT))
    for shot in TITLES[name]():
        for frame in shot:
            writer.write(frame)
    writer.release()
    return path
