"""uvicorn's httptools protocol with the limits it lacks, so that slow or greedy clients cannot
take a worker down (issue 25's probes: 20,000 connections trickling a body, one 128 MiB
header):

* **Header size.** A request whose head (request line and headers) passes
  `ConnectionLimits.max_header_bytes` is answered 431 and closed; the parser never buffers
  more than that.
* **Header and body time.** A request's head must arrive whole within ``header_timeout_s`` of
  its first byte (or of the connection), and its body within ``body_timeout_s`` of its head.
  Past either the connection is closed; an application waiting for the body sees the client
  disconnect.
* **Connections per worker.** Past ``max_connections``, each new connection evicts the oldest
  one still waiting for a request's head or body (a slow client, or an idle keep-alive one);
  with none to evict it is closed at once. Clients that send their requests promptly are
  never the oldest waiting, so they keep being served.

Start uvicorn with ``http="thumbnail_bandit.service.guarded_http:GuardedHttpToolsProtocol"``;
the limits come from the service's settings in the environment (`ServiceSettings`).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from thumbnail_bandit.service.settings import ConnectionLimits, ServiceSettings

_HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 38\r\nconnection: close\r\n\r\n"
    b"request line and headers are too large"
)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """See the module docstring. One instance per connection, as uvicorn's own."""

    limits: ClassVar[ConnectionLimits | None] = None
    #: Connections of this worker waiting for a request's head or body, oldest first.
    _waiting: ClassVar[OrderedDict[GuardedHttpToolsProtocol, None]] = OrderedDict()

    @classmethod
    def _limits(cls) -> ConnectionLimits:
        if cls.limits is None:
            cls.limits = ServiceSettings.from_env().connection_limits
        return cls.limits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard = self._limits()
        self._head_bytes = 0
        self._in_head = True
        self._message_done = False
        self._deadline: asyncio.TimerHandle | None = None

    # --- connection ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self._guard.max_connections and not self._evict_one():
            self.transport.close()
            return
        self._wait_for(self._guard.header_timeout_s)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _evict_one(self) -> bool:
        while self._waiting:
            oldest, _ = self._waiting.popitem(last=False)
            if oldest is not self and not oldest.transport.is_closing():
                oldest._stop_waiting()
                oldest.transport.close()
                return True
        return False

    def _wait_for(self, seconds: float) -> None:
        self._stop_waiting()
        self._waiting[self] = None
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _stop_waiting(self) -> None:
        self._waiting.pop(self, None)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        self._waiting.pop(self, None)
        if not self.transport.is_closing():
            self.transport.close()  # the app, if waiting for the body, sees a disconnect

    # --- data ------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if not self._in_head:
            super().data_received(data)
            return
        room = self._guard.max_header_bytes - self._head_bytes
        if len(data) <= room:
            self._head_bytes += len(data)
            super().data_received(data)
            return
        # Feed what fits (and one byte more): if the head has not ended by then, it is over.
        self._head_bytes += room + 1
        super().data_received(data[: room + 1])
        if self._in_head and not self.transport.is_closing():
            self._stop_waiting()
            self.transport.write(_HEAD_TOO_LARGE)
            self.transport.close()
            return
        if not self.transport.is_closing():
            super().data_received(data[room + 1 :])

    # --- parser callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._message_done = True, False
        if self._deadline is None:  # a keep-alive request: its head's clock starts now
            self._wait_for(self._guard.header_timeout_s)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._wait_for(self._guard.body_timeout_s)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._message_done = True
        self._stop_waiting()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._message_done:  # answered before its body came (a 401, a 413): no more
            self._stop_waiting()
            self.transport.close()
            return
        # Idle until the next request, under uvicorn's keep-alive timeout; evictable meanwhile.
        self._in_head, self._head_bytes = True, 0
        if not self.transport.is_closing():
            self._waiting[self] = None
