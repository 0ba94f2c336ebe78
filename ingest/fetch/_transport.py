"""An httpx transport over aiohttp's connection pool, chosen by measurement (docs/fetching.md).

httpx stays the client API; aiohttp does the sockets, with the SSRF guard as its resolver. Its
errors are mapped once, here, onto httpx's exception classes (and `BlockedAddress`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx
import yarl

from ingest.fetch._guard import AddressPolicy, GuardedResolver
from ingest.fetch.errors import BlockedAddress, InvalidURL

_CHUNK = 64 * 1024


@contextlib.contextmanager
def _mapped_errors() -> Iterator[None]:
    """Re-raise aiohttp's errors as the httpx (or fetch-stage) errors they mean."""
    try:
        yield
    except aiohttp.ClientConnectorDNSError as exc:
        if isinstance(exc.os_error, BlockedAddress):
            raise BlockedAddress(str(exc.os_error)) from exc
        raise httpx.ConnectError(f"name resolution failed: {exc.os_error}") from exc
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or "connect timed out") from exc
    except (aiohttp.SocketTimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
    except aiohttp.InvalidURL as exc:
        raise InvalidURL(f"invalid URL: {exc}") from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(str(exc)) from exc
    except aiohttp.ClientPayloadError as exc:
        raise httpx.RemoteProtocolError(f"incomplete body: {exc}") from exc
    except aiohttp.ClientResponseError as exc:  # malformed status line or headers
        raise httpx.RemoteProtocolError(str(exc)) from exc
    except (aiohttp.ClientError, ConnectionError) as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__) from exc
    except TimeoutError as exc:
        raise httpx.ReadTimeout("timed out") from exc


@functools.lru_cache(maxsize=64)
def _timeout(
    connect: float | None, read: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(sock_connect=connect, sock_read=read, connect=pool)


def _client_timeout(extension: dict[str, float | None]) -> aiohttp.ClientTimeout:
    """aiohttp's timeout for httpx's timeout extension (one object per distinct setting)."""
    return _timeout(extension.get("connect"), extension.get("read"), extension.get("pool"))


class _Body(httpx.AsyncByteStream):
    """The raw (still content-encoded) body of an aiohttp response, chunk by chunk."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped_errors():
            async for chunk in self._response.content.iter_chunked(_CHUNK):
                yield chunk

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
        return aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = self._open()
        timeout = _client_timeout(request.extensions.get("timeout", {}))
        with _mapped_errors():
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
