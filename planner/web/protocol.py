"""The HTTP connection as `planner serve` runs it: uvicorn's h11 protocol with deadlines for a
request's headers and body, so a client that opens connections and sends nothing (or a byte now
and then: "slowloris") cannot hold the server.

uvicorn closes an idle keep-alive connection, but waits for ever for the headers of a request
that has begun, and for its body. Its `limit_concurrency` counts open *connections*, so 200
such connections made every request, health included, answer 503. Here:

- the headers of a request must be complete `header_timeout` seconds after the connection is
  made or its previous response ended (an absolute deadline: bytes dripped in do not extend it);
- while a body is being sent, `body_timeout` seconds may pass without a byte (an idle deadline:
  a large upload on a slow line goes on as long as it moves);
- at most `max_connections` connections are open at once (a new one past that is closed at
  once, before it costs anything), so file descriptors cannot run out;
- the number of requests being answered at once is limited by the app (`app.concurrency_limit`),
  not by counting connections, so a pile of slow connections does not refuse real requests.

A connection past its deadline is closed without an answer and counted in the log (never
with its address). The values come from `planner serve` (`configure`), the same in every
server process."""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("planner.web")


class GuardedH11Protocol(H11Protocol):
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000

    _deadline: asyncio.TimerHandle | None = None
    _awaiting_headers: bool = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            log.warning("connection refused: %d connections open", len(self.connections) - 1)
            transport.close()
            return
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete:  # between requests: the next one's headers
            if not self._awaiting_headers:
                self._await_headers()
        elif cycle.more_body:  # the body is coming: it may go on as long as it moves
            self._arm(self.body_timeout, "body")
        else:  # the whole request is in: the app answers in its own time
            self._disarm()

    def on_response_complete(self) -> None:
        self._disarm()
        super().on_response_complete()  # arms uvicorn's keep-alive timer (idle between requests)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # ------------------------------------------------------------------

    def _await_headers(self) -> None:
        self._awaiting_headers = True
        self._arm(self.header_timeout, "headers")

    def _arm(self, seconds: float, what: str) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(seconds, self._timed_out, what)

    def _disarm(self) -> None:
        self._awaiting_headers = False
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self, what: str) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.info("connection closed: request %s too slow", what)
            self.transport.close()


def configure(header_timeout: float, body_timeout: float, max_connections: int) -> None:
    """Set the deadlines for every connection this process accepts (`planner serve`)."""
    GuardedH11Protocol.header_timeout = header_timeout
    GuardedH11Protocol.body_timeout = body_timeout
    GuardedH11Protocol.max_connections = max_connections
