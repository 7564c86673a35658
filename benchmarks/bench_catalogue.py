"""Catalogue throughput: the same generated titles extracted by one process, by two local
worker processes (``--workers 2``) and by a local Ray cluster, in one run; Ray's fixed start-up
cost; the re-run of an already-extracted catalogue; and the two content fingerprints.

Prints titles per hour and the realtime factor (video seconds per wall second) for each way,
with the single process as the baseline. The generated titles are built with the tests'
synthetic scenes (cv2.VideoWriter, mp4v), 120 s each at 640x360.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from extract_cli import time_extract
from report import emit

from tests.thumbnails.synthetic import FPS, pan, scene, write_video
from thumbnails.memo import full_fingerprint, sampled_fingerprint

TITLES = 8
SECONDS_PER_TITLE = 120


def _titles(folder: Path) -> list[Path]:
    frames_per_scene = 200  # a pan may run 200 frames over one canvas
    scenes = SECONDS_PER_TITLE * FPS // frames_per_scene
    paths = []
    for t in range(TITLES):
        path = folder / f"title{t}.mp4"
        write_video(path, [f for s in range(scenes) for f in pan(scene(100 + t * scenes + s), 200)])
        paths.append(path)
    return paths


def ray_start_up() -> float:
    """Seconds to start a local cluster and get one trivial task back, then shut it down."""
    code = (
        "import time, logging; t = time.perf_counter(); import ray;"
        " ray.init(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR);"
        " ray.get(ray.remote(lambda: 1).remote()); print(time.perf_counter() - t); ray.shutdown()"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        videos = _titles(folder)
        video_seconds = TITLES * SECONDS_PER_TITLE
        single = time_extract(videos, folder / "single")
        workers = time_extract(videos, folder / "workers", "--workers", "2")
        ray = time_extract(videos, folder / "ray", "--ray")
        rerun = time_extract(videos, folder / "single")
        for name, seconds in (
            ("one process", single),
            ("--workers 2", workers),
            ("--ray (local)", ray),
        ):
            emit(
                f"catalogue titles/hour ({name})",
                3600 * TITLES / seconds,
                "titles/h",
                baseline=3600 * TITLES / single,
                titles=TITLES,
                title_seconds=SECONDS_PER_TITLE,
            )
            emit(
                f"catalogue realtime factor ({name})",
                video_seconds / seconds,
                "x realtime",
                baseline=video_seconds / single,
            )
        emit(
            "re-run of an extracted catalogue",
            rerun,
            "s",
            baseline=single,
            baseline_name="first run, one process",
        )
        emit("Ray local start-up, one trivial task", ray_start_up(), "s")
        sample = videos[0]
        for _ in range(2):  # warm the page cache for both
            sampled_fingerprint(sample), full_fingerprint(sample)
        t = time.perf_counter()
        for _ in range(20):
            sampled_fingerprint(sample)
        sampled = (time.perf_counter() - t) / 20
        t = time.perf_counter()
        for _ in range(20):
            full_fingerprint(sample)
        full = (time.perf_counter() - t) / 20
        emit(
            "content fingerprint, sampled (size + 16 x 64 KiB)",
            sampled * 1e3,
            "ms",
            baseline=full * 1e3,
            baseline_name="sha256 of every byte",
            file_mib=round(sample.stat().st_size / 2**20, 1),
        )


if __name__ == "__main__":
    main()
