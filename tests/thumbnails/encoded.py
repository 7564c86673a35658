"""H.264 test videos written with PyAV, for what cv2.VideoWriter cannot write: real H.264 (the
codec of the speed target), variable frame rates and rotation metadata."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tests.thumbnails.synthetic import Image, scene

#: Millisecond timestamps: any presentation time can be expressed.
TIME_BASE = Fraction(1, 1000)


def write_h264(
    path: Path,
    frames: Sequence[Image],
    *,
    pts_ms: Sequence[int] | None = None,
    fps: int = 25,
    rotation_deg: int = 0,
) -> Path:
    """Encode BGR ``frames`` as H.264 in MP4.

    ``pts_ms`` gives each frame's presentation time (variable frame rate); by default frames
    are ``1000 / fps`` ms apart. With ``rotation_deg``, frames are stored turned the other way
    and the stream carries a display matrix, as phones write portrait video: a player (and
    OpenCV) shows ``frames`` upright.
    """
    if pts_ms is None:
        pts_ms = [round(i * 1000 / fps) for i in range(len(frames))]
    turns = rotation_deg // 90
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stored_h, stored_w = np.rot90(frames[0], -turns).shape[:2]
        stream.width, stream.height = stored_w, stored_h
        stream.pix_fmt = "yuv420p"
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        if rotation_deg:
            # A display rotation of +90 shows the stored picture turned 90 degrees
            # anticlockwise, so store it turned clockwise.
            stream.set_display_rotation(rotation_deg)
        for image, pts in zip(frames, pts_ms, strict=True):
            stored = np.ascontiguousarray(np.rot90(image, -turns))
            frame = av.VideoFrame.from_ndarray(stored, format="bgr24")
            frame.pts, frame.time_base = pts, TIME_BASE
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def film_shots(seconds: float, fps: int = 25, seed: int = 0) -> list[tuple[int, int]]:
    """Ground truth for `write_film`: ``[start, end)`` frames of shots 1.5 to 9 s long, with a
    few short ones, as an edited film has."""
    rng = np.random.default_rng(seed)
    shots, start, total = [], 0, round(seconds * fps)
    while start < total:
        length = round(fps * (rng.uniform(0.6, 1.5) if rng.random() < 0.15 else rng.uniform(2, 9)))
        end = min(total, start + max(1, length))
        shots.append((start, end))
        start = end
    return shots


def write_film(
    path: Path,
    shots: Sequence[tuple[int, int]],
    *,
    width: int = 1280,
    height: int = 720,
    fps: int = 25,
    keyframe_s: float = 3.0,
    seed: int = 0,
    faststart: bool = False,
) -> Path:
    """An H.264 film of panning shots, encoded as a broadcaster would: a keyframe at least every
    ``keyframe_s`` seconds and at scene cuts (x264's default). Frames are made as they are
    written, so a long film never sits in memory. ``faststart`` puts the index first, as for
    streaming: a file cut short then still opens, and plays up to the cut."""
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = round(keyframe_s * fps)
        stream.codec_context.options = {"preset": "veryfast"}
        for number, (start, end) in enumerate(shots):
            canvas = scene(seed * 1000 + number, width + (end - start) // 2 + 1, height)
            for i in range(end - start):
                image = np.ascontiguousarray(canvas[:, i // 2 : i // 2 + width])
                container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode(None))
    return path
