"""Extraction on a Ray cluster: one task per video or per piece of a long film, results back
to the driver.

Tasks return values and write nothing shared: each returns its video's encoded output, or a
piece's judged frames (`thumbnails.chunks`), or a one-line failure; the driver alone merges
pieces and writes ``--out`` and the log. A task whose worker
dies is retried once by Ray, then fails that video only. Every node must read the videos at
the same paths (a shared file system), since the driver sends paths, not films.

Ray is an optional extra (``pip install 'thumbnail-bandit[ray]'``); nothing imports this
module unless ``--ray`` is given. ``extract_catalogue(videos, run, runner=RayRunner("local"))``
is the same from Python.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from thumbnails import Failed, RunnerUnavailable, Task
from thumbnails.work import Outcome, run_task, single_threaded_opencv


class RayUnavailable(RunnerUnavailable):
    """``--ray``: Ray is not installed, or the cluster cannot be started or reached."""


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


def extract_video_task(task: Task) -> Outcome:
    """One Ray task: a video or a piece, with OpenCV on one thread (the cluster runs many at
    once)."""
    single_threaded_opencv()
    return run_task(task)


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


@dataclass(frozen=True, slots=True)
class RayRunner:
    """A `thumbnails.Runner` on a Ray cluster: ``address`` ``"local"`` starts a local one."""

    address: str = "local"

    def __call__(self, tasks: Sequence[Task], on_done: Callable[[Task, Outcome], None]) -> None:
        run_on_ray(tasks, None if self.address == "local" else self.address, on_done)


def run_on_ray(
    tasks: Sequence[Task], address: str | None, on_done: Callable[[Task, Outcome], None]
) -> None:
    """Run every task on the cluster; call ``on_done`` in the driver as each one finishes."""
    ray = connect(address)
    remote = ray.remote(max_retries=TASK_RETRIES)(extract_video_task)
    refs = {remote.remote(task): task for task in tasks}
    pending = list(refs)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        for ref in done:
            task = refs[ref]
            outcome: Outcome
            try:
                outcome = ray.get(ref)
            except ray.exceptions.RayError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                outcome = Failed(task.job.video, f"the Ray task failed: {first}")
            on_done(task, outcome)
