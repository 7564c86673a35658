"""The end of an extraction: the shortlist of a whole video (one pass, or the merge of a split
film's pieces) becomes ranked, diverse candidates with their crops, and an `Extraction` that
says what a user should know about the run."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2

from thumbnails.candidate import Candidate
from thumbnails.decode import VideoInfo
from thumbnails.errors import NoUsableFrames
from thumbnails.faces import FaceDetector
from thumbnails.features import describe
from thumbnails.image import Image
from thumbnails.letterbox import Box, active_box, scale_box
from thumbnails.scoring import final_score
from thumbnails.select import Scored, select_diverse
from thumbnails.shortlist import Shortlisted


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything one run learned about a video."""

    info: VideoInfo
    frames_decoded: int
    frame_step: int
    """Every this-many-th frame was analysed."""
    duration_s: float
    shots: list[tuple[int, int]]
    """``[start_frame, end_frame)`` of each shot."""
    candidates: list[Candidate]
    """Ranked best first."""
    crops: list[Image] = field(repr=False)
    """Full-resolution cropped pictures, aligned with ``candidates``."""
    rejected: dict[str, int]
    """How many frames each quality rule rejected."""
    notes: list[str]
    """Things a user should know (fewer candidates than asked, a stream that ended early)."""
    face_backend: str


_FACES: FaceDetector | None = None
_FACES_LOCK = threading.Lock()


def preload_face_detector() -> None:
    """Load the face cascade on another thread while the first frames decode; it is needed
    only at the end. Not a daemon thread: the interpreter waits for it before exiting, since
    OpenCV aborts the process when a thread is still inside it at shutdown (a run whose
    every input was bad exited 134 after its error lines)."""
    threading.Thread(target=face_detector, name="face-cascade").start()


def face_detector() -> FaceDetector:
    """One detector per process: loading the cascade takes tens of milliseconds."""
    global _FACES
    with _FACES_LOCK:
        if _FACES is None:
            _FACES = FaceDetector()
        return _FACES


def finish_extraction(
    info: VideoInfo,
    frame_step: int,
    shortlist: Sequence[Shortlisted],
    boundaries: list[int],
    rejected: Counter[str],
    *,
    decoded: int,
    last_timestamp_s: float,
    top_k: int,
) -> Extraction:
    """Rank the shortlist of a whole video (one span, or the merge of several) and say what a
    user should know about the run."""
    duration = last_timestamp_s + (1.0 / info.fps if info.fps else 0.0)
    notes = []
    if info.frame_count and decoded < info.frame_count - 1:
        notes.append(f"stream ended at frame {decoded} of {info.frame_count} (truncated?)")
    candidates, crops = _rank(shortlist, info, top_k)
    if not candidates:
        reasons = ", ".join(f"{n} {why}" for why, n in rejected.most_common())
        raise NoUsableFrames(
            info.path, f"no usable frames: all {decoded} frames were rejected ({reasons})"
        )
    if len(candidates) < top_k:
        notes.append(f"only {len(candidates)} usable candidates (asked for {top_k})")
    ends = [*boundaries[1:], decoded]
    return Extraction(
        info=info,
        frame_step=frame_step,
        frames_decoded=decoded,
        duration_s=duration,
        shots=list(zip(boundaries, ends, strict=True)),
        candidates=candidates,
        crops=crops,
        rejected=dict(rejected),
        notes=notes,
        face_backend=face_detector().backend,
    )


def _crop(entry: Shortlisted, info: VideoInfo) -> Box:
    """The active picture in source pixels. Bars found at analysis size are re-measured on the
    full frame, so the crop edge is exact rather than rounded to the analysis scale."""
    x, y, w, h = entry.stats.box
    small_h, small_w = entry.small.shape[:2]
    if (x, y, w, h) == (0, 0, small_w, small_h):
        return 0, 0, info.width, info.height
    full = active_box(cv2.cvtColor(entry.image, cv2.COLOR_BGR2GRAY))
    if full[2] < info.width or full[3] < info.height:
        return full
    return scale_box(entry.stats.box, info.scale, info.width, info.height)


def _rank(
    shortlist: Sequence[Shortlisted], info: VideoInfo, top_k: int
) -> tuple[list[Candidate], list[Image]]:
    faces = face_detector()
    described = {}
    for entry in shortlist:
        crop = _crop(entry, info)
        features = describe(entry, crop, faces)
        described[entry.stats.index] = (entry, crop, features, final_score(features))
    picked = select_diverse(
        [
            Scored(index, entry.shot, score, entry.signature)
            for index, (entry, _, _, score) in described.items()
        ],
        top_k,
    )
    candidates, crops = [], []
    for item in picked:
        entry, crop, features, score = described[item.key]
        x, y, w, h = crop
        candidates.append(
            Candidate(
                video=info.path,
                frame_index=entry.stats.index,
                timestamp_s=entry.stats.timestamp_s,
                shot_index=entry.shot,
                crop=crop,
                features=features,
                score=score,
            )
        )
        crops.append(entry.image[y : y + h, x : x + w])
    return candidates, crops
