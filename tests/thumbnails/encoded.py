"""H.264 test videos written with PyAV, for what cv2.VideoWriter cannot write: real H.264 (the
codec of the speed target), variable frame rates and rotation metadata."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tests.thumbnails.synthetic import Image

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
