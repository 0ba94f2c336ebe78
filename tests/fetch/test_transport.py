"""The HTTP/1.1 transport under the fetcher, driven through httpx against real loopback servers.

Most cases use the project's LocalServer; the few a well-behaved server cannot produce (a huge
response head, an informational answer, garbage, TLS) use a scripted asyncio server here.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from ingest.fetch._guard import AddressPolicy
from ingest.fetch._h1 import MAX_HEAD_BYTES, ServerHungUp
from ingest.fetch._h1_transport import H1Transport
from ingest.fetch._resolve import GuardedResolver
from ingest.fetch.errors import BlockedAddress
from ingest.testing import LocalServer
from ingest.testing.server import PAGE

LOOPBACK = AddressPolicy(allow_private=True)
TIMEOUT = httpx.Timeout(connect=1.0, read=0.3, write=0.3, pool=2.0)

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def client(
    policy: AddressPolicy = LOOPBACK, tls: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, H1Transport]]:
    transport = H1Transport(max_connections=8, policy=policy, ssl_context=tls)
    async with httpx.AsyncClient(transport=transport, timeout=TIMEOUT) as http:
        yield http, transport


@asynccontextmanager
async def scripted(script: Script, tls: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    """A loopback server that reads one request head, then runs `script`; yields its port."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await script(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    async with server:
        yield server.sockets[0].getsockname()[1]


def answer(raw: bytes) -> Script:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(raw)
        await writer.drain()

    return script


async def test_keep_alive_reuses_one_connection(local_server: LocalServer) -> None:
    url = local_server.add("/a", PAGE)
    async with client() as (http, transport):
        for _ in range(20):
            response = await http.get(url)
            assert (response.status_code, response.content) == (200, PAGE)
        assert transport.connections_opened == 1


async def test_concurrent_requests_get_their_own_answers(local_server: LocalServer) -> None:
    urls = [local_server.add(f"/p{n}", f"<p>{n}</p>") for n in range(40)]
    async with client() as (http, _):
        responses = await asyncio.gather(*(http.get(url) for url in urls))
    assert [r.text for r in responses] == [f"<p>{n}</p>" for n in range(40)]


async def test_chunked_body(local_server: LocalServer) -> None:
    async with client() as (http, transport):
        response = await http.get(local_server.url("/_fault/chunked?parts=5"))
        assert response.content == PAGE and "content-length" not in response.headers
        await http.get(local_server.url("/_fault/chunked?parts=2"))
        assert transport.connections_opened == 1  # the chunked answer left it reusable


async def test_body_delimited_by_closing_is_read_and_not_reused(local_server: LocalServer) -> None:
    async with client() as (http, transport):
        response = await http.get(local_server.url("/_fault/huge?size=300000&declare=0"))
        assert len(response.content) == 300_000
        await http.get(local_server.url("/_fault/huge?size=10&declare=0"))
        assert transport.connections_opened == 2


async def test_streamed_body_comes_in_bounded_pieces(local_server: LocalServer) -> None:
    async with client() as (http, _):
        url = local_server.url("/_fault/huge?size=3000000")
        async with http.stream("GET", url) as response:
            # Not reading for a while lets the whole body arrive unless reading pauses.
            await asyncio.sleep(0.5)
            sizes = [len(chunk) async for chunk in response.aiter_raw()]
    assert sum(sizes) == 3_000_000 and len(sizes) > 1
    assert max(sizes) <= 2 * 1024 * 1024  # reading pauses at a high-water mark


@pytest.mark.parametrize(
    ("fault", "error", "hits"),
    [
        ("short-body", httpx.RemoteProtocolError, 1),
        ("reset", httpx.ReadError, 1),
        ("hangup", ServerHungUp, 2),  # one more try on a new connection, as for a stale one
    ],
)
async def test_broken_connections_raise_transport_errors(
    local_server: LocalServer, fault: str, error: type[Exception], hits: int
) -> None:
    async with client() as (http, _):
        with pytest.raises(error):
            await http.get(local_server.url(f"/_fault/{fault}"))
    assert local_server.hits(f"/_fault/{fault}") == hits


