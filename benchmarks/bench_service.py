"""HTTP rank throughput and latency, measured with wrk against ``thumbnail-bandit serve``, beside
in-process ``ArtworkChooser.choose()`` on the same log in the same run.

- one worker on SQLite, and two workers on PostgreSQL (when THUMBNAIL_BANDIT_PG_URL is set);
- peak: wrk with enough connections to saturate the service;
- p50/p99 at half of that peak: wrk paced per connection (its Lua ``delay()``);
- the same p99 while a second wrk posts signals (``watch_minutes``), one for every two
  ranks, as players report progress beside the ranks: the cost of signals to ranking.

Targets (2 cores): HTTP throughput >= 50% of in-process choose(); p99 <= 10 ms at half peak.
wrk comes from the system's packages (``apt-get install wrk``). It shares the 2 cores with
the service (and PostgreSQL), which is part of what limits the HTTP figures.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).parent))
from asgi_rank import stack_cost
from report import emit
from scratch_postgres import scratch_schema

from bandit import ArtworkChooser, Context
from storage import NewArtwork, open_log
from storage.engine import normalise_url

ARTWORKS = 8
IN_PROCESS = 3_000
SECONDS = 8
CONNECTIONS = 16


def _seed(url: str) -> str:
    """Title ``t`` with 8 artworks, and a rank key; returns its token."""
    with open_log(url, create=True) as log:
        log.register(
            "t",
            [
                NewArtwork(
                    f"{i}.jpg",
                    features={
                        "brightness": i / ARTWORKS,
                        "warmth": 1 - i / ARTWORKS,
                        "faces": i % 2,
                    },
                )
                for i in range(ARTWORKS)
            ],
        )
        return log.create_key(f"bench-{time.monotonic_ns()}", ["rank"])[1]


def _context(n: int) -> dict[str, object]:
    return {"segment": f"s{n % 4}", "device": ["tv", "phone", "web"][n % 3], "hour": n % 24}


def in_process(url: str) -> tuple[float, float, float]:
    """Decisions/s, p50 ms and p99 ms of choose() on ``url``, one thread."""
    with ArtworkChooser(url) as chooser:
        contexts = [Context.from_mapping(_context(i)) for i in range(IN_PROCESS)]
        for ctx in contexts[:200]:  # warm up: VW, the connection, the catalogue cache
            chooser.choose("t", ctx)
        times = []
        start = time.perf_counter()
        for ctx in contexts:
            t0 = time.perf_counter()
            chooser.choose("t", ctx)
            times.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
    times.sort()
    return IN_PROCESS / elapsed, times[len(times) // 2] * 1e3, times[int(len(times) * 0.99)] * 1e3


SIGNAL_EVENTS = 4_000

_DONE = """done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests":%d,"seconds":%f,"non_2xx":%d,"socket_errors":%d,"p50_ms":%f,"p99_ms":%f}\\n',
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
"""
"""wrk's report at the end of a run, as one JSON line."""

_SIGNAL_LUA = """
local n = 0
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %(token)s"}
request = function()
  n = n + 1
  local body = string.format('{"name":"watch_minutes","value":%%d}', n %% 90)
  return wrk.format("POST", string.format("/v1/events/sig-%%d/signals", n %% %(events)d),
                    headers, body)
end
%(delay)s
%(done)s"""


def decisions_for_signals(url: str) -> None:
    """Decisions ``sig-0`` ... for the signal traffic to report on (each takes at most
    `storage.MAX_SIGNALS_PER_EVENT` signals; these leave room for any run's)."""
    with ArtworkChooser(url) as chooser:
        for i in range(SIGNAL_EVENTS):
            chooser.choose("t", Context.from_mapping(_context(i)), event_id=f"sig-{i}")


