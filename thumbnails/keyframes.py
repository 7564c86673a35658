"""``--fast``: shots and picks from keyframes only, then full frames around the picks.

A first pass over a catalogue needs good candidates soon more than the best frame of every
second. Decoding only keyframes (PyAV with ``skip_frame="NONKEY"``) costs a small share of
decoding every frame: keyframes come every few seconds, and encoders put one at nearly every
cut (x264's scene-cut rule), so shots are found at keyframe precision. The quality gate, the
flash rule, the windows and the shortlist work on keyframes as the full pass does on frames.

Each shortlisted keyframe is then refined: OpenCV decodes the `REFINE_S` after it, within its
shot, every frame the full pass would analyse, and the best of them that passes the gate stands
in for the keyframe. Candidates are therefore frames the full pass could pick, with the index
and timestamp it would give them, and the pixels it would decode.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import cv2

from thumbnails.analysis import FrameAnalyser, FrameStats
from thumbnails.decode import DecodedFrame, VideoInfo, VideoStream
from thumbnails.errors import VideoUnreadable
from thumbnails.image import Image
from thumbnails.pipeline import WINDOW_S, analyse_video, auto_frame_step
from thumbnails.quality import QualityGate, Rejection
from thumbnails.ranking import (
    Extraction,
    finish_extraction,
    preload_face_detector,
)
from thumbnails.retention import window_of
from thumbnails.scoring import quick_score
from thumbnails.shortlist import Shortlist, Shortlisted, shortlist_capacity
from thumbnails.shots import ShotDetector

#: Seconds after a keyframe searched, in full frames, for the frame that stands in for it.
REFINE_S = 0.5

#: How OpenCV turns a picture for a display rotation; PyAV leaves that to the caller.
_ROTATIONS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def analyse_keyframes(
    path: str | Path,
    top_k: int = 8,
    *,
    gate: QualityGate | None = None,
    frame_step: int | None = None,
) -> Extraction:
    """The fast pipeline: `analyse_video`'s result from keyframes and a few full frames.

    Raises what `analyse_video` raises.
    """
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    gate = gate or QualityGate()
    preload_face_detector()
    with VideoStream(path) as video:
        info = video.info
        step = frame_step or auto_frame_step(info.fps)
        scan = _KeyframeScan(info, gate, top_k, video.shrink)
    scan.run()
    if scan.keyframes < top_k:
        # A clip with fewer keyframes than candidates asked for (a 5 s clip may have one) has
        # too little to choose from, and its full pass is cheap: run that instead.
        extraction = analyse_video(path, top_k, gate=gate, frame_step=frame_step)
        keyframes = f"{scan.keyframes} keyframe{'' if scan.keyframes == 1 else 's'}"
        extraction.notes.append(
            f"fast mode: only {keyframes} for {top_k} candidates; ran the full pass"
        )
        return extraction
    refined = _refine_all(scan, gate, step)
    shortlist = Shortlist(scan.shortlist.capacity)
    for entry in refined:
        shortlist.add(entry)
    extraction = finish_extraction(
        info,
        step,
        shortlist.entries,
        scan.shots.boundaries,
        scan.rejected,
        decoded=scan.packets,
        last_timestamp_s=scan.last_timestamp_s,
        top_k=top_k,
    )
    extraction.notes.append(
        f"fast mode: shots and picks from {scan.keyframes} keyframes, then {scan.refined}"
        " full frames around the picks"
    )
    return extraction


class _KeyframeScan:
    """One pass over a video's keyframes."""

    def __init__(
        self, info: VideoInfo, gate: QualityGate, top_k: int, shrink: Callable[[Image], Image]
    ) -> None:
        self.info = info
        self.gate = gate
        self.shrink = shrink
        self.shots = ShotDetector()
        self.shortlist = Shortlist(shortlist_capacity(top_k, info.width * info.height * 3))
        self.rejected: Counter[str] = Counter()
        self.packets = 0
        """Frames in the stream (its video packets), decoded or not."""
        self.keyframes = 0
        self.refined = 0
        self.last_timestamp_s = 0.0
        self._analyser = FrameAnalyser()
        self.pts_of: dict[int, int] = {}
        """Each keyframe's presentation time, in stream time-base units, to seek back to."""
        self._held: list[tuple[FrameStats, DecodedFrame]] = []
        self._last: FrameStats | None = None
        self._window: tuple[int, int] | None = None
        self._best: Shortlisted | None = None

    def run(self) -> None:
        path = self.info.path
        try:
            with av.open(str(path)) as container:
                stream = container.streams.video[0]
                stream.codec_context.skip_frame = "NONKEY"
                base = stream.time_base
                start = stream.start_time or 0
                # A frame's index is its place in presentation order, as the full pass counts
                # frames (a variable frame rate makes time * fps wrong): the number of packets
                # shown before it. Packets come nearly in that order, so the list stays sorted
                # cheaply.
                shown: list[int] = []
                for packet in container.demux(stream):
                    if packet.size:
                        self.packets += 1
                        if packet.pts is not None:
                            bisect.insort(shown, packet.pts)
                    for frame in _decoded(packet):
                        if frame.pts is None or base is None:
                            continue
                        index = bisect.bisect_left(shown, frame.pts)
                        self.pts_of[index] = frame.pts
                        seconds = max(0.0, float((frame.pts - start) * base))
                        self._take(index, seconds, self.picture(frame))
        except (av.error.FFmpegError, IndexError) as exc:
            raise VideoUnreadable(path, f"cannot read its keyframes: {exc}") from exc
        last = self._last
        if last is None:
            raise VideoUnreadable(path, "no decodable keyframes")
        self.last_timestamp_s = last.timestamp_s
        self.shots.finish(last.index)
        self._judge_until(last.index)
        if self._best is not None:
            self.shortlist.add(self._best)

    def picture(self, frame: av.VideoFrame) -> Image:
        """A decoded frame as OpenCV would give it: BGR, turned upright."""
        image: Image = frame.to_ndarray(format="bgr24")
        turn = _ROTATIONS.get(self.info.rotation_deg)
        return image if turn is None else cv2.rotate(image, turn)

    def _take(self, index: int, timestamp_s: float, image: Image) -> None:
        self.keyframes += 1
        decoded = DecodedFrame(index, timestamp_s, image, self.shrink(image))
        stats = self._analyser(decoded)
        self.shots.push(stats)
        self._held.append((stats, decoded))
        self._last = stats
        self._judge_until(self.shots.settled)

    def _judge_until(self, ready: int) -> None:
        while self._held and self._held[0][0].index <= ready:
            stats, decoded = self._held.pop(0)
            reason = self.gate.check(stats)
            if reason is None and stats.index in self.shots.flashes:
                reason = Rejection.FLASH
            if reason is not None:
                self.rejected[reason.value] += 1
                continue
            shot = self.shots.shot_of(stats.index)
            window = window_of(shot, stats.timestamp_s, WINDOW_S)
            if window != self._window:
                if self._best is not None:
                    self.shortlist.add(self._best)
                self._window, self._best = window, None
            quick = quick_score(stats)
            if self._best is None or quick > self._best.quick:
                self._best = Shortlisted.of(stats, shot, decoded.image, decoded.small, quick)


