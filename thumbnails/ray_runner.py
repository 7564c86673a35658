"""Extraction on a Ray cluster: one task per video, results back to the driver.

Tasks return values and write nothing shared: each returns its video's encoded output (or a
one-line failure), and the driver alone writes ``--out`` and the log. A task whose worker
dies is retried once by Ray, then fails that video only. Every node must read the videos at
the same paths (a shared file system), since the driver sends paths, not films.

Ray is an optional extra (``pip install 'thumbnail-bandit[ray]'``); nothing imports this
module unless ``--ray`` is given.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from thumbnails.errors import RayUnavailable

if TYPE_CHECKING:
    from thumbnails.cli import Failure, Job
    from thumbnails.output import EncodedOutput

#: Retries after a worker process dies (a killed or crashed task); then the video fails.
TASK_RETRIES = 1


def connect(address: str | None, num_cpus: int | None = None) -> Any:
    """Join the cluster at ``address``, or start a local one (``None``). Returns ``ray``."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable(
            "--ray needs the ray extra: pip install 'thumbnail-bandit[ray]'"
        ) from None
    if ray.is_initialized():
        return ray
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,  # the driver reports each video's outcome itself
        "logging_level": logging.ERROR,
        "configure_logging": True,
    }
    if address is not None:
        _check_reachable(address)
    try:
        if address is None:
            ray.init(num_cpus=num_cpus, **options)
        else:
            ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = address or "a local cluster"
        raise RayUnavailable(f"--ray: cannot start or reach {where}: {exc}") from exc
    return ray


def extract_video_task(job: Job) -> EncodedOutput | Failure:
    """One Ray task: one video, with OpenCV on one thread (the cluster runs many at once)."""
    from thumbnails.cli import extract_job, single_threaded_opencv

    single_threaded_opencv()
    return extract_job(job)


def _check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast on a host:port nothing listens on: ray.init() would retry it for minutes.
    ``auto`` (the cluster this machine belongs to) is left to Ray."""
    if address == "auto":
        return
    target = address.removeprefix("ray://")
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit():
        raise RayUnavailable(f"--ray {address!r}: give host:port, ray://host:port or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise RayUnavailable(
            f"--ray: nothing answers at {target} ({exc.strerror or exc}); is the cluster up?"
        ) from None


def run_on_ray(
    jobs: Sequence[Job],
    address: str | None,
    on_done: Callable[[Job, EncodedOutput | Failure], None],
) -> None:
    """Run every job as a Ray task; call ``on_done`` in the driver as each one finishes."""
    ray = connect(address)
    task = ray.remote(max_retries=TASK_RETRIES)(extract_video_task)
    refs = {task.remote(job): job for job in jobs}
    pending = list(refs)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for ref in done:
            job = refs[ref]
            try:
                outcome = ray.get(ref)
            except ray.exceptions.RayError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                outcome = {"video": str(job.video), "error": f"the Ray task failed: {first}"}
            on_done(job, outcome)
