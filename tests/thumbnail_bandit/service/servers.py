"""The service under uvicorn, started as a user starts it, for the end-to-end tests."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.private_postgres import free_port


@dataclass
class RunningService:
    base_url: str
    process: subprocess.Popen[bytes]
    log_file: Path

    def output(self) -> str:
        return self.log_file.read_text(errors="replace")


@contextmanager
def running_service(
    db: str,
    *,
    workers: int,
    tmp: Path,
    key_cache_s: float = 0,
    extra: tuple[str, ...] = (),
    log_level: str = "warning",
) -> Iterator[RunningService]:
    """``thumbnail-bandit serve`` on a free port, ready (``/readyz`` 200) when yielded."""
    port = free_port()
    log_file = tmp / f"serve-{port}.log"
    command = [
        sys.executable,
        "-m",
        "thumbnail_bandit",
        "serve",
        "--db",
        db,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--key-cache",
        str(key_cache_s),
        "--rate",
        "100000",
        "--burst",
        "100000",
        "--log-level",
        log_level,
        *extra,
    ]
    with log_file.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    service = RunningService(f"http://127.0.0.1:{port}", process, log_file)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the service exited: {service.output()}")
            try:
                if httpx.get(service.base_url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the service never became ready: {service.output()}")
            time.sleep(0.2)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
