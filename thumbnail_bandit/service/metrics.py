"""Prometheus metrics. With several workers, ``thumbnail-bandit serve`` sets
``PROMETHEUS_MULTIPROC_DIR`` before any worker starts, and ``/metrics`` then adds up every
worker's files (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "thumbnail_bandit_http_requests_total", "HTTP requests", ["route", "method", "status"]
)
LATENCY = Histogram(
    "thumbnail_bandit_http_request_duration_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0, 5.0),
)
DECISIONS = Counter("thumbnail_bandit_decisions_total", "Decisions logged", ["mode", "activation"])
REWARDS = Counter("thumbnail_bandit_rewards_total", "Rewards received", ["outcome"])
ACTIVATIONS = Counter("thumbnail_bandit_activations_total", "Deferred decisions activated")
APPRENTICE_AGREED = Counter(
    "thumbnail_bandit_apprentice_policy_agreed_total",
    "Apprentice decisions where the policy's most likely artwork was the baseline",
)
POLICY_VERSION = Gauge(
    "thumbnail_bandit_policy_checkpoint_version",
    "The newest checkpoint version a live worker serves (0: the initial policy)",
    # One series for the service, not one per worker pid, so a restart does not start a new
    # series; the workers converge on the newest checkpoint within their reload time.
    multiprocess_mode="livemax",
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


def exposition() -> bytes:
    """The metrics page: this process's, or every worker's in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()