def _refine_all(scan: _KeyframeScan, gate: QualityGate, step: int) -> list[Shortlisted]:
    """Each shortlisted keyframe, replaced by the best full frame of the second after it."""
    refined = []
    entries = sorted(scan.shortlist.entries, key=lambda e: e.stats.index)
    try:
        with av.open(str(scan.info.path)) as container:
            stream = container.streams.video[0]
            for entry in entries:
                frames = _frames_after(container, stream, entry, scan, step)
                scan.refined += len(frames)
                best = _best_of(frames, entry.shot, gate)
                if best is not None:
                    refined.append(best)
    except av.error.FFmpegError as exc:
        raise VideoUnreadable(scan.info.path, f"cannot decode around frame: {exc}") from exc
    return refined


def _frames_after(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    entry: Shortlisted,
    scan: _KeyframeScan,
    step: int,
) -> list[DecodedFrame]:
    """The frames the full pass would analyse in the `REFINE_S` from a keyframe, within its
    shot and short of the frame before the next cut (it can carry the cut's codec smear)."""
    start = entry.stats.index
    boundaries = scan.shots.boundaries
    following = bisect.bisect_right(boundaries, start)
    shot_end = boundaries[following] if following < len(boundaries) else scan.packets
    fps = scan.info.fps or 25.0
    stop = max(start + 1, min(start + round(REFINE_S * fps), shot_end - step))
    base = stream.time_base
    origin = stream.start_time or 0
    keyframe_pts = scan.pts_of[start]
    container.seek(keyframe_pts, stream=stream, backward=True)
    frames: list[DecodedFrame] = []
    index = start
    for frame in _frames_from(container, stream):  # in presentation order, from the keyframe
        if frame.pts is None or base is None or frame.pts < keyframe_pts:
            continue
        if index >= stop:
            break
        if index % step == 0:
            image = scan.picture(frame)
            seconds = max(0.0, float((frame.pts - origin) * base))
            frames.append(DecodedFrame(index, seconds, image, scan.shrink(image)))
        index += 1
    return frames


def _decoded(packet: av.Packet[av.VideoStream]) -> list[av.VideoFrame]:
    """A packet's frames; none for a damaged packet, which the full pass would skip too (a
    truncated file still yields what precedes the damage)."""
    try:
        return packet.decode()
    except av.error.InvalidDataError:
        return []


def _frames_from(
    container: av.container.InputContainer, stream: av.VideoStream
) -> Iterator[av.VideoFrame]:
    for packet in container.demux(stream):
        yield from _decoded(packet)


def _best_of(frames: list[DecodedFrame], shot: int, gate: QualityGate) -> Shortlisted | None:
    analyser = FrameAnalyser()
    measured = [analyser(frame) for frame in frames]
    if len(measured) > 1:
        # The first has no frame before it to measure motion against: lend it the next one's,
        # or it would look stiller than any other.
        measured[0] = dataclasses.replace(measured[0], motion=measured[1].motion)
    best: Shortlisted | None = None
    for frame, stats in zip(frames, measured, strict=True):
        if gate.check(stats) is not None:
            continue
        quick = quick_score(stats)
        if best is None or quick > best.quick:
            best = Shortlisted.of(stats, shot, frame.image, frame.small, quick)
    return best
