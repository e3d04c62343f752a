"""``specgen serve`` as a real process: crash and restart mid-upload, several workers on one root,
streaming both ways without memory growing with the blob, expiry of abandoned uploads."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time

import httpx
import pytest
from peers import start_specgen

MiB = 1 << 20


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def server(tmp_path):
    peers = []

    def start(**kw):
        peer = start_specgen(tmp_path / "serve", **kw)
        peers.append(peer)
        return peer

    yield start
    for peer in peers:
        peer.stop()


def test_kill_mid_upload_then_restart_resumes_and_keeps_committed_blobs(server):
    peer = server()
    committed = os.urandom(3 * MiB)
    chunk1, rest = os.urandom(2 * MiB), os.urandom(3 * MiB)
    with httpx.Client(base_url=peer.url, timeout=30) as c:
        r = c.post(f"/v2/crash/blobs/uploads/?digest={sha256(committed)}", content=committed)
        assert r.status_code == 201
        loc = c.post("/v2/crash/blobs/uploads/").headers["Location"]
        r = c.patch(loc, content=chunk1, headers={"Content-Range": f"0-{len(chunk1) - 1}"})
        assert r.status_code == 202
    upload_path = httpx.URL(loc).path

    sent = threading.Event()
    release = threading.Event()

    def slow_body():
        yield rest[:MiB]
        sent.set()
        release.wait(10)  # the server dies while waiting for the rest
        yield rest[MiB:]

    def doomed_patch():
        try:
            httpx.patch(peer.url + upload_path, content=slow_body(), timeout=10,  # fixed length: raw read
                        headers={"Content-Length": str(len(rest))})
        except httpx.HTTPError:
            pass

    t = threading.Thread(target=doomed_patch)
    t.start()
    assert sent.wait(10)
    # until the server is taking in the chunk: it holds the session's lock (the filesystem driver's)
    session = peer.extra["root"] / "repositories" / "crash" / "_uploads" / upload_path.rsplit("/", 1)[1]
    _until(lambda: _locked(session / "lock"), "the server to take in the chunk")
    os.killpg(os.getpgid(peer.pid), signal.SIGKILL)
    peer.proc.wait(10)
    release.set()
    t.join(10)

    peer = server()  # same root, new process
    with httpx.Client(base_url=peer.url, timeout=30) as c:
        r = c.get(f"/v2/crash/blobs/{sha256(committed)}")
        assert r.status_code == 200 and r.content == committed
        r = c.get(upload_path)
        assert r.status_code == 204
        assert r.headers["Range"] == f"0-{len(chunk1) - 1}"  # the unacknowledged chunk is gone
        r = c.patch(upload_path, content=rest, headers={"Content-Range": f"{len(chunk1)}-{len(chunk1) + len(rest) - 1}"})
        assert r.status_code == 202
        whole = chunk1 + rest
        r = c.put(f"{upload_path}?digest={sha256(whole)}")
        assert r.status_code == 201, r.text
        assert c.get(f"/v2/crash/blobs/{sha256(whole)}").content == whole


def test_workers_share_one_root(server):
    peer = server(workers=2)

    def group() -> list[str]:
        return [p for p in os.listdir("/proc") if p.isdigit() and _pgid(int(p)) == os.getpgid(peer.pid)]

    _until(lambda: len(group()) >= 3, "the supervisor and two workers")
    blobs = [os.urandom(300_000 + i) for i in range(6)]
    for data in blobs:
        loc = httpx.post(peer.url + "/v2/multi/blobs/uploads/").headers["Location"]
        for i in range(0, len(data), 100_000):  # each request on a new connection: any worker
            part = data[i:i + 100_000]
            r = httpx.patch(loc, content=part, headers={"Content-Range": f"{i}-{i + len(part) - 1}",
                                                        "Connection": "close"})
            assert r.status_code == 202, r.text
        r = httpx.put(f"{loc}?digest={sha256(data)}", headers={"Connection": "close"})
        assert r.status_code == 201, r.text
    for data in blobs:
        assert httpx.get(f"{peer.url}/v2/multi/blobs/{sha256(data)}").content == data


def _until(condition, what: str, timeout: float = 10) -> None:
    """Poll ``condition`` until it holds (errors count as not yet), failing after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def _locked(path) -> bool:
    """Whether another process holds an ``flock`` on ``path``."""
    import fcntl

    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def _peak_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_streaming_both_ways_keeps_memory_flat(server):
    peer = server()
    size, block = 192 * MiB, os.urandom(MiB)
    h = hashlib.sha256()
    for _ in range(size // MiB):
        h.update(block)
    d = "sha256:" + h.hexdigest()

    def body():  # no Content-Length: chunked transfer encoding
        for _ in range(size // MiB):
            yield block

    r = httpx.post(f"{peer.url}/v2/big/blobs/uploads/?digest={d}", content=body(), timeout=120)
    assert r.status_code == 201, r.text
    got = hashlib.sha256()
    n = 0
    with httpx.stream("GET", f"{peer.url}/v2/big/blobs/{d}", timeout=120) as r:
        assert r.status_code == 200 and int(r.headers["Content-Length"]) == size
        for chunk in r.iter_bytes():
            got.update(chunk)
            n += len(chunk)
    assert n == size and "sha256:" + got.hexdigest() == d
    peak = _peak_rss_kib(peer.pid)
    print(f"peak RSS {peak} KiB for a {size // MiB} MiB blob pushed and pulled")
    assert peak < 120 * 1024, "server memory grew with the blob"


def test_serve_reports_a_missing_set(tmp_path):
    from specgen.cli import main

    assert main(["serve", "--set", "no_such_set", "--root", str(tmp_path)]) == 2


def _http(sock, data: bytes) -> None:
    sock.sendall(data)


def _read_response(f) -> tuple[int, dict, bytes]:
    status = int(f.readline().split()[1])
    headers = {}
    while True:
        line = f.readline().decode("latin-1").strip()
        if not line:
            break
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", "0"))) if status not in (100, 204) else b""
    return status, headers, body


def test_raw_body_path_expect_continue_keep_alive_and_pipelining(server):
    """Bodies of 1 MiB and more are read straight from the socket: the connection must stay
    usable (keep-alive, a pipelined request right behind the body) and 100-continue must work."""
    import socket

    peer = server()
    host, port = peer.url.removeprefix("http://").split(":")
    data = os.urandom(5 * MiB + 123)
    d = sha256(data)
    with socket.create_connection((host, int(port))) as sock, sock.makefile("rb") as f:
        _http(sock, (f"POST /v2/raw/blobs/uploads/?digest={d} HTTP/1.1\r\nHost: x\r\n"
                     f"Content-Length: {len(data)}\r\nExpect: 100-continue\r\n\r\n").encode())
        status, _, _ = _read_response(f)
        assert status == 100
        _http(sock, data)
        status, headers, _ = _read_response(f)
        assert status == 201 and headers["docker-content-digest"] == d
        # a second upload and a GET pipelined right behind its body, on the same connection
        other = os.urandom(2 * MiB)
        _http(sock, (f"POST /v2/raw/blobs/uploads/?digest={sha256(other)} HTTP/1.1\r\nHost: x\r\n"
                     f"Content-Length: {len(other)}\r\n\r\n").encode() + other
              + f"GET /v2/raw/blobs/{d} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        status, _, _ = _read_response(f)
        assert status == 201
        status, _, body = _read_response(f)
        assert status == 200 and body == data
    assert httpx.get(f"{peer.url}/v2/raw/blobs/{sha256(other)}").content == other


def test_client_leaving_in_the_middle_of_a_raw_body(server):
    import socket

    peer = server()
    host, port = peer.url.removeprefix("http://").split(":")
    loc = httpx.post(peer.url + "/v2/gone/blobs/uploads/").headers["Location"]
    path = httpx.URL(loc).path
    lock = peer.extra["root"] / "repositories" / "gone" / "_uploads" / path.rsplit("/", 1)[1] / "lock"
    with socket.create_connection((host, int(port))) as sock:
        _http(sock, (f"PATCH {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {8 * MiB}\r\n"
                     "Content-Range: 0-8388607\r\n\r\n").encode() + os.urandom(MiB))
        _until(lambda: _locked(lock), "the server to take in the body")
    _until(lambda: not _locked(lock), "the server to give the session up")
    r = httpx.get(loc)
    assert r.status_code == 204 and r.headers["Range"] == "0-0"  # nothing acknowledged
    r = httpx.patch(loc, content=b"abc", headers={"Content-Range": "0-2"})
    assert r.status_code == 202 and r.headers["Range"] == "0-2"
