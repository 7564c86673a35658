"""``thumbnail-bandit serve``: the decision service under uvicorn."""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
from importlib.util import find_spec

import storage
from thumbnail_bandit.cli.usage import CommandFailed, UsageError

_DB_HELP = "the log (SQLite path or URL, PostgreSQL URL)"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve rank, reward and activate over HTTP (needs the service extra)",
        description="Serve the decision service on HOST:PORT. Every route but /healthz,"
        " /readyz and /metrics needs an API key (`thumbnail-bandit keys create`). Use"
        " PostgreSQL for several workers: SQLite has one writer at a time.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    serve.add_argument("--db", help=_DB_HELP)
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="the port to listen on")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--rate", type=float, default=100.0, help="requests/s per key per worker")
    serve.add_argument("--burst", type=int, default=200, help="requests a key may send at once")
    serve.add_argument(
        "--reward-window", type=float, default=1800.0, metavar="SECONDS", help="default 1800"
    )
    serve.add_argument(
        "--key-cache",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long a worker trusts a verified key (a revoked key stops within this)",
    )
    serve.add_argument(
        "--max-connections",
        type=int,
        default=1000,
        help="per worker; past it the oldest connection still waiting for a request is closed",
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="a request's line and headers must arrive within this",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="a request's body must arrive within this of its headers",
    )
    serve.add_argument(
        "--public-base-url",
        default="",
        metavar="URL",
        help="where browsers load artwork (a CDN in front of this service's /artwork);"
        " default: this service's own /artwork",
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a web origin whose pages may call the API from a browser (repeatable)",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning"], help="uvicorn's"
    )
    serve.set_defaults(run=run_serve)


def _check_port_free(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise UsageError(f"--port must be 1-65535, not {port}")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandFailed(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def run_serve(args: argparse.Namespace) -> int:
    missing = [m for m in ("fastapi", "uvicorn", "prometheus_client") if find_spec(m) is None]
    if missing:
        raise CommandFailed(
            f"the decision service needs the service extra ({', '.join(missing)} missing):"
            " pip install 'thumbnail-bandit[service]'"
        )
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, not {args.workers}")
    with storage.open_log(args.db) as log:  # a bad --db is one line here, not N tracebacks
        url, sqlite = log.url, log.dialect == "sqlite"
    _check_port_free(args.host, args.port)
    with tempfile.TemporaryDirectory(prefix="thumbnail-bandit-metrics-") as metrics_dir:
        # Every worker writes its metrics here and /metrics adds them up. It must be set
        # before prometheus_client is imported, so the service is imported only after.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        import uvicorn

        from thumbnail_bandit.service.settings import ServiceSettings

        try:
            settings = ServiceSettings(
                db=args.db,
                rate_per_s=args.rate,
                burst=args.burst,
                reward_window_s=args.reward_window,
                key_cache_s=args.key_cache,
                max_connections=args.max_connections,
                header_timeout_s=args.header_timeout,
                body_timeout_s=args.body_timeout,
                public_base_url=args.public_base_url.rstrip("/"),
                cors_origins=",".join(args.cors_origin),
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        os.environ.update(settings.to_env())
        if sqlite and args.workers > 1:
            print(
                "note: SQLite has one writer at a time; use PostgreSQL to scale workers",
                file=sys.stderr,
            )
        print(
            f"serving {url} on http://{args.host}:{args.port} ({args.workers} worker(s))",
            file=sys.stderr,
        )
        uvicorn.run(
            "thumbnail_bandit.service.app:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            # Header size, header and body time, and connections capped per worker.
            http="thumbnail_bandit.service.guarded_http:GuardedHttpToolsProtocol",
        )
    return 0