def signal_traffic(
    base_url: str, token: str, connections: int, delay_ms: int, folder: Path
) -> subprocess.Popen[str]:
    script = folder / "signals.lua"
    script.write_text(
        _SIGNAL_LUA
        % {
            "token": token,
            "events": SIGNAL_EVENTS,
            "delay": f"delay = function() return {delay_ms} end",
            "done": _DONE,
        }
    )
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", f"-d{SECONDS}s", "-s", str(script), base_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


_LUA = """
local n = 0
local devices = {"tv", "phone", "web"}
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %(token)s"}
request = function()
  n = n + 1
  local body = string.format(
    '{"titles":["t"],"context":{"segment":"s%%d","device":"%%s","hour":%%d}}',
    n %% 4, devices[n %% 3 + 1], n %% 24)
  return wrk.format("POST", "/v1/rank", headers, body)
end
%(delay)s
%(done)s"""


def wrk(
    base_url: str, token: str, connections: int, delay_ms: int, folder: Path
) -> dict[str, float]:
    script = folder / f"rank-{connections}-{delay_ms}.lua"
    delay = f"delay = function() return {delay_ms} end" if delay_ms else ""
    script.write_text(_LUA % {"token": token, "delay": delay, "done": _DONE})
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{SECONDS}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            base_url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=SECONDS + 60,
    )
    row: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    row["rate"] = row["requests"] / row["seconds"]
    return row


