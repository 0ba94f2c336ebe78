"""An httpx transport over aiohttp's connection pool, chosen by measurement (docs/fetching.md).

httpx stays the client API; aiohttp does the sockets, with the SSRF guard as its resolver. Its
errors are mapped once, here, onto httpx's exception classes (and `BlockedAddress`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator

import aiohttp
import httpx
import yarl

from ingest.fetch._guard import AddressPolicy, GuardedResolver
from ingest.fetch.errors import BlockedAddress, InvalidURL

_CHUNK = 64 * 1024
_WHOLE_BODY_MAX = 1024 * 1024  # a body declared this small or smaller is read in one piece


# What aiohttp (and the loop under it) raises; `_mapped` says what each one means to httpx.
_ERRORS = (aiohttp.ClientError, ConnectionError, TimeoutError)


def _mapped(exc: BaseException) -> BaseException:
    """The httpx (or fetch-stage) error that an aiohttp error means."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        if isinstance(exc.os_error, BlockedAddress):
            return BlockedAddress(str(exc.os_error))
        return httpx.ConnectError(f"name resolution failed: {exc.os_error}")
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(str(exc) or "connect timed out")
    if isinstance(exc, aiohttp.SocketTimeoutError | aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout(str(exc) or "read timed out")
    if isinstance(exc, aiohttp.InvalidURL):
        return InvalidURL(f"invalid URL: {exc}")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(exc))
    if isinstance(exc, aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(f"incomplete body: {exc}")
    if isinstance(exc, aiohttp.ClientResponseError):  # malformed status line or headers
        return httpx.RemoteProtocolError(str(exc))
    if isinstance(exc, aiohttp.ClientError | ConnectionError):
        return httpx.ReadError(str(exc) or type(exc).__name__)
    return httpx.ReadTimeout("timed out")  # a TimeoutError


@functools.lru_cache(maxsize=64)
def _timeout(
    connect: float | None, read: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(sock_connect=connect, sock_read=read, connect=pool)


def _client_timeout(extension: dict[str, float | None]) -> aiohttp.ClientTimeout:
    """aiohttp's timeout for httpx's timeout extension (one object per distinct setting)."""
    return _timeout(extension.get("connect"), extension.get("read"), extension.get("pool"))


class _Body(httpx.AsyncByteStream):
    """The raw (still content-encoded) body of an aiohttp response, chunk by chunk.

    An iterator object rather than an async generator: the loop registers every generator it
    starts, a cost per response. A body whose declared length is small comes in one piece
    (aiohttp reads no more than the declared length), which saves joining chunks later.
    """

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        declared = response.content_length
        self._size = -1 if declared is not None and declared <= _WHOLE_BODY_MAX else _CHUNK

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        try:
            chunk = await self._response.content.read(self._size)
        except _ERRORS as exc:
            raise _mapped(exc) from exc
        if not chunk:
            raise StopAsyncIteration
        self._size = _CHUNK
        return chunk

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session (lazily created on the running loop) behind the httpx interface."""

    def __init__(self, *, max_connections: int, policy: AddressPolicy) -> None:
        self._max_connections = max_connections
        self._policy = policy
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            resolver=GuardedResolver(self._policy),
            ttl_dns_cache=60,
        )
        # No cookie jar: a crawler must not carry one site's cookies into another request.
        # No `skip_auto_headers` either: httpx requests carry their User-Agent and
        # Accept-Encoding, so aiohttp adds neither, and skipping costs a header copy per request.
        return aiohttp.ClientSession(
            connector=connector, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar()
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = self._open()
        timeout = _client_timeout(request.extensions.get("timeout", {}))
        try:
            response = await self._session.request(
                request.method,
                # httpx has already percent-encoded the URL; yarl need not do it again.
                yarl.URL(str(request.url), encoded=True),
                headers=[
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw
                ],
                data=request.content or None,
                allow_redirects=False,
                compress=None,
                timeout=timeout,
            )
        except _ERRORS as exc:
            raise _mapped(exc) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            # Let the connector's transports finish closing before the loop may stop.
            await asyncio.sleep(0)
            self._session = None