async def test_silence_is_a_read_timeout(local_server: LocalServer) -> None:
    async with client() as (http, _):
        with pytest.raises(httpx.ReadTimeout):
            await http.get(local_server.url("/_fault/slow-headers?delay=2"))
        with pytest.raises(httpx.ReadTimeout):
            await http.get(local_server.url("/_fault/stall?delay=2"))


async def test_slow_but_steady_body_is_not_a_timeout(local_server: LocalServer) -> None:
    async with client() as (http, _):
        async with http.stream("GET", local_server.url("/_fault/drip?interval=0.05")) as response:
            received = 0
            async for chunk in response.aiter_raw():
                received += len(chunk)
                if received >= 12:  # 0.6 s of drip: twice the read timeout, never silent
                    break
    assert received >= 12


async def test_idle_connection_closed_by_the_server_is_not_reused() -> None:
    async def close_soon(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    async with scripted(close_soon) as port, client() as (http, transport):
        for _ in range(2):
            response = await http.get(f"http://127.0.0.1:{port}/")
            assert response.text == "ok"
            await asyncio.sleep(0.05)  # the server has closed the kept-alive connection
        assert transport.connections_opened == 2
        assert transport._idle == {}  # nothing is kept for an origin without idle connections


async def test_informational_answer_is_skipped() -> None:
    raw = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
    raw += b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Final: 1\r\n\r\nok"
    async with scripted(answer(raw)) as port, client() as (http, _):
        response = await http.get(f"http://127.0.0.1:{port}/")
    assert (response.status_code, response.text, response.headers.get("link")) == (200, "ok", None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * MAX_HEAD_BYTES + b"\r\n\r\n", "head longer"),
        (b"SPDY/9 banana\r\n\r\n", "malformed"),
    ],
)
async def test_oversized_or_malformed_head_is_a_protocol_error(raw: bytes, reason: str) -> None:
    async with scripted(answer(raw)) as port, client() as (http, _):
        with pytest.raises(httpx.RemoteProtocolError, match=reason):
            await http.get(f"http://127.0.0.1:{port}/")


async def test_header_injection_is_refused_before_sending(local_server: LocalServer) -> None:
    async with client() as (http, _):
        with pytest.raises(httpx.LocalProtocolError):
            await http.get(local_server.url("/x"), headers={"X-A": "1\r\nX-Injected: 1"})
    assert local_server.hits("/x") == 0


async def test_guard_refuses_every_resolved_address_at_connect_time(
    local_server: LocalServer,
) -> None:
    async with client(AddressPolicy()) as (http, _):
        with pytest.raises(BlockedAddress, match="localhost resolves to"):
            await http.get(local_server.url("/x", host="localhost"))
    assert local_server.hits("/x") == 0
    forbid = AddressPolicy(allow_private=True, forbidden=(ipaddress.ip_network("127.0.0.0/8"),))
    with pytest.raises(BlockedAddress):
        await GuardedResolver(forbid).resolve("127.0.0.1", 80)


async def test_unsupported_scheme_method_and_refused_connection() -> None:
    async with client() as (http, _):
        with pytest.raises(httpx.UnsupportedProtocol):
            await http.get("ftp://127.0.0.1/x")
        with pytest.raises(httpx.LocalProtocolError, match="HEAD"):
            await http.head("http://127.0.0.1:9/x")
        with LocalServer() as gone:
            url = gone.url("/x")
        with pytest.raises(httpx.ConnectError):
            await http.get(url)


def _self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for 127.0.0.1, and a client context trusting it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "newsdesk test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    trusting = ssl.create_default_context(cafile=str(cert_file))
    return server, trusting


async def test_tls_is_verified_with_the_ssl_context(tmp_path: Path) -> None:
    server_tls, trusting = _self_signed(tmp_path)
    reply = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
    async with scripted(reply, tls=server_tls) as port:
        async with client(tls=trusting) as (http, _):
            assert (await http.get(f"https://127.0.0.1:{port}/")).text == "secret"
        async with client() as (http, _):  # the default context does not trust it
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await http.get(f"https://127.0.0.1:{port}/")
