"""One HTTP/1.1 client connection: an asyncio protocol with llhttp (httptools) parsing.

The connection carries one request at a time (no pipelining). The response head is bounded in
size, the body is buffered only up to a high-water mark (reading pauses beyond it), and silence
longer than the read timeout while someone waits is a `httpx.ReadTimeout`, checked by one timer
per request rather than one per chunk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httptools
import httpx

MAX_HEAD_BYTES = 64 * 1024  # status line and headers together
_HIGH_WATER = 1024 * 1024 + 64 * 1024  # buffered body bytes before reading pauses
_NO_BODY_STATUSES = frozenset({204, 304})
_FRAMING = (b"content-length", b"transfer-encoding")  # headers that say where a body ends


class ServerHungUp(httpx.RemoteProtocolError):
    """The server closed the connection before sending any byte of the response."""


class H1Connection(asyncio.Protocol):
    """The protocol of one keep-alive connection; `H1Transport` drives it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_lost: Callable[[H1Connection], None]):
        self._loop = loop
        self._on_lost = on_lost
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self.lost = False
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.keep_alive = False
        self.complete = False
        self._head_done = False
        self._head_bytes = 0  # bytes received while the head is incomplete
        self._header_bytes = 0  # bytes of header names and values
        self._informational = False
        self._until_close = False  # a body delimited by the end of the connection
        self._body: list[bytes] = []
        self._buffered = 0
        self._want = 0  # wake the reader at this many buffered bytes; -1: at the end only
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False
        self._received = False
        self._read_s: float | None = None
        self._last_seen = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # --- the request side, used by the transport and the body stream ---

    def send(self, data: bytes, read_s: float | None) -> None:
        """Write one request and start watching for silence."""
        assert self._transport is not None
        self._reset()
        self._read_s = read_s
        self._last_seen = self._loop.time()
        if read_s is not None:
            self._timer = self._loop.call_at(self._last_seen + read_s, self._check_silence)
        self._transport.write(data)

    async def head(self) -> None:
        """Wait for the status line and headers."""
        while not self._head_done:
            await self._wait()

    async def read(self, whole: bool) -> bytes:
        """The body bytes buffered so far, once there are any (all of the body when `whole`).

        Returns b"" once the body is over. What is buffered is bounded: reading pauses at a
        high-water mark until this is called again.
        """
        self._want = -1 if whole else 1
        while not self.complete and (whole or not self._buffered):
            await self._wait()
        parts = self._body
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        self._body = []
        self._buffered = 0
        if self._paused and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()
        return data

    def finished(self) -> bool:
        """The response is over and the connection may carry another request."""
        self._stop_timer()
        return self.complete and self.keep_alive and not self.lost and not self._body

    def close(self) -> None:
        self._stop_timer()
        if self._transport is not None:
            self._transport.close()

    def abort(self) -> None:
        self._stop_timer()
        if self._transport is not None:
            self._transport.abort()

    async def _wait(self) -> None:
        if self._error is not None:
            raise self._error
        if self.lost:
            raise self._lost_error(None)
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None
        if self._error is not None:
            raise self._error

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, error: BaseException) -> None:
        if self._error is None:
            self._error = error
        self._wake()

    def _check_silence(self) -> None:
        assert self._read_s is not None
        now = self._loop.time()
        due = self._last_seen + self._read_s
        if self._waiter is None or self.complete:
            due = max(due, now + self._read_s)  # the reader is busy: not the server's silence
        if now < due:
            self._timer = self._loop.call_at(due, self._check_silence)
            return
        self._timer = None
        self._fail(httpx.ReadTimeout(f"no data from the server for {self._read_s:g} s"))
        self.abort()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _lost_error(self, exc: BaseException | None) -> BaseException:
        if not self._received and exc is None:
            return ServerHungUp("the server closed the connection without answering")
        if exc is not None:
            return httpx.ReadError(f"connection lost: {exc!r}")
        return httpx.RemoteProtocolError("the server closed the connection before the body ended")

    # --- asyncio.Protocol ---

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._stop_timer()
        self._on_lost(self)
        if self._until_close and exc is None and not self.complete:
            self.complete = True  # the end of the connection is the end of the body
            self._wake()
        elif not self.complete:
            self._fail(self._lost_error(exc))

    def data_received(self, data: bytes) -> None:
        if self.complete or self._error is not None:  # nothing asked for this: unusable now
            self.keep_alive = False
            self.abort()
            return
        self._received = True
        if self._read_s is not None:
            self._last_seen = self._loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._protocol_error("the server switched protocols")
        except httptools.HttpParserError as exc:
            self._protocol_error(f"malformed response: {exc}")
        if not self._head_done:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._protocol_error(f"response head longer than {MAX_HEAD_BYTES} bytes")

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost sorts out what it means

    def pause_writing(self) -> None:  # requests are small; nothing to throttle
        pass

    def resume_writing(self) -> None:
        pass

    def _protocol_error(self, reason: str) -> None:
        self._fail(httpx.RemoteProtocolError(reason))
        self.abort()

    # --- httptools callbacks ---

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        self._header_bytes += len(name) + len(value)

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # e.g. 103 Early Hints: the real answer follows
            self._informational = True
            self.headers = []
            return
        if self._header_bytes > MAX_HEAD_BYTES:  # a head that came in one piece
            self._protocol_error(f"response head longer than {MAX_HEAD_BYTES} bytes")
            return
        self.status = status
        self._head_done = True
        self._until_close = status not in _NO_BODY_STATUSES
        for name, _ in self.headers:
            if name.lower() in _FRAMING:
                self._until_close = False
                break
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        self._buffered += len(body)
        if self._want > 0 and self._buffered >= self._want:
            self._wake()
        if self._buffered > _HIGH_WATER and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def on_message_complete(self) -> None:
        if self._informational:
            self._informational = False
            return
        self.keep_alive = self._parser.should_keep_alive() and not self._until_close
        self.complete = True
        self._wake()
