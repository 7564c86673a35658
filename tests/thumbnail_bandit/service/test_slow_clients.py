"""Real sockets against `thumbnail-bandit serve` under uvicorn: slow and greedy clients cannot
take a worker down. While 2,000 connections trickle their heads or bodies, and one sends a
header of many megabytes, /healthz and authorised ranks keep answering; keys in a URL are
not written to the access log."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from storage import NewArtwork, open_log
from tests.thumbnail_bandit.service.servers import RunningService, running_service

pytestmark = pytest.mark.slow

SLOW = 2000
LIMITS = ("--max-connections", "500", "--header-timeout", "3", "--body-timeout", "3")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[RunningService, str]]:
    db = tmp_path / "log.sqlite"
    with open_log(db, create=True) as log:
        log.register("t", [NewArtwork(f"/art/{i}.jpg") for i in range(3)])
        _, token = log.create_key("site", ["rank"])
    with running_service(str(db), workers=1, tmp=tmp_path, extra=LIMITS, log_level="info") as s:
        yield s, token


def _port(service: RunningService) -> int:
    return int(service.base_url.rsplit(":", 1)[1])


def _answers(service: RunningService, token: str) -> None:
    """One health check and one authorised rank, each answered (not a timing assertion:
    the generous timeout only keeps a broken server from hanging the suite)."""
    assert httpx.get(service.base_url + "/healthz", timeout=30).status_code == 200
    ranked = httpx.post(
        service.base_url + "/v1/rank",
        json={"titles": ["t"], "context": {"segment": "s"}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert ranked.status_code == 200, ranked.text


def _closed(sock: socket.socket) -> bool:
    sock.settimeout(0.01)
    try:
        return sock.recv(4096) == b"" or True  # any answer (a 401) ends with a close
    except (TimeoutError, BlockingIOError):
        return False
    except OSError:
        return True


def test_slow_heads_and_bodies_do_not_stall_the_worker(served: tuple[RunningService, str]) -> None:
    service, token = served
    port = _port(service)
    slow: list[socket.socket] = []
    try:
        for i in range(SLOW):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            if i % 3 == 0:  # a head that never ends
                sock.sendall(b"POST /v1/rank HTTP/1.1\r\nHost: x\r\n")
            elif i % 3 == 1:  # no key, and a body promised and never sent
                sock.sendall(b"POST /v1/rank HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n{")
            else:  # a key, and a body trickled
                sock.sendall(
                    b"POST /v1/rank HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n"
                    + f"Authorization: Bearer {token}\r\n\r\n{{".encode()
                )
            slow.append(sock)
            if i % 500 == 499:
                _answers(service, token)  # while the attack is under way
        _answers(service, token)
        time.sleep(6)  # past both timeouts, with room for a loaded machine
        assert sum(_closed(s) for s in slow) == SLOW  # the server closed every one
        _answers(service, token)
    finally:
        for sock in slow:
            sock.close()
    assert service.process.poll() is None


def test_a_huge_header_is_refused_without_reading_it_all(
    served: tuple[RunningService, str],
) -> None:
    service, token = served
    sock = socket.create_connection(("127.0.0.1", _port(service)), timeout=10)
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent, answer = 0, b""
        try:
            while sent < 64 * 1024 * 1024:  # the probe sent 128 MiB; we stop when refused
                sock.sendall(b"a" * 65536)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(5)
        try:
            answer = sock.recv(4096)
        except (ConnectionResetError, TimeoutError):
            answer = b""
        # The server stops at 16 KiB and closes; what the client got rid of before it saw
        # the close is what loopback's socket buffers hold (a few MiB at most), not 64 MiB.
        assert sent < 16 * 1024 * 1024, f"the server took {sent} bytes of one header"
        assert answer.startswith(b"HTTP/1.1 431") or answer == b""
    finally:
        sock.close()
    _answers(service, token)


def test_a_key_in_the_url_is_not_written_to_the_access_log(
    served: tuple[RunningService, str],
) -> None:
    service, token = served
    refused = httpx.post(
        service.base_url + f"/v1/rank?api_key={token}",
        json={"titles": ["t"], "context": {"segment": "s"}},
        timeout=30,
    )
    assert refused.status_code == 401
    _answers(service, token)
    time.sleep(0.5)  # let the access log flush
    output = service.output()
    assert '"POST /v1/rank HTTP/1.1" 401' in output  # the access log is on
    assert token not in output and "api_key=" not in output
