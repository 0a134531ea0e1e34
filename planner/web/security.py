"""ASGI middleware that guards every request before a page sees it.

* `BodyLimit`: a request body larger than the limit is refused with 413, by its
  Content-Length when it gives one and otherwise while the body is read (an upload is never
  read into memory beyond the limit).
* `HostOrigin`: without `--auth` only loopback host names and the configured host are
  answered (a page using DNS rebinding reaches the server under its own name, and is refused);
  every POST whose Origin (or, lacking one, Referer) is another site is refused.
* `SecurityHeaders`: Content-Security-Policy (own scripts and styles only, no framing),
  X-Content-Type-Options, Referrer-Policy, and `Cache-Control: no-store` on everything but the
  static files, since the pages hold household data.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# connect-src 'self': the household page's what-if fetches its plan part, and a running job's page its
# status, from the same server
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",  # frame-ancestors for browsers without CSP level 2
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"Opplastingen er for stor: høyst {limit / (1024 * 1024):g} MB per forespørsel. "
                              "Del den opp (for eksempel flere zip-filer) og prøv igjen.")


async def _plain(send: Send, status: int, text: str, retry_after: str | None = None) -> None:
    body = text.encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", retry_after.encode()))
    headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class BodyLimit:
    """Refuse request bodies over `limit` bytes, counted as they arrive."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.isdigit() or len(length) > 15:
                return await _plain(send, 400, "Ugyldig Content-Length.")
            if int(length) > self.limit:
                return await _plain(send, 413, BodyTooLarge(self.limit).detail)
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge as exc:  # raised where no page handler caught it
            if started:
                raise
            await _plain(send, 413, exc.detail)


class ConcurrencyLimit:
    """At most `limit` requests answered at once in this process; one more gets 503 at once,
    with Retry-After, instead of waiting in a queue that only grows. Requests are counted, not
    connections (uvicorn's `limit_concurrency` counts connections, so idle or slow ones made
    real requests answer 503: see `protocol.py`)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit, self.active = app, limit, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.active >= self.limit:
            return await _plain(send, 503, "Tjenesten er opptatt. Prøv igjen om litt.", retry_after="5")
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


def is_loopback_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(netloc: str) -> str:
    """'127.0.0.1:8000' -> '127.0.0.1', '[::1]:8000' -> '::1'."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[1:netloc.find("]")] if "]" in netloc else netloc
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


class HostOrigin:
    """DNS rebinding and cross-site POSTs.

    `allowed_hosts` None accepts any Host (with `--auth`, where the login cookie is bound to the
    real name anyway); otherwise the Host's name must be a loopback name or one of them.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: set[str] | None):
        self.app = app
        self.allowed = None if allowed_hosts is None else {h.lower().strip("[]") for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = _header(scope, b"host") or ""
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"") or b"\x00" in scope.get(
                "query_string", b""):
            # a NUL byte is in no id, date or search: PostgreSQL refuses it in any text, so it is
            # refused here, before any page reads it
            return await _plain(send, 400, "Adressen inneholder et ugyldig tegn (NUL).")
        if self.allowed is not None:
            name = _host_name(host)
            if not (is_loopback_name(name) or name in self.allowed):
                return await _plain(send, 400, "Ukjent vertsnavn: siden svarer bare på adressen den er startet med.")
        if scope["method"] in UNSAFE and not self._same_origin(scope, host):
            return await _plain(send, 403, "Forespørselen kom fra en annen side og er avvist.")
        await self.app(scope, receive, send)

    @staticmethod
    def _same_origin(scope: Scope, host: str) -> bool:
        """Origin (or Referer) names this server. Browsers send Origin on every POST; a client
        that sends neither is no browser page (and still needs the CSRF token)."""
        origin = _header(scope, b"origin")
        if origin is None:
            referer = _header(scope, b"referer")
            if referer is None:
                return True
            origin = referer
        if origin == "null":
            return False
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        return bool(parts.netloc) and parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope.get("path", "").startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if static or k.lower() not in (b"cache-control", b"pragma")]
                present = {k.lower() for k, _ in headers}
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in present]
                if not static:  # every page may show household data
                    headers += [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