def serve(url: str, workers: int, log_file: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = 18000 + os.getpid() % 1000
    command = [
        sys.executable,
        "-m",
        "thumbnail_bandit",
        "serve",
        "--db",
        url,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--rate",
        "1e9",
        "--burst",
        "1000000000",
        "--log-level",
        "warning",
    ]
    with log_file.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the service did not start: {log_file.read_text()}")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (uvicorn's workers), from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def server_side_ms(base: str) -> float:
    """Mean time /v1/rank spent inside the service (its own histogram), in ms."""
    page = httpx.get(base + "/metrics").text
    values = {}
    for line in page.splitlines():
        for name in ("_sum", "_count"):
            head = f'thumbnail_bandit_http_request_duration_seconds{name}{{route="/v1/rank"}}'
            if line.startswith(head):
                values[name] = float(line.split()[-1])
    return 1e3 * values["_sum"] / values["_count"] if values.get("_count") else float("nan")


def commit_latency(url: str, commits: int = 1_000) -> tuple[float, float]:
    """p50 and p99 ms of one-row INSERT + COMMIT on ``url``: the durable write under every
    rank, alone (on PostgreSQL, the server flushing its write-ahead log)."""
    engine = create_engine(normalise_url(url))
    times = []
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE commit_probe (x integer)"))
        conn.commit()
        for i in range(commits):
            started = time.perf_counter()
            conn.execute(text("INSERT INTO commit_probe VALUES (:x)"), {"x": i})
            conn.commit()
            times.append(time.perf_counter() - started)
        conn.execute(text("DROP TABLE commit_probe"))
        conn.commit()
    engine.dispose()
    times.sort()
    return times[len(times) // 2] * 1e3, times[int(len(times) * 0.99)] * 1e3


def bench(backend: str, url: str, workers: int) -> None:
    token = _seed(url)
    # SQLite's own commit is the log's (WAL) and does not wait for the disk: only PostgreSQL's.
    floor = {}
    if backend == "PostgreSQL":
        p50, p99 = commit_latency(url)
        floor = {"commit_alone_p50_ms": round(p50, 3), "commit_alone_p99_ms": round(p99, 3)}
    base_rate, base_p50, base_p99 = in_process(url)
    decisions_for_signals(url)
    with tempfile.TemporaryDirectory() as folder:
        process, base = serve(url, workers, Path(folder) / "serve.log")
        try:
            wrk(base, token, 4, 0, Path(folder))  # warm up every worker
            cpu_before = _cpu_seconds(process.pid)
            peak = wrk(base, token, CONNECTIONS, 0, Path(folder))
            cpu_per_rank = 1e3 * (_cpu_seconds(process.pid) - cpu_before) / peak["requests"]
            half = peak["rate"] / 2
            paced_connections = 8
            # wrk waits this long before each request on a connection: about half the rate.
            delay_ms = max(1, round(1000 * paced_connections / half))
            paced = wrk(base, token, paced_connections, delay_ms, Path(folder))
            inside = server_side_ms(base)
            # One signal for every two ranks (a player's progress reports beside the ranks).
            signals = signal_traffic(base, token, paced_connections, 2 * delay_ms, Path(folder))
            with_signals = wrk(base, token, paced_connections, delay_ms, Path(folder))
            signal_out, _ = signals.communicate(timeout=SECONDS + 60)
            signalled = json.loads(signal_out.strip().splitlines()[-1])
        finally:
            process.terminate()
            process.wait(timeout=30)
    tag = f"{backend}, {workers} worker(s)"
    emit(
        f"HTTP rank throughput ({tag})",
        peak["rate"],
        "req/s",
        baseline=base_rate,
        baseline_name="in-process choose() on the same log",
        target_ratio=0.5,
        non_2xx=peak["non_2xx"],
        socket_errors=peak["socket_errors"],
    )
    emit(
        f"HTTP rank p50 at peak ({tag})",
        peak["p50_ms"],
        "ms",
        baseline=base_p50,
        baseline_name="in-process choose() p50",
    )
    emit(
        f"HTTP rank p99 at half peak ({tag})",
        paced["p99_ms"],
        "ms",
        baseline=base_p99,
        baseline_name="in-process choose() p99",
        target=10.0,
        **floor,
        offered_rate=round(paced["rate"], 1),
        p50_ms=round(paced["p50_ms"], 3),
        non_2xx=paced["non_2xx"],
    )
    emit(
        f"HTTP rank p99 at half peak, with signals ({tag})",
        with_signals["p99_ms"],
        "ms",
        baseline=paced["p99_ms"],
        baseline_name="the same without signals",
        offered_rate=round(with_signals["rate"], 1),
        signals_per_s=round(signalled["requests"] / signalled["seconds"], 1),
        signal_p99_ms=round(signalled["p99_ms"], 3),
        non_2xx=with_signals["non_2xx"] + signalled["non_2xx"],
    )
    emit(
        f"time inside the service per rank ({tag})",
        inside,
        "ms",
        baseline=1e3 / base_rate,
        baseline_name="in-process choose() mean",
    )
    emit(
        f"service CPU per rank at peak ({tag})",
        cpu_per_rank,
        "ms",
        baseline=1e3 / base_rate,
        baseline_name="in-process choose() mean (one core)",
    )


def stack(backend: str, url: str) -> None:
    """The HTTP stack's own cost per rank, in process: fast path against the full route."""
    token = _seed(url)
    cost = stack_cost(url, token)
    emit(
        f"HTTP stack per rank, in process ({backend})",
        cost["fast_path"],
        "ms",
        baseline=cost["route"],
        baseline_name="the same ranks through FastAPI's route (what answered them before)",
        choose_many_ms=round(cost["choose_many"], 4),
        stack_over_choose_ms=round(cost["fast_path"] - cost["choose_many"], 4),
        route_over_choose_ms=round(cost["route"] - cost["choose_many"], 4),
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        stack("SQLite", str(Path(folder) / "stack.sqlite"))
    if shutil.which("wrk") is None:
        print(
            json.dumps(
                {"name": "bench_service", "skipped": "wrk not installed: apt-get install wrk"}
            )
        )
        return
    for workers in (1, 2):  # the target is for one; two show what SQLite's one writer allows
        with tempfile.TemporaryDirectory() as folder:
            bench("SQLite", str(Path(folder) / "service.sqlite"), workers=workers)
    with scratch_schema("bench_service on PostgreSQL") as pg_url:
        if pg_url is not None:
            bench("PostgreSQL", pg_url, workers=2)
    with scratch_schema("bench_service on PostgreSQL") as pg_url:
        if pg_url is not None:
            bench("PostgreSQL", pg_url, workers=4)


if __name__ == "__main__":
    main()
