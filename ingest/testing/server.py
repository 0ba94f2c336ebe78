"""A real HTTP/1.1 server on loopback with registered pages and fault endpoints, for tests,
benchmarks and the demo: run it in a background thread (`with LocalServer() as server:`) or alone.

Static routes come from `add`/`add_many` or a `root` directory; `/_fault/...` paths misbehave on
purpose (see `_Faults`). Every request is logged, so a test can prove a request never arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import ipaddress
import mimetypes
import os
import socket
import struct
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

_MAX_HEAD = 64 * 1024
_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    307: "Temporary",
    308: "Permanent",
    400: "Bad Request",
    404: "Not Found",
    408: "Request Timeout",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
PAGE = b"<!doctype html><html><head><title>ok</title></head><body><p>ok</p></body></html>"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Route:
    """A static answer: status, body and headers (Content-Type included)."""

    body: bytes
    content_type: str | None = HTML
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as it arrived: the address it reached, method, target and headers."""

    local_host: str
    method: str
    target: str
    headers: dict[str, str]


@dataclass(slots=True)
class _Request:
    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    keep_alive: bool


@dataclass(slots=True)
class _State:
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[LoggedRequest] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    open: set[asyncio.StreamWriter] = field(default_factory=set)
    active: int = 0  # requests being answered right now
    peak: int = 0  # the most answered at once since the log was cleared


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class LocalServer:
    """An asyncio HTTP/1.1 server (keep-alive) bound to loopback addresses only."""

    def __init__(
        self,
        *,
        hosts: tuple[str, ...] = ("127.0.0.1",),
        port: int = 0,
        root: Path | None = None,
        log_requests: bool = True,
        fail_once_percent: int = 0,
    ) -> None:
        if not hosts or not all(_is_loopback(h) for h in hosts):
            raise ValueError(f"LocalServer binds loopback addresses only, not {hosts}")
        self.hosts = hosts
        self.port = port
        self.root = root.resolve() if root else None
        self._log_requests = log_requests
        # This share of paths (chosen by a stable hash) answers 503 to its first request.
        self._fail_once_percent = fail_once_percent
        self._state = _State()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._faults = _Faults(self)

    # -- routes and log --------------------------------------------------------------------

    def add(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str | None = HTML,
        headers: Mapping[str, str] | None = None,
        status: int = 200,
    ) -> str:
        """Serve `body` at `path` (query string included if given); returns the full URL."""
        data = body.encode() if isinstance(body, str) else body
        route = Route(data, content_type, status, tuple((headers or {}).items()))
        with self._state.lock:
            self._state.routes[path] = route
        return self.url(path)

    def add_many(self, routes: Mapping[str, bytes | str | Route]) -> None:
        """Register many routes at once: a body (served as HTML) or a `Route` per path."""
        prepared = {
            path: r if isinstance(r, Route) else Route(r.encode() if isinstance(r, str) else r)
            for path, r in routes.items()
        }
        with self._state.lock:
            self._state.routes.update(prepared)

    @property
    def base_url(self) -> str:
        return f"http://{self.hosts[0]}:{self.port}"

    def url(self, path: str, *, host: str | None = None) -> str:
        return f"http://{host or self.hosts[0]}:{self.port}{path}"

    @property
    def requests(self) -> list[LoggedRequest]:
        """A copy of the request log, oldest first."""
        with self._state.lock:
            return list(self._state.log)

    def hits(self, path: str) -> int:
        """How many logged requests asked for `path` (query string ignored)."""
        return sum(1 for r in self.requests if urlsplit(r.target).path == path)

    @property
    def peak_concurrency(self) -> int:
        """The most requests answered at the same time since start or `clear_log`."""
        return self._state.peak

    def clear_log(self) -> None:
        with self._state.lock:
            self._state.log.clear()
            self._state.counters.clear()
            self._state.peak = 0

    def count(self, key: str) -> int:
        """Increment and return the per-key counter the stateful fault endpoints use."""
        with self._state.lock:
            self._state.counters[key] = self._state.counters.get(key, 0) + 1
            return self._state.counters[key]

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Serve from a background thread with its own event loop; returns once listening."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self._bind())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._close())
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="LocalServer", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop = self._thread = None

    async def serve_forever(self, *, ready: Callable[[], None] | None = None) -> None:
        """Serve on the current event loop until cancelled; `ready` is called once listening."""
        await self._bind()
        if ready is not None:
            ready()
        try:
            await asyncio.Event().wait()
        finally:
            await self._close()

    async def _bind(self) -> None:
        for host in self.hosts:  # the first bind picks the port, the others reuse it
            server = await asyncio.start_server(
                self._connection, host, self.port, backlog=2048, limit=_MAX_HEAD
            )
            self._servers.append(server)
            self.port = server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        for server in self._servers:
            server.close()
        for writer in list(self._state.open):  # Server.close_clients() is Python 3.13+
            writer.transport.abort()
        self._servers.clear()

    # -- HTTP --------------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        local = writer.get_extra_info("sockname")[0]
        state = self._state  # `active` and `peak` change on the server's loop only
        state.open.add(writer)
        try:
            while (request := await _read_head(reader)) is not None:
                if self._log_requests:
                    entry = LoggedRequest(local, request.method, request.target, request.headers)
                    with self._state.lock:
                        self._state.log.append(entry)
                state.active += 1
                state.peak = max(state.peak, state.active)
                try:
                    reuse = await self._dispatch(request, writer)
                except ValueError as exc:  # a fault endpoint's bad parameter
                    await send(
                        writer, request, 400, str(exc).encode(), [("Content-Type", "text/plain")]
                    )
                    reuse = True
                finally:
                    state.active -= 1
                if not reuse or not request.keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._state.open.discard(writer)
            if not writer.is_closing():
                writer.close()

    async def _dispatch(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection must not be reused."""
        if request.path.startswith("/_fault/"):
            return await self._faults.answer(request, writer)
        if self._fails_once(request.path):
            await send(writer, request, 503, b"try again", [("Content-Type", "text/plain")])
            return True
        with self._state.lock:
            route = self._state.routes.get(request.target) or self._state.routes.get(request.path)
        if route is None and self.root is not None:
            route = _file_route(self.root, request.path)
        if route is None:
            route = Route(b"not found", "text/plain", 404)
        await send(writer, request, *_conditional(route, request.headers))
        return True

    def _fails_once(self, path: str) -> bool:
        if zlib.crc32(path.encode()) % 100 >= self._fail_once_percent:
            return False
        return self.count(f"once:{path}") == 1


def _conditional(route: Route, headers: Mapping[str, str]) -> tuple[int, bytes, list]:
    """(status, body, headers) for `route`, answering 304 when the validators match."""
    extra = [("Content-Type", route.content_type)] if route.content_type else []
    extra += list(route.headers)
    sent = {name.lower(): value for name, value in route.headers}
    etag, modified = sent.get("etag"), sent.get("last-modified")
    if (etag and headers.get("if-none-match") == etag) or (
        modified and "if-none-match" not in headers and headers.get("if-modified-since") == modified
    ):
        return 304, b"", [(n, v) for n, v in route.headers if n.lower() != "content-length"]
    return route.status, route.body, extra


def _file_route(root: Path, path: str) -> Route | None:
    candidate = (root / path.lstrip("/")).resolve()
    if candidate.is_dir():
        candidate = candidate / "index.html"
    if not candidate.is_relative_to(root):
        return None
    try:
        stat = candidate.stat()
    except OSError:
        return None
    if not candidate.is_file():
        return None
    kind = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
    if kind.startswith("text/"):
        kind += "; charset=utf-8"
    return Route(_file_bytes(candidate, stat), kind)


_FILES: dict[tuple[int, int, int], bytes] = {}


def _file_bytes(path: Path, stat: os.stat_result) -> bytes:
    """File contents, cached by file identity: the benchmark's pages are hard links to a few."""
    key = (stat.st_dev, stat.st_ino, stat.st_mtime_ns)
    data = _FILES.get(key)
    if data is None:
        if len(_FILES) >= 256:
            _FILES.clear()
        data = _FILES[key] = path.read_bytes()
    return data


async def _read_head(reader: asyncio.StreamReader) -> _Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = (lines[0].split(" ", 2) + ["", ""])[:3]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length", "0")
    if length.isdigit() and int(length):
        await reader.readexactly(int(length))  # request bodies are read and ignored
    parts = urlsplit(target)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    connection = headers.get("connection", "").lower()
    keep = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
    return _Request(method, target, parts.path, query, headers, keep)


def head_bytes(status: int, headers: list[tuple[str, str]], length: int | None) -> bytes:
    """The status line and headers; `length` None sends no Content-Length."""
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if length is not None and not any(n.lower() == "content-length" for n, _ in headers):
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send(
    writer: asyncio.StreamWriter,
    request: _Request,
    status: int,
    body: bytes,
    headers: list[tuple[str, str]],
) -> None:
    """Write one complete response (no body for HEAD or 304)."""
    payload = b"" if request.method == "HEAD" or status == 304 else body
    writer.write(head_bytes(status, headers, len(body)) + payload)
    await writer.drain()


def reset(writer: asyncio.StreamWriter) -> None:
    """Close the connection with a TCP RST instead of an orderly FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


_Handler = Callable[[_Request, asyncio.StreamWriter], Awaitable[bool]]


class _Faults:
    """The `/_fault/<name>` endpoints; each returns whether the connection may be reused."""

    def __init__(self, server: LocalServer) -> None:
        self._server = server
        self._table: dict[str, _Handler] = {
            "status": self.status,
            "flaky": self.flaky,
            "slow-headers": self.slow_headers,
            "stall": self.stall,
            "reset": self.reset,
            "short-body": self.short_body,
            "hangup": self.hangup,
            "drip": self.drip,
            "chunked": self.chunked,
            "redirect": self.redirect,
            "loop": self.loop,
            "redirect-to": self.redirect_to,
            "huge": self.huge,
            "gzip-bomb": self.gzip_bomb,
            "charset": self.charset,
            "binary": self.binary,
        }

    async def answer(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        name = request.path.split("/")[2]
        handler = self._table.get(name)
        if handler is None:
            await send(writer, request, 404, b"no such fault", [("Content-Type", "text/plain")])
            return True
        return await handler(request, writer)

    @staticmethod
    def _arg(request: _Request, index: int, default: str = "") -> str:
        parts = request.path.split("/")
        return parts[index] if len(parts) > index and parts[index] else default

    async def status(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/status/<code>[?retry_after=<s>|retry_after_date=<s from now>]"""
        code = int(self._arg(request, 3, "500"))
        headers = [("Content-Type", HTML)]
        if "retry_after" in request.query:
            headers.append(("Retry-After", request.query["retry_after"]))
        if "retry_after_date" in request.query:
            when = time.time() + float(request.query["retry_after_date"])
            headers.append(("Retry-After", formatdate(when, usegmt=True)))
        await send(writer, request, code, PAGE, headers)
        return True

    async def flaky(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/flaky/<key>?fails=<n>&status=<code>: the code n times per key, then 200."""
        fails = int(request.query.get("fails", "1"))
        code = int(request.query.get("status", "503"))
        seen = self._server.count(f"flaky:{self._arg(request, 3, 'default')}")
        status = code if seen <= fails else 200
        await send(writer, request, status, PAGE, [("Content-Type", HTML)])
        return True

    async def slow_headers(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/slow-headers?delay=<s>: wait before sending anything."""
        await asyncio.sleep(float(request.query.get("delay", "5")))
        await send(writer, request, 200, PAGE, [("Content-Type", HTML)])
        return True

    async def stall(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/stall?delay=<s>: headers and half the body, then silence, then close."""
        writer.write(head_bytes(200, [("Content-Type", HTML)], len(PAGE)) + PAGE[:20])
        await writer.drain()
        await asyncio.sleep(float(request.query.get("delay", "5")))
        return False

    async def reset(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/reset: headers and part of the body, then a TCP reset."""
        writer.write(head_bytes(200, [("Content-Type", HTML)], 10_000) + PAGE[:20])
        await writer.drain()
        await asyncio.sleep(0.05)
        reset(writer)
        return False

    async def short_body(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/short-body: Content-Length promises more than is sent before closing."""
        writer.write(head_bytes(200, [("Content-Type", HTML)], len(PAGE) * 10) + PAGE)
        await writer.drain()
        writer.close()
        return False

    async def drip(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/drip?interval=<s>: a body that never ends, one byte per interval."""
        interval = float(request.query.get("interval", "0.1"))
        writer.write(head_bytes(200, [("Content-Type", HTML)], None))
        try:
            while True:
                writer.write(b".")
                await writer.drain()
                await asyncio.sleep(interval)
        except ConnectionError:
            return False

    async def chunked(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/chunked?parts=<n>: the page in n chunks of chunked transfer coding."""
        parts = max(1, int(request.query.get("parts", "3")))
        headers = [("Content-Type", HTML), ("Transfer-Encoding", "chunked")]
        writer.write(head_bytes(200, headers, None))
        step = -(-len(PAGE) // parts)
        for start in range(0, len(PAGE), step):
            piece = PAGE[start : start + step]
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    async def hangup(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/hangup: close the connection without answering."""
        writer.close()
        return False

    async def redirect(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/redirect/<n>: a chain of n redirects ending at a page."""
        left = int(self._arg(request, 3, "1"))
        if left <= 0:
            await send(writer, request, 200, PAGE, [("Content-Type", HTML)])
        else:
            await send(writer, request, 302, b"", [("Location", f"/_fault/redirect/{left - 1}")])
        return True

    async def loop(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/loop/a redirects to /_fault/loop/b, which redirects back."""
        other = "b" if self._arg(request, 3, "a") == "a" else "a"
        await send(writer, request, 301, b"", [("Location", f"/_fault/loop/{other}")])
        return True

    async def redirect_to(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/redirect-to?url=<absolute URL>[&status=<3xx>]"""
        code = int(request.query.get("status", "302"))
        await send(writer, request, code, b"", [("Location", request.query.get("url", "/"))])
        return True

    async def huge(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/huge?size=<bytes>[&declare=0]: a large HTML body, streamed."""
        size = int(request.query.get("size", str(64 * 1024 * 1024)))
        declared = request.query.get("declare", "1") != "0"
        writer.write(head_bytes(200, [("Content-Type", HTML)], size if declared else None))
        chunk = b"<p>" + b"x" * 65_529 + b"</p>\n"
        try:
            for sent in range(0, size, len(chunk)):
                writer.write(chunk[: size - sent])
                await writer.drain()
        except ConnectionError:
            pass
        return False  # undeclared length is delimited by closing

    async def gzip_bomb(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/gzip-bomb?size=<decompressed bytes>: tiny gzip body that inflates enormously."""
        size = int(request.query.get("size", str(64 * 1024 * 1024)))
        headers = [("Content-Type", HTML), ("Content-Encoding", "gzip")]
        await send(writer, request, 200, await asyncio.to_thread(_bomb, size), headers)
        return True

    async def charset(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/charset/<wrong|missing|undeclared|latin1>: charset labelling problems."""
        case = self._arg(request, 3, "wrong")
        text = "<p>Café “crème” – naïve</p>"
        meta = '<meta charset="windows-1252">'
        bodies = {
            "wrong": ("text/html; charset=utf-8", meta + text, "cp1252"),
            "missing": ("text/html", meta + text, "cp1252"),
            "undeclared": ("text/html", _RUSSIAN, "cp1251"),
            "latin1": ("text/html; charset=iso-8859-1", text, "cp1252"),
        }
        content_type, html, codec = bodies.get(case, bodies["wrong"])
        await send(writer, request, 200, html.encode(codec), [("Content-Type", content_type)])
        return True

    async def binary(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """/_fault/binary: a body served as application/octet-stream."""
        await send(
            writer, request, 200, bytes(range(256)), [("Content-Type", "application/octet-stream")]
        )
        return True


_RUSSIAN = (
    "<html><body><p>Правительство объявило о новых мерах поддержки малого бизнеса. "
    "Эксперты считают, что эти решения помогут экономике восстановиться быстрее.</p></body></html>"
)


@functools.lru_cache(maxsize=4)
def _bomb(size: int) -> bytes:
    """gzip of `size` zero bytes, built a megabyte at a time so the server stays small too."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    parts = [
        packer.compress(block[: min(len(block), size - done)])
        for done in range(0, size, len(block))
    ]
    return b"".join(parts) + packer.flush()


def main(argv: list[str] | None = None) -> None:
    """Serve a directory and the fault endpoints on loopback until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--root", type=Path, default=None, help="directory of static files")
    parser.add_argument(
        "--fail-once-percent", type=int, default=0, help="share of paths answering 503 once"
    )
    args = parser.parse_args(argv)
    server = LocalServer(
        hosts=(args.host,),
        port=args.port,
        root=args.root,
        log_requests=False,
        fail_once_percent=args.fail_once_percent,
    )

    def announce() -> None:
        print(f"serving on {server.base_url}", flush=True)

    try:
        asyncio.run(server.serve_forever(ready=announce))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
