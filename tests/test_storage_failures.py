"""A failing disk and a failing handler, answered as the API says: the registry runs in this
process on uvicorn with our protocol (a thread, loopback), its filesystem driver's file-system
seam (``fsops.ops``) replaced by one that runs out of space after a budget of bytes, as a full
disk would (ENOSPC from ``pwrite``). Each case checks the client gets an answer (never a reset),
the errors envelope with a declared code and nothing of the server's paths, and what is left in
the root: no orphan session from ``POST ?digest=``, a chunk's session resumable, the space back.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import select
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from specgen.registry.app import create_app
from specgen.registry.storage.filesystem import fsops
from specgen.server.uvicorn_zerocopy import ZeroCopyHttpToolsProtocol


class SmallDisk(fsops.FileOps):
    """A disk with ``free`` bytes left for data (None: plenty); ``fail`` makes every write raise
    that exception instead (a bug, not the disk)."""

    def __init__(self) -> None:
        self.free: int | None = None
        self.fail: Exception | None = None
        self.lock = threading.Lock()

    def pwrite(self, fd, data, offset):
        if self.fail is not None:
            raise self.fail
        with self.lock:
            if self.free is not None:
                if self.free <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                data = memoryview(data)[: self.free]
                self.free -= len(data)
        return super().pwrite(fd, data, offset)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """(base URL, root, disk) of an in-process registry whose writes go through ``SmallDisk``."""
    root = tmp_path_factory.mktemp("small-disk") / "root"
    disk = SmallDisk()
    saved = fsops.ops
    fsops.ops = disk
    app = create_app("oci_v1_1", str(root))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, http=ZeroCopyHttpToolsProtocol, loop="asyncio", lifespan="off",
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}", root, disk
    finally:
        server.should_exit = True
        thread.join(10)
        fsops.ops = saved
        disk.free = None


def exchange(address: str, head: str, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send a request, its body in pieces while watching for an early answer; the response. A
    reset before a complete response fails the test (that was the bug)."""
    host, port = address.split(":")
    s = socket.create_connection((host, int(port)), timeout=20)
    try:
        s.sendall(head.encode())
        view = memoryview(body)
        while view:
            if select.select([s], [], [], 0)[0]:
                break  # answered before the body was all sent
            try:
                n = s.send(view[: 1 << 16])
            except (BrokenPipeError, ConnectionResetError):
                break
            view = view[n:]
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            assert chunk, f"connection closed without an answer: {data!r}"
            data += chunk
        raw_head, _, rest = data.partition(b"\r\n\r\n")
        lines = raw_head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = s.recv(65536)
            assert chunk, "connection closed in the middle of the answer"
            rest += chunk
        return int(lines[0].split()[1]), headers, rest[:length]
    finally:
        s.close()


def request(address: str, method: str, path: str, body: bytes = b"", **headers: str):
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    head = f"{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    return exchange(address, head, body)


def assert_unavailable(status: int, body: bytes, root: Path, answer: tuple | None = None) -> None:
    """A 503 UNAVAILABLE that leaks nothing; with ``answer`` (method, path, response headers), also
    one the default set (oci_v1_1) declares for that request."""
    assert status == 503
    if answer is not None:
        from specgen.checker.validate import Exchange, validate
        from specgen.descriptors import load_set

        method, path, headers = answer
        ex = Exchange(method, f"http://registry.test{path}", {}, status, headers, body, None)
        assert [f.message for f in validate(ex, load_set("oci_v1_1")) if f.severity == "error"] == []
    doc = json.loads(body)
    assert [e["code"] for e in doc["errors"]] == ["UNAVAILABLE"]
    text = body.decode()
    assert str(root) not in text and "/tmp" not in text and "Traceback" not in text


def sessions(root: Path) -> list[Path]:
    return [p for p in root.glob("repositories/**/_uploads/*") if p.is_dir()]


