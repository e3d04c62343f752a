"""The socket path of the client (``specgen.client.wire`` / ``streams``) when connections break: a
TCP proxy in front of ``specgen serve`` cuts one connection after a number of bytes, and the push
continues from the registry's upload status, the pull from its partial file."""

from __future__ import annotations

import hashlib
import os
import socket
import threading

import pytest

from specgen.client import RegistryClient
from specgen.client.wire import Wire


class CuttingProxy:
    """Forwards 127.0.0.1:port to ``target``; the first connection whose bytes in direction
    ``direction`` ("up": client to server, "down": server to client) pass ``cut_after`` is closed."""

    def __init__(self, target: str, direction: str, cut_after: int) -> None:
        host, port = target.removeprefix("http://").split(":")
        self.target = (host, int(port))
        self.direction = direction
        self.cut_after = cut_after
        self.cuts = 0
        self.connections = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(self.target)
            armed = self.cuts == 0
            for src, dst, way in ((client, upstream, "up"), (upstream, client, "down")):
                threading.Thread(target=self._pump, args=(src, dst, armed and way == self.direction, client, upstream),
                                 daemon=True).start()

    def _pump(self, src, dst, cut: bool, *both) -> None:
        moved = 0
        try:
            while True:
                data = src.recv(1 << 16)
                if not data:
                    break
                if cut and self.cuts == 0 and moved + len(data) > self.cut_after:
                    dst.sendall(data[: self.cut_after - moved])
                    self.cuts += 1
                    break
                dst.sendall(data)
                moved += len(data)
        except OSError:
            pass
        for s in both:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def registry(specgen_server_shared) -> str:
    return specgen_server_shared()


@pytest.fixture
def proxy_factory(registry):
    made: list[CuttingProxy] = []

    def make(direction: str, cut_after: int) -> CuttingProxy:
        proxy = CuttingProxy(registry, direction, cut_after)
        made.append(proxy)
        return proxy

    yield make
    for p in made:
        p.close()


def test_push_continues_after_the_connection_breaks_mid_patch(proxy_factory, registry, tmp_path):
    data = os.urandom(24 << 20)
    (tmp_path / "blob").write_bytes(data)
    proxy = proxy_factory("up", 10 << 20)  # cut inside the PATCH body
    with RegistryClient(proxy.url) as reg:
        digest = reg.push_blob("wire/push", tmp_path / "blob")
    assert proxy.cuts == 1 and proxy.connections >= 2
    assert digest == "sha256:" + hashlib.sha256(data).hexdigest()
    with RegistryClient(registry) as reg:
        reg.pull_blob_to("wire/push", digest, tmp_path / "back")
    assert (tmp_path / "back").read_bytes() == data


def test_pull_continues_from_the_partial_file_after_a_break(proxy_factory, registry, tmp_path):
    data = os.urandom(16 << 20)
    with RegistryClient(registry) as reg:
        digest = reg.push_blob("wire/pull", data)
    proxy = proxy_factory("down", 6 << 20)  # cut inside the GET body
    seen: list[int] = []
    with RegistryClient(proxy.url) as reg:
        assert reg.pull_blob_to("wire/pull", digest, tmp_path / "blob", progress=lambda d, t: seen.append(d)) == len(data)
    assert proxy.cuts == 1
    assert (tmp_path / "blob").read_bytes() == data and not (tmp_path / "blob.partial").exists()
    assert proxy.connections >= 2 and seen[-1] == len(data)
    assert seen == sorted(seen)  # the second request went on from the bytes kept, never from 0


def test_a_stale_keep_alive_connection_is_replaced(registry):
    with RegistryClient(registry) as reg:
        wire: Wire = reg.transport.wire
        assert wire is not None
        reg.push_blob("wire/stale", os.urandom(9 << 20))
        idle = [c for cs in wire._idle.values() for c in cs]
        assert idle  # a connection went back to the pool
        for c in idle:
            c.sock.shutdown(socket.SHUT_RDWR)  # as a server closing an idle connection would
        digest = reg.push_blob("wire/stale", os.urandom(9 << 20))
        assert reg.blob_exists("wire/stale", digest) == 9 << 20


def test_mock_transports_keep_the_httpx_path():
    import httpx

    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return httpx.Response(404)

    from specgen.client.runtime import Transport

    t = Transport("http://registry.test", http=httpx.Client(transport=httpx.MockTransport(handler)))
    assert t.wire is None
    with RegistryClient("http://registry.test") as reg:
        assert reg.transport.wire is not None
        reg.transport.http = httpx.Client(transport=httpx.MockTransport(handler))
        assert reg.transport.wire is None


@pytest.fixture(params=["specgen", "docker-registry"])
def either_registry(request, registry) -> str:
    return registry if request.param == "specgen" else request.getfixturevalue("docker_registry")


def test_a_recorded_upload_is_continued_by_a_later_client(either_registry, tmp_path):
    """An upload a first process opened and fed 10 MiB of, then died, is finished by the next."""
    registry = either_registry
    from specgen.client.sessions import UploadSessions
    from specgen.client.wire import FileSlice

    data = os.urandom(24 << 20)
    (tmp_path / "blob").write_bytes(data)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    sessions = UploadSessions(tmp_path / "sessions.json")
    with RegistryClient(registry) as first, open(tmp_path / "blob", "rb") as f:
        wire = first.transport.wire
        start = wire.request("POST", "/v2/wire/sessions/blobs/uploads/")
        start.read()
        patch = wire.request("PATCH", start.header("location"), headers={"Content-Range": f"0-{(10 << 20) - 1}"},
                             body=FileSlice(f, 0, 10 << 20))
        patch.read()
        assert patch.status == 202
        sessions.put(UploadSessions.key(registry, "wire/sessions", digest), patch.header("location"))
    seen: list[int] = []
    with RegistryClient(registry, upload_sessions=tmp_path / "sessions.json") as later:
        assert later.push_blob("wire/sessions", tmp_path / "blob", digest=digest,
                               progress=lambda d, t: seen.append(d)) == digest
        assert seen[0] > 10 << 20 and seen[-1] == len(data)  # only the rest was sent
        assert later.blob_exists("wire/sessions", digest) == len(data)
    assert sessions._load() == {}


def test_a_stale_recorded_upload_is_dropped(registry, tmp_path):
    from specgen.client.sessions import UploadSessions

    data = os.urandom(9 << 20)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    sessions = UploadSessions(tmp_path / "sessions.json")
    sessions.put(UploadSessions.key(registry, "wire/stale-session", digest),
                 f"{registry}/v2/wire/stale-session/blobs/uploads/no-such-upload")
    with RegistryClient(registry, upload_sessions=sessions) as reg:
        assert reg.push_blob("wire/stale-session", data, digest=digest) == digest
        assert reg.blob_exists("wire/stale-session", digest) == len(data)
    assert sessions._load() == {}
