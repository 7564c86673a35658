"""The ``thumbnails`` command: ``thumbnails extract VIDEO... --top-k N --out DIR``.

The only module of the package that imports `storage` (for ``--db``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import multiprocessing
import queue
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from thumbnails.errors import ThumbnailsError
from thumbnails.inputs import expand_inputs
from thumbnails.output import EncodedOutput, encode_output, output_name, write_encoded
from thumbnails.pipeline import analyse_video

if TYPE_CHECKING:
    from storage import Log


@dataclass(frozen=True, slots=True)
class Job:
    index: int
    video: Path
    name: str
    top_k: int
    out: Path
    frame_step: int | None = None


def register_manifest(log: Log, manifest: dict[str, Any]) -> None:
    """Register one extracted video's title and artworks in one transaction: all or none.

    An artwork is identified by its image's content hash, so extracting the same video again,
    into any folder, updates its artworks instead of adding copies.
    """
    from storage import NewArtwork

    folder = Path(manifest["output"])
    artworks = []
    for c in manifest["candidates"]:
        image = (folder / c["image"]).resolve()
        artworks.append(
            NewArtwork(
                image_path=str(image),
                timestamp_s=c["timestamp_s"],
                frame_index=c["frame_index"],
                features=c["features"],
                content_sha256=hashlib.sha256(image.read_bytes()).hexdigest(),
            )
        )
    log.register(folder.name, artworks, name=Path(manifest["video"]).name)


Failure = dict[str, str]
"""``{"video": ..., "error": ...}``: one line of what went wrong with one video."""


def extract_job(
    job: Job, progress: Callable[[int, int, int], None] | None = None
) -> EncodedOutput | Failure:
    """Extract one video into bytes; writes nothing. Runs in a worker process or a Ray task.
    Never raises: a failure is returned, so it costs only this video."""

    def report(frames: int, total: int) -> None:
        if progress is not None:
            progress(job.index, frames, total)

    try:
        result = analyse_video(job.video, job.top_k, progress=report, frame_step=job.frame_step)
        return encode_output(result)
    except ThumbnailsError as exc:
        return {"video": str(job.video), "error": _reason(exc, job.video)}
    except Exception as exc:  # a bug must not cost the other videos their run
        return {"video": str(job.video), "error": f"internal error: {type(exc).__name__}: {exc}"}


def finish_job(job: Job, extracted: EncodedOutput | Failure) -> dict[str, Any]:
    """The driver's half: write the folder (whole or not at all); returns the manifest with
    its ``output`` folder, or the failure."""
    if isinstance(extracted, dict):
        return extracted
    try:
        written = write_encoded(extracted, job.out, job.name)
    except ThumbnailsError as exc:
        return {"video": str(job.video), "error": _reason(exc, job.video)}
    manifest = dict(written.manifest)
    manifest["output"] = str(written.folder)
    return manifest


def run_job(job: Job, progress: Callable[[int, int, int], None] | None = None) -> dict[str, Any]:
    """Extract one video and write its folder, in this process. Never raises."""
    return finish_job(job, extract_job(job, progress))


def _reason(exc: Exception, video: Path) -> str:
    text = str(exc)
    prefix = f"{video}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


_PROGRESS: Any = None


def _init_worker(progress_queue: Any) -> None:
    global _PROGRESS
    _PROGRESS = progress_queue


def _run_in_worker(job: Job) -> EncodedOutput | Failure:
    def forward(index: int, frames: int, total: int) -> None:
        _PROGRESS.put((index, frames, total))

    return extract_job(job, forward if _PROGRESS is not None else None)


class _Bars:
    """One progress bar per video; silent when not on a terminal or with --quiet."""

    def __init__(self, jobs: Sequence[Job], enabled: bool) -> None:
        self.enabled = enabled
        self._jobs = {job.index: job for job in jobs}
        self._bars: dict[int, Any] = {}

    def update(self, index: int, frames: int, total: int) -> None:
        if not self.enabled:
            return
        bar = self._bars.get(index)
        if bar is None:
            name = self._jobs[index].video.name
            bar = self._bars[index] = tqdm(
                total=total or None, desc=name[:30], unit="frame", leave=False, file=sys.stderr
            )
        bar.update(frames - bar.n)

    def close(self, index: int) -> None:
        bar = self._bars.pop(index, None)
        if bar is not None:
            bar.close()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("thumbnail-bandit")
    except PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thumbnails", description="Pull ranked, diverse candidate artwork out of videos."
    )
    version = _version()
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser(
        "extract",
        help="extract candidates from videos",
        description="Write OUT/<video name>/ with cropped JPEGs, contact_sheet.png and"
        " manifest.json for each video. Exit status: 0 all went well, 1 some inputs failed,"
        " 2 usage error.",
    )
    extract.add_argument(
        "videos",
        nargs="+",
        metavar="VIDEO",
        help="files, directories or globs ('dir/**/*.mp4'); directory searches never follow"
        " symbolic links to directories (links to files are taken)",
    )
    extract.add_argument("--version", action="version", version=f"thumbnails {version}")
    extract.add_argument("--top-k", type=int, default=8, help="candidates per video (default 8)")
    extract.add_argument("--out", type=Path, required=True, help="output directory")
    extract.add_argument(
        "--db",
        help="register titles and artworks in this log (SQLite path or URL, PostgreSQL URL);"
        " created if missing",
    )
    extract.add_argument("--json", action="store_true", help="print a JSON array of manifests")
    extract.add_argument("--workers", type=int, default=1, help="videos processed in parallel")
    extract.add_argument("--quiet", action="store_true", help="no progress bars")
    extract.add_argument(
        "--frame-step",
        type=int,
        metavar="N",
        help="analyse every N-th frame (1 = every frame; default: about 12 a second)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.top_k < 1:
        parser.error("--top-k must be at least 1")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.frame_step is not None and args.frame_step < 1:
        parser.error("--frame-step must be at least 1")
    videos, input_errors = expand_inputs(args.videos)
    results: list[dict[str, Any]] = [{"video": e.path, "error": e.reason} for e in input_errors]
    for result in results:
        print(f"error: {result['video']}: {result['error']}", file=sys.stderr)
    with contextlib.ExitStack() as resources:
        log = None
        if args.db and videos:
            from storage import StorageError, open_log

            try:
                log = resources.enter_context(open_log(args.db, create=True))
            except StorageError as exc:
                print(f"error: --db: {exc}", file=sys.stderr)
                return 1
        return _extract_all(args, videos, results, log)


def _extract_all(
    args: argparse.Namespace, videos: list[Path], results: list[dict[str, Any]], log: Log | None
) -> int:
    from storage import StorageError

    names: set[str] = set()
    jobs = []
    for index, video in enumerate(videos):
        name = output_name(video)
        suffix = 2
        while name in names:
            name, suffix = f"{output_name(video)}-{suffix}", suffix + 1
        names.add(name)
        jobs.append(Job(index, video, name, args.top_k, args.out, args.frame_step))
    bars = _Bars(jobs, enabled=not args.quiet and sys.stderr.isatty())
    for result in _run_all(jobs, args.workers, bars):
        if log is not None and "error" not in result:
            try:  # the driver alone writes to the log: one transaction per title
                register_manifest(log, result)
            except (StorageError, OSError) as exc:
                result = {"video": result["video"], "error": f"--db: {exc}"}
        results.append(result)
        if "error" in result:
            print(f"error: {result['video']}: {result['error']}", file=sys.stderr)
        elif not args.json:
            notes = "; ".join(result["notes"])
            print(
                f"{result['video']} -> {result['output']}/"
                f" ({len(result['candidates'])} candidates{'; ' + notes if notes else ''})"
            )
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    return 1 if any("error" in r for r in results) else 0


def _run_all(jobs: list[Job], workers: int, bars: _Bars) -> list[dict[str, Any]]:
    if workers == 1 or len(jobs) <= 1:
        out = []
        for job in jobs:
            out.append(run_job(job, bars.update))
            bars.close(job.index)
        return out
    context = multiprocessing.get_context("spawn")  # no fork: cv2 and tqdm hold threads
    with context.Manager() as manager:
        progress = manager.Queue()
        with ProcessPoolExecutor(
            min(workers, len(jobs)),
            mp_context=context,
            initializer=_init_worker,
            initargs=(progress,),
        ) as pool:
            futures: dict[Future[EncodedOutput | Failure], Job] = {
                pool.submit(_run_in_worker, job): job for job in jobs
            }
            pending = set(futures)
            finished: dict[int, dict[str, Any]] = {}
            while pending:
                with contextlib.suppress(queue.Empty):
                    bars.update(*progress.get(timeout=0.1))
                for future in [f for f in pending if f.done()]:
                    pending.discard(future)
                    job = futures[future]
                    bars.close(job.index)
                    finished[job.index] = finish_job(job, _outcome(future, job))
            return [finished[job.index] for job in jobs]


def _outcome(future: Future[EncodedOutput | Failure], job: Job) -> EncodedOutput | Failure:
    """A worker's result; a worker that died (killed, out of memory) fails its video only."""
    try:
        return future.result()
    except Exception as exc:
        return {"video": str(job.video), "error": f"the worker process failed: {exc}"}


if __name__ == "__main__":
    sys.exit(main())
