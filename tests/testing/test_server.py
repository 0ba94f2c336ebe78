"""LocalServer as a plain HTTP server: routes, keep-alive, conditional answers, the log."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys

import pytest

from ingest.testing import LocalServer, Route


def get(
    server: LocalServer, path: str, headers: dict[str, str] | None = None, host: str | None = None
):
    conn = http.client.HTTPConnection(host or server.hosts[0], server.port, timeout=5)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_routes_single_and_many(local_server: LocalServer) -> None:
    url = local_server.add("/a", "<p>a</p>", headers={"X-Test": "1"})
    local_server.add_many({"/b": b"<p>b</p>", "/feed": Route(b"<rss/>", "application/rss+xml")})
    local_server.add("/gone", "bye", status=410, content_type="text/plain")
    assert url == f"http://127.0.0.1:{local_server.port}/a"
    status, headers, body = get(local_server, "/a")
    assert (status, body, headers["X-Test"]) == (200, b"<p>a</p>", "1")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert get(local_server, "/b")[2] == b"<p>b</p>"
    assert get(local_server, "/feed")[1]["Content-Type"] == "application/rss+xml"
    assert get(local_server, "/gone")[0] == 410
    assert get(local_server, "/nothing")[0] == 404
    assert [r.target for r in local_server.requests] == ["/a", "/b", "/feed", "/gone", "/nothing"]


def test_keep_alive_serves_many_requests_on_one_connection(local_server: LocalServer) -> None:
    local_server.add("/a", "<p>a</p>")
    conn = http.client.HTTPConnection("127.0.0.1", local_server.port, timeout=5)
    for _ in range(3):
        conn.request("GET", "/a")
        assert conn.getresponse().read() == b"<p>a</p>"
    assert local_server.hits("/a") == 3


def test_validators_give_304(local_server: LocalServer) -> None:
    local_server.add("/s", "<p>s</p>", headers={"ETag": '"x"'})
    status, _, body = get(local_server, "/s", {"If-None-Match": '"x"'})
    assert (status, body) == (304, b"")
    assert get(local_server, "/s", {"If-None-Match": '"y"'})[0] == 200


def test_retry_after_forms_and_flaky_counter(local_server: LocalServer) -> None:
    assert get(local_server, "/_fault/status/429?retry_after=7")[1]["Retry-After"] == "7"
    date = get(local_server, "/_fault/status/503?retry_after_date=60")[1]["Retry-After"]
    assert date.endswith("GMT")
    statuses = [get(local_server, "/_fault/flaky/k?fails=2")[0] for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_only_loopback_addresses_can_be_bound() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LocalServer(hosts=("0.0.0.0",))


def test_alias_listens_on_the_same_port(aliased_server: LocalServer) -> None:
    aliased_server.add("/a", "<p>a</p>")
    assert get(aliased_server, "/a", host="127.0.0.2")[0] == 200
    assert [r.local_host for r in aliased_server.requests] == ["127.0.0.2"]


def test_root_directory_and_command_line(tmp_path) -> None:
    (tmp_path / "index.html").write_text("<p>home</p>")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "ingest.testing.server",
        "--port",
        str(port),
        "--root",
        str(tmp_path),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == f"serving on http://127.0.0.1:{port}"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/")
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"<p>home</p>")
        conn.request("GET", "/../../etc/passwd")
        assert conn.getresponse().status == 404
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_bad_fault_parameter_is_a_400(local_server: LocalServer) -> None:
    assert get(local_server, "/_fault/status/abc")[0] == 400
    assert get(local_server, "/_fault/slow-headers?delay=soon")[0] == 400
