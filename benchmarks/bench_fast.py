"""``--fast`` against decoding every frame, on generated 3-minute 720p H.264 titles encoded as a
broadcaster would (a keyframe every 2 s or 5 s at most, and at scene cuts).

The baseline is OpenCV decoding the same file and nothing else (``grab()`` on every frame):
the floor of any pass that looks at every frame. The full pass is printed beside it. Quality:
the share of ground-truth shots longer than 2 s that get a candidate when as many candidates
as shots are asked for (fast and full), and the recall of the full pass's top 8 by fast mode
(same shot; within half a second).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from report import emit

from tests.thumbnails.encoded import film_shots, write_film
from thumbnails import Extraction, analyse_video
from thumbnails.keyframes import analyse_keyframes

SECONDS = 180
KEYFRAME_S = (2.0, 5.0)
REPEATS = 3


def decode_only(path: Path) -> int:
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    frames = 0
    while capture.grab():
        frames += 1
    return frames


def _median_time(work: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _coverage(extraction: Extraction, shots: list[tuple[int, int]]) -> float:
    long = [(a, b) for a, b in shots if (b - a) / 25 > 2]
    hit = {s for c in extraction.candidates for s in long if s[0] <= c.frame_index < s[1]}
    return len(hit) / len(long)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for number, keyframe_s in enumerate(KEYFRAME_S):
            shots = film_shots(SECONDS, seed=10 + number)
            path = write_film(
                Path(tmp) / f"title{number}.mp4", shots, keyframe_s=keyframe_s, seed=10 + number
            )
            name = f"{SECONDS} s 1280x720 H.264, keyframe every {keyframe_s:g} s"
            decode = _median_time(lambda p=path: decode_only(p))  # type: ignore[misc]
            fast = _median_time(lambda p=path: analyse_keyframes(p, 8))  # type: ignore[misc]
            full = _median_time(lambda p=path: analyse_video(p, 8))  # type: ignore[misc]
            emit(
                "--fast wall time", fast, "s", baseline=decode,
                baseline_name="OpenCV decode-only", target_ratio=0.5, title=name,
            )  # fmt: skip
            emit("full pass wall time", full, "s", baseline=decode,
                 baseline_name="OpenCV decode-only", title=name)  # fmt: skip
            k = len(shots)
            covered = _coverage(analyse_keyframes(path, k), shots)
            emit("shots > 2 s with a candidate (--fast)", covered,
                 "share", baseline=_coverage(analyse_video(path, k), shots),
                 baseline_name="full pass", top_k=k, target=0.9, title=name)  # fmt: skip
            full8, fast8 = analyse_video(path, 8).candidates, analyse_keyframes(path, 8).candidates

            def shot_of(frame: int, shots: list[tuple[int, int]] = shots) -> int:
                return next(i for i, (a, b) in enumerate(shots) if a <= frame < b)

            fast_shots = {shot_of(c.frame_index) for c in fast8}
            emit("recall of the full pass's top 8 by --fast (same shot)",
                 sum(shot_of(c.frame_index) in fast_shots for c in full8) / len(full8),
                 "share", title=name)  # fmt: skip
            near = sum(any(abs(c.timestamp_s - d.timestamp_s) <= 0.5 for d in fast8) for c in full8)
            emit("recall of the full pass's top 8 by --fast (within 0.5 s)", near / len(full8),
                 "share", title=name)  # fmt: skip


if __name__ == "__main__":
    main()
