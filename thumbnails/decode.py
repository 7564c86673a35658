"""Stream a video frame by frame with OpenCV, with a reduced-size copy for analysis.

Memory is bounded by the frame size: nothing holds more than the current frame.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# FFmpeg's own chatter ("partial file", "Invalid NAL unit size") would interleave with the
# one line per bad input the CLI promises; what it means reaches the user as that line or a
# note ("stream ended at frame N of M"). Set the variable to see FFmpeg's messages again.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2  # reads the variable above when it loads FFmpeg

# OpenCV's own warnings ("[ WARN:0@0.2] ... can't be used to capture by name") likewise: a
# bad input is one line of ours. OPENCV_LOG_LEVEL set by the user wins.
if "OPENCV_LOG_LEVEL" not in os.environ:
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

from thumbnails.errors import VideoUnreadable
from thumbnails.image import Image

#: Frames decoded ahead of the analysis.
PREFETCH = 4
#: Analysis width. 320 px keeps shot, blur and exposure cues while cutting per-frame work
#: ~16x on 720p (PySceneDetect analyses at a similar reduced size for the same reason).
ANALYSIS_WIDTH = 320


@dataclass(frozen=True, slots=True)
class VideoInfo:
    path: Path
    width: int
    """Width of decoded frames, after rotation metadata is applied."""
    height: int
    fps: float
    """Nominal frame rate from the container; timestamps do not rely on it."""
    frame_count: int
    """Frame count the container claims (may be approximate); 0 when unknown."""
    rotation_deg: int
    """Rotation metadata the decoder applied (0, 90, 180 or 270)."""

    @property
    def scale(self) -> float:
        """Source pixels per analysis pixel."""
        return max(1.0, self.width / ANALYSIS_WIDTH)


@dataclass(frozen=True, slots=True)
class DecodedFrame:
    index: int
    timestamp_s: float
    """Presentation time from the stream."""
    image: Image
    """The full-resolution BGR frame."""
    small: Image
    """A BGR copy at most ANALYSIS_WIDTH wide, same aspect."""


class VideoStream:
    """An open video. Iterate it for `DecodedFrame`s; use it as a context manager.

    >>> with VideoStream("clip.mp4") as video:            # doctest: +SKIP
    ...     for frame in video:
    ...         print(frame.index, frame.timestamp_s)
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise VideoUnreadable(self.path, "no such file")
        if self.path.is_dir():
            raise VideoUnreadable(self.path, "is a directory, not a video file")
        if self.path.stat().st_size == 0:
            raise VideoUnreadable(self.path, "empty file (0 bytes)")
        if not os.access(self.path, os.R_OK):
            raise VideoUnreadable(self.path, "permission denied")
        self._cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not self._cap.isOpened():
            raise VideoUnreadable(
                self.path, "not a readable video (unknown format, corrupt or truncated)"
            )
        # Frames come out already rotated per the stream's display-matrix metadata.
        self._cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise VideoUnreadable(
                self.path, "no decodable video frames (audio only, or a broken stream?)"
            )
        self._first: Image | None = first
        self._first_ts = self._timestamp(0, float(self._cap.get(cv2.CAP_PROP_FPS)) or 25.0)
        height, width = first.shape[:2]
        self.info = VideoInfo(
            path=self.path,
            width=width,
            height=height,
            fps=float(self._cap.get(cv2.CAP_PROP_FPS)) or 0.0,
            frame_count=max(0, int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))),
            rotation_deg=int(self._cap.get(cv2.CAP_PROP_ORIENTATION_META)) % 360,
        )
        small_w = min(ANALYSIS_WIDTH, width)
        self._small_size = (small_w, max(1, round(height * small_w / width)))
        self.frames_read = 0
        self._closed = False

    def _timestamp(self, index: int, fps: float) -> float:
        # POS_MSEC after read() is the decoded frame's presentation time; fall back to index/fps
        # only when the container has no timestamps.
        ms = float(self._cap.get(cv2.CAP_PROP_POS_MSEC))
        if ms > 0 or index == 0:
            return max(0.0, ms / 1000.0)
        return index / fps

    def shrink(self, image: Image) -> Image:
        """The analysis-size copy of a full frame of this video."""
        if image.shape[1] == self._small_size[0]:
            return image
        # INTER_NEAREST: ~10x cheaper than INTER_LINEAR at 720p (and ~60x than INTER_AREA); it
        # keeps fine texture (aliased), which the blur measure needs, and statistics hold.
        small: Image = cv2.resize(image, self._small_size, interpolation=cv2.INTER_NEAREST)
        return small

    def _decoded(self, step: int) -> Iterator[tuple[int, float, Image]]:
        fps = self.info.fps or 25.0
        if self._first is not None:
            first, self._first = self._first, None
            self.frames_read = 1
            yield 0, self._first_ts, first
        while not self._closed:
            index = self.frames_read
            if index % step:
                # grab() decodes without the colour conversion read() adds (a third of
                # OpenCV's decode time at 720p); the frame is skipped, not lost.
                if not self._cap.grab():
                    return
                self.frames_read += 1
                continue
            ok, image = self._cap.read()
            if not ok or image is None:
                return
            self.frames_read += 1
            yield index, self._timestamp(index, fps), image

    def seek(self, index: int) -> None:
        """Go on from frame ``index``: OpenCV seeks to the keyframe before it and decodes up
        to it, so indices and timestamps stay the stream's own. Call before `frames`."""
        if index <= 0:
            return
        if not self._cap.set(cv2.CAP_PROP_POS_FRAMES, index):
            raise VideoUnreadable(self.path, f"cannot seek to frame {index}")
        self._first = None
        self.frames_read = index

    def __iter__(self) -> Iterator[DecodedFrame]:
        return self.frames()

    def frames(self, step: int = 1) -> Iterator[DecodedFrame]:
        """Every ``step``-th frame, in decode order. Every frame is decoded either way, so
        indices and timestamps are the stream's own.

        A reader thread decodes ahead while the caller analyses: OpenCV releases the GIL in
        read() and resize(), so the two overlap on two cores. The queue is short, so memory
        stays bounded by a few frames."""
        frames: queue.Queue[tuple[int, float, Image] | BaseException | None]
        frames = queue.Queue(PREFETCH)

        def produce() -> None:
            try:
                for frame in self._decoded(step):
                    frames.put(frame)
                frames.put(None)
            except BaseException as exc:  # handed to the consumer, raised there
                frames.put(exc)

        reader = threading.Thread(target=produce, name=f"decode:{self.path.name}", daemon=True)
        reader.start()
        try:
            while (item := frames.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                index, timestamp, image = item
                # Shrinking here, not in the reader, leaves the reader nothing but decoding.
                yield DecodedFrame(index, timestamp, image, self.shrink(image))
        finally:
            self._closed = True
            while reader.is_alive():  # unblock a producer waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    frames.get(timeout=0.05)
            reader.join()

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> VideoStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
