"""An httpx transport on asyncio protocols with llhttp parsing and a keep-alive pool of our own.

Chosen by measurement over aiohttp under httpx (docs/fetching.md). httpx stays the client API;
this module only moves bytes: it resolves and guards addresses at connect time (`_resolve.py`),
opens plain or TLS connections, writes GET-style requests, and hands back the raw (still
content-encoded) body as an httpx stream. Bounds on the body are the fetcher's (`_body.py`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import httpx

from ingest.fetch._guard import AddressPolicy
from ingest.fetch._h1 import H1Connection, ServerHungUp
from ingest.fetch._resolve import GuardedResolver

_WHOLE_BODY_MAX = 1024 * 1024  # a body declared this small or smaller is handed over in one piece
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_EXTENSIONS = {"http_version": b"HTTP/1.1"}

Origin = tuple[bytes, str, int]  # scheme, host, port


class _Body(httpx.AsyncByteStream):
    """The raw body of one response; closing it returns the connection to the pool if it can."""

    def __init__(self, pool: H1Transport, origin: Origin, conn: H1Connection) -> None:
        self._pool = pool
        self._origin = origin
        self._conn = conn
        declared = _content_length(conn.headers)
        self._whole = declared is not None and declared <= _WHOLE_BODY_MAX

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._conn.read(self._whole)
        if not chunk:
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        self._pool.release(self._origin, self._conn)


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if len(name) == 14 and name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _head(request: httpx.Request) -> bytes:
    """The request line and headers; refuses a CR, LF or NUL smuggled into a header."""
    url = request.url
    lines = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), url.raw_path)]
    lines.extend(b"%s: %s\r\n" % pair for pair in request.headers.raw)
    lines.append(b"\r\n")
    head = b"".join(lines)
    if head.count(b"\n") != len(lines) or head.count(b"\r") != len(lines) or b"\0" in head:
        raise httpx.LocalProtocolError(f"a request header for {url} holds CR, LF or NUL")
    return head


class H1Transport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over a keep-alive pool; at most `max_connections` connections are kept idle."""

    def __init__(
        self,
        *,
        max_connections: int,
        policy: AddressPolicy,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._max_idle = max_connections
        self._resolver = GuardedResolver(policy)
        self._ssl = ssl_context
        self._idle: dict[Origin, list[H1Connection]] = {}
        self._idle_count = 0
        self._open: dict[H1Connection, Origin] = {}
        self.connections_opened = 0  # for tests and diagnostics

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.raw_scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"scheme {url.scheme!r} is not http or https")
        if request.method == "HEAD":  # the parser would wait for the body a HEAD answer lacks
            raise httpx.LocalProtocolError("this transport does not send HEAD requests")
        origin = (scheme, url.host, url.port or _DEFAULT_PORTS[scheme])
        timeout = request.extensions.get("timeout", {})
        data = _head(request) + (request.content or b"")
        conn = self._checkout(origin) or await self._connect(origin, timeout.get("connect"))
        try:
            try:
                await self._exchange(conn, data, timeout.get("read"))
            except ServerHungUp:
                # A kept-alive connection the server has just closed looks like this; like
                # aiohttp (which this replaced), an idempotent request gets one more connection.
                if request.method != "GET":
                    raise
                conn.abort()
                conn = await self._connect(origin, timeout.get("connect"))
                await self._exchange(conn, data, timeout.get("read"))
        except BaseException:
            conn.abort()
            raise
        return httpx.Response(
            status_code=conn.status,
            headers=conn.headers,
            stream=_Body(self, origin, conn),
            request=request,
            extensions=_EXTENSIONS,
        )

    @staticmethod
    async def _exchange(conn: H1Connection, data: bytes, read_s: float | None) -> None:
        conn.send(data, read_s)
        await conn.head()

    def _checkout(self, origin: Origin) -> H1Connection | None:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            if not idle:  # leave no empty list behind for each origin ever seen
                del self._idle[origin]
            if not conn.lost:
                return conn
        return None

    def release(self, origin: Origin, conn: H1Connection) -> None:
        """Keep `conn` for the next request to `origin` if its response is over, else close it."""
        if not conn.finished() or self._idle_count >= self._max_idle:
            conn.close()
            return
        self._idle.setdefault(origin, []).append(conn)
        self._idle_count += 1

    async def _connect(self, origin: Origin, connect_s: float | None) -> H1Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        tls = self._tls() if scheme == b"https" else None
        try:
            async with asyncio.timeout(connect_s):
                addresses = await self._resolver.resolve(host, port)
                failure: OSError | None = None
                for family, address in addresses:
                    try:
                        _, conn = await loop.create_connection(
                            lambda: H1Connection(loop, self._forget),
                            address,
                            port,
                            family=family,
                            ssl=tls,
                            server_hostname=host if tls else None,
                        )
                    except OSError as exc:
                        failure = exc
                        continue
                    self._open[conn] = origin
                    self.connections_opened += 1
                    return conn
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from exc
        raise httpx.ConnectError(f"cannot connect to {host}:{port}: {failure}") from failure

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl

    def _forget(self, conn: H1Connection) -> None:
        origin = self._open.pop(conn, None)
        idle = self._idle.get(origin) if origin is not None else None
        if idle and conn in idle:
            idle.remove(conn)
            self._idle_count -= 1
            if not idle:
                del self._idle[origin]

    async def aclose(self) -> None:
        for conn in list(self._open):
            conn.close()
        self._idle.clear()
        self._idle_count = 0
        # Let the transports finish closing before the loop may stop.
        await asyncio.sleep(0)