def stored_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("size", [200_000, 6 << 20], ids=["streamed", "raw"])
def test_monolithic_push_on_a_full_disk(registry, size):
    address, root, disk = registry
    data = os.urandom(size)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    before = stored_bytes(root)
    disk.free = 64 * 1024
    try:
        path = f"/v2/full/mono{size}/blobs/uploads/?digest={digest}"
        status, headers, body = request(address, "POST", path, data, Content_Type="application/octet-stream")
    finally:
        disk.free = None
    assert_unavailable(status, body, root, ("POST", path, headers))
    assert not sessions(root / "repositories" / "full"), "POST ?digest= left a session nobody can address"
    assert stored_bytes(root) <= before + 4096, "the space of the failed upload was not given back"
    status, _, _ = request(address, "POST", f"/v2/full/mono{size}/blobs/uploads/?digest={digest}", data,
                           Content_Type="application/octet-stream")
    assert status == 201, "the next push failed after the disk had room again"


@pytest.mark.parametrize("size", [200_000, 6 << 20], ids=["streamed", "raw"])
def test_chunk_on_a_full_disk_leaves_the_session_resumable(registry, size):
    address, root, disk = registry
    status, headers, _ = request(address, "POST", f"/v2/full/chunk{size}/blobs/uploads/")
    assert status == 202
    location = headers["location"].split(address, 1)[-1]
    first = os.urandom(1000)
    status, headers, _ = request(address, "PATCH", location, first, Content_Type="application/octet-stream")
    assert status == 202
    data = os.urandom(size)
    disk.free = 32 * 1024
    try:
        status, _, body = request(address, "PATCH", location, data, Content_Type="application/octet-stream")
    finally:
        disk.free = None
    assert_unavailable(status, body, root)
    status, headers, _ = request(address, "GET", location)
    assert status == 204 and headers["range"] == "0-999", "the session lost its acknowledged chunk"
    session = next(p for p in sessions(root) if p.name in location)
    assert (session / "data").stat().st_size == 1000, "the failed chunk's bytes were kept"
    status, headers, _ = request(address, "PATCH", location, data, Content_Type="application/octet-stream")
    assert status == 202 and headers["range"] == f"0-{1000 + size - 1}"
    digest = "sha256:" + hashlib.sha256(first + data).hexdigest()
    status, _, _ = request(address, "PUT", f"{location}{'&' if '?' in location else '?'}digest={digest}")
    assert status == 201


def test_manifest_on_a_full_disk(registry):
    address, root, disk = registry
    config = b"{}"
    d = "sha256:" + hashlib.sha256(config).hexdigest()
    assert request(address, "POST", f"/v2/full/man/blobs/uploads/?digest={d}", config)[0] == 201
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": d, "size": 2},
        "layers": [],
    }).encode()
    disk.free = 0
    try:
        status, headers, body = request(address, "PUT", "/v2/full/man/manifests/v1", manifest,
                                        Content_Type="application/vnd.oci.image.manifest.v1+json")
    finally:
        disk.free = None
    assert_unavailable(status, body, root, ("PUT", "/v2/full/man/manifests/v1", headers))
    assert request(address, "GET", "/v2/full/man/manifests/v1",
                   Accept="application/vnd.oci.image.manifest.v1+json")[0] == 404
    assert request(address, "PUT", "/v2/full/man/manifests/v1", manifest,
                   Content_Type="application/vnd.oci.image.manifest.v1+json")[0] == 201


def test_unexpected_failure_is_an_envelope_and_one_log_line(registry, caplog):
    address, root, disk = registry
    disk.fail = RuntimeError(f"bug while writing under {root}")
    try:
        with caplog.at_level(logging.DEBUG, logger="specgen"):
            status, headers, body = request(address, "POST", "/v2/full/bug/blobs/uploads/?digest=sha256:" + "a" * 64,
                                            b"x" * 100, Content_Type="application/octet-stream")
    finally:
        disk.fail = None
    assert status == 500
    assert [e["code"] for e in json.loads(body)["errors"]] == ["UNKNOWN"]
    assert str(root) not in body.decode()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("specgen")]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    rid = re.search(r"request ([0-9a-f]{32})", errors[0].getMessage())
    assert rid is not None
    assert errors[0].exc_info is None and "\n" not in errors[0].getMessage(), "one line; the traceback at debug"
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info]
    assert len(debug) == 1 and rid.group(1) in debug[0].getMessage()
