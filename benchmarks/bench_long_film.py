"""A long film split into pieces: one process (no split) against ``--workers 2`` and a local Ray
cluster, each splitting the film into pieces of 150 s analysed in parallel, in one run on the
same generated 12-minute 640x360 H.264 film (a keyframe every 3 s and at cuts). Also
``--workers 2`` without splitting, which is one process's work with a pool's overhead: a
single film gains nothing from workers unless it is split.

One extraction already keeps ~1.6 of this machine's 2 cores busy (a decode thread beside the
analysis), so two cores cannot show what splitting buys on a cluster. The last figure is a
projection from measured times: each piece timed alone on one OpenCV thread, and the merge;
with a core per piece the film takes the longest piece plus the merge.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from extract_cli import time_extract
from report import emit

from tests.thumbnails.encoded import film_shots, write_film
from thumbnails import analyse_video, encode_output
from thumbnails.chunks import CHUNK_S, SpanMerger, plan_pieces
from thumbnails.pipeline import analyse_span

SECONDS = 720


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        film = write_film(
            folder / "film.mp4", film_shots(SECONDS, seed=3), width=640, height=360, seed=3
        )
        single = time_extract([film], folder / "single")
        ways = {
            "--workers 2, pieces of 150 s": time_extract([film], folder / "w2", "--workers", "2"),
            "--workers 2, not split": time_extract(
                [film], folder / "w2-whole", "--workers", "2", "--chunk-seconds", "0"
            ),
            "--ray (local), pieces of 150 s": time_extract([film], folder / "ray", "--ray"),
        }
        plan = plan_pieces(film, CHUNK_S)
        start = time.perf_counter()
        encode_output(analyse_video(film))
        one_pass = time.perf_counter() - start
        cv2.setNumThreads(1)
        pieces, merger = [], SpanMerger(plan, 8)
        spans = []
        for first, stop in plan:
            start = time.perf_counter()
            spans.append(analyse_span(film, 8, start=first, stop=stop))
            pieces.append(time.perf_counter() - start)
        start = time.perf_counter()
        for span in spans:
            merger.add(span)
        encode_output(merger.finish())
        merge = time.perf_counter() - start
        emit(
            "long film speed-up, projected with a core per piece",
            one_pass / (max(pieces) + merge),
            "x",
            baseline=1.0,
            baseline_name=f"one pass in one process, {one_pass:.1f} s",
            pieces=len(plan),
            longest_piece_s=round(max(pieces), 2),
            merge_s=round(merge, 2),
            all_pieces_cpu_s=round(sum(pieces), 2),
        )
        for name, seconds in ways.items():
            emit(
                f"long film speed-up ({name})",
                single / seconds,
                "x",
                baseline=1.0,
                baseline_name=f"one process, {single:.1f} s",
                seconds=round(seconds, 2),
                film=f"{SECONDS} s 640x360 H.264",
            )


if __name__ == "__main__":
    main()
