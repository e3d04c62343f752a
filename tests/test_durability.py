"""Acknowledged means durable, proved in the spirit of ALICE (Pillai et al., "All File Systems Are
Not Created Equal", OSDI '14): the registry app runs in-process with the filesystem driver's one
seam for file-system calls (``fsops.ops``) replaced by a recorder, so each request's sequence of
open/write/truncate/fsync/rename/mkdir/unlink calls is logged, with a marker at the moment the app
sends a 2xx.

From the log, a model of the file system computes what a crash at any point would leave: a name
exists only once the directory holding it was fsynced after it was made (and its parents' names
likewise), a file holds only the data it had at its last fsync (else nothing). Then:

1. at each acknowledgement, every byte and name it depends on is in that crash state;
2. at every point of the log (every prefix respecting the fsync barriers, in the pessimistic state
   and in the state a process crash leaves, where nothing is lost), the state materialised into a
   scratch root is one ``specgen fsck`` finds free of errors, that ``fsck --repair`` makes clean,
   and in which everything acknowledged before the crash is still there after the repair.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from specgen.registry import fsck
from specgen.registry.storage.filesystem import fsops

# -- the recorder -----------------------------------------------------------------------------------


class Recorder(fsops.FileOps):
    """Every call through the seam, as (op, path relative to the root, ...) tuples, in order."""

    def __init__(self, root: Path):
        self.root = root
        self.log: list[tuple] = []
        self.fds: dict[int, str] = {}
        self.lock = threading.Lock()

    def rel(self, path) -> str:
        return Path(path).relative_to(self.root).as_posix()

    def add(self, *entry) -> None:
        with self.lock:
            self.log.append(entry)

    def open(self, path, flags, mode=0o644):
        existed = os.path.lexists(path)
        fd = super().open(path, flags, mode)
        self.fds[fd] = self.rel(path)
        if flags & os.O_CREAT and not existed:
            self.add("creat", self.rel(path))
        if flags & os.O_TRUNC:
            self.add("ftruncate", self.rel(path), 0)
        return fd

    def open_direct(self, fd):
        dfd = super().open_direct(fd)
        if dfd is not None:
            self.fds[dfd] = self.fds[fd]  # the same file: its writes are the file's
        return dfd

    def pwrite(self, fd, data, offset):
        n = super().pwrite(fd, data, offset)
        self.add("pwrite", self.fds[fd], offset, bytes(memoryview(data)[:n]))
        return n

    def ftruncate(self, fd, size):
        super().ftruncate(fd, size)
        self.add("ftruncate", self.fds[fd], size)

    def fsync(self, fd):
        super().fsync(fd)
        self.add("fsync", self.fds[fd])

    def close(self, fd):
        super().close(fd)
        self.fds.pop(fd, None)

    def rename(self, src, dst):
        super().rename(src, dst)
        self.add("rename", self.rel(src), self.rel(dst))

    def mkdir(self, path):
        super().mkdir(path)
        self.add("mkdir", self.rel(path))

    def unlink(self, path):
        super().unlink(path)
        self.add("unlink", self.rel(path))

    def rmtree(self, path):
        super().rmtree(path)
        self.add("rmtree", self.rel(path))

    def fsync_dir(self, path):
        super().fsync_dir(path)
        self.add("fsync_dir", self.rel(path) if Path(path) != self.root else ".")


# -- the file-system model ------------------------------------------------------------------------


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else "."


@dataclass
class Model:
    """Names (path → "dir" or an inode) and file contents, as the process sees them (volatile)
    and as a crash of the machine would leave them (durable)."""

    names: dict[str, object] = field(default_factory=lambda: {".": "dir"})
    data: dict[int, bytearray] = field(default_factory=dict)
    durable_names: dict[str, object] = field(default_factory=lambda: {".": "dir"})
    durable_data: dict[int, bytes] = field(default_factory=dict)
    next_ino: int = 0

    def apply(self, entry: tuple) -> None:
        op = entry[0]
        if op == "mkdir":
            self.names[entry[1]] = "dir"
        elif op == "creat":
            self.next_ino += 1
            self.names[entry[1]] = self.next_ino
            self.data[self.next_ino] = bytearray()
        elif op == "pwrite":
            _, path, offset, chunk = entry
            buf = self.data[self._ino(path)]
            if len(buf) < offset:
                buf.extend(b"\0" * (offset - len(buf)))
            buf[offset : offset + len(chunk)] = chunk
        elif op == "ftruncate":
            buf = self.data[self._ino(entry[1])]
            del buf[entry[2] :]
            buf.extend(b"\0" * (entry[2] - len(buf)))
        elif op == "fsync":
            ino = self._ino(entry[1])
            self.durable_data[ino] = bytes(self.data[ino])
        elif op == "rename":
            _, src, dst = entry
            self.names[dst] = self.names.pop(src)
        elif op == "unlink":
            self.names.pop(entry[1], None)
        elif op == "rmtree":
            gone = entry[1]
            for name in [n for n in self.names if n == gone or n.startswith(gone + "/")]:
                del self.names[name]
        elif op == "fsync_dir":
            d = entry[1]
            for name in [n for n in self.durable_names if _parent(n) == d and n != "."]:
                if name not in self.names:
                    self._drop_durable(name)
            for name, what in self.names.items():
                if name != "." and _parent(name) == d:
                    self.durable_names[name] = what
        elif op in ("ack", "begin"):
            pass
        else:  # pragma: no cover - a new call in the seam the model must learn
            raise AssertionError(f"unknown op {op}")

    def _ino(self, path: str) -> int:
        ino = self.names[path]
        assert isinstance(ino, int), path
        return ino

    def _drop_durable(self, name: str) -> None:
        for n in [n for n in self.durable_names if n == name or n.startswith(name + "/")]:
            del self.durable_names[n]

    def view(self, durable: bool) -> dict[str, bytes | None]:
        """path → file content (None for a folder) of the state a crash leaves: ``durable`` the
        machine's (only names whose every folder was fsynced; data as of its last fsync), else
        the process's (everything the calls did)."""
        names = self.durable_names if durable else self.names
        out: dict[str, bytes | None] = {}
        for name in sorted(names, key=lambda n: n.count("/")):
            if name == ".":
                continue
            if _parent(name) != "." and out.get(_parent(name), b"") is not None:
                continue  # its folder is not there (or is a file)
            what = names[name]
            if what == "dir":
                out[name] = None
            else:
                assert isinstance(what, int)
                out[name] = self.durable_data.get(what, b"") if durable else bytes(self.data[what])
        return out


def materialise(view: dict[str, bytes | None], root: Path) -> None:
    for name in sorted(view, key=lambda n: n.count("/")):
        content = view[name]
        if content is None:
            (root / name).mkdir()
        else:
            (root / name).write_bytes(content)


# -- requests through the app ---------------------------------------------------------------------


async def call(app, recorder: Recorder, method: str, path: str, body: bytes = b"", headers=(), label: str = ""):
    """One request to the ASGI app; a 2xx marks an acknowledgement in the log at the moment the
    response starts, and the status is returned with the headers."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "headers": [(b"host", b"registry.test")] + [(k.lower().encode(), v.encode()) for k, v in headers]
        + ([(b"content-length", str(len(body)).encode())] if body else []),
        "scheme": "http", "server": ("127.0.0.1", 5000), "client": ("127.0.0.1", 1), "http_version": "1.1",
    }
    sent = False
    answer: dict = {}
    if label:
        recorder.add("begin", label)

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
            if 200 <= message["status"] < 300 and label:
                recorder.add("ack", label)

    await app(scope, receive, send)
    return answer["status"], answer["headers"]


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_path(digest: str) -> str:
    hexd = digest.split(":")[1]
    return f"blobs/sha256/{hexd[:2]}/{hexd}/data"


@dataclass
class Acked:
    """What one acknowledgement promises: paths that must exist with the given content (None:
    any content; a callable: a predicate on the content)."""

    label: str
    files: dict[str, object]
    #: the request whose start ends this promise (closing a session consumes it; a tag moves)
    until: str | None = None

    def missing(self, view: dict[str, bytes | None]) -> list[str]:
        out = []
        for path, want in self.files.items():
            have = view.get(path)
            if have is None:
                out.append(f"{path} absent")
            elif callable(want):
                if not want(have):
                    out.append(f"{path} content {have[:60]!r}")
            elif want is not None and have != want:
                out.append(f"{path} content {have[:60]!r} != {want[:60]!r}")
        return out


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """Run a push scenario through the app with the recorder in place; (log, acks, root)."""
    from specgen.registry.app import create_app

    root = tmp_path_factory.mktemp("alice") / "root"
    root.mkdir()
    recorder = Recorder(root)
    saved = fsops.ops
    fsops.ops = recorder
    acks: list[Acked] = []
    try:
        app = create_app("oci_v1_1", str(root))

        async def scenario() -> None:
            repo = "alice/app"
            # a chunked upload: POST, PATCH (acknowledges the chunk), PUT ?digest= with the rest
            layer = os.urandom(300_000)
            status, h = await call(app, recorder, "POST", f"/v2/{repo}/blobs/uploads/")
            assert status == 202
            location = h["location"].removeprefix("http://registry.test")
            upload_id = h["docker-upload-uuid"]
            session = f"repositories/{repo}/_uploads/{upload_id}"
            status, h = await call(app, recorder, "PATCH", location, layer[:100_000],
                                   [("Content-Type", "application/octet-stream")], label="patch")
            assert status == 202
            acks.append(Acked("patch", {
                f"{session}/state.json": lambda b: json.loads(b)["offset"] == 100_000,
                f"{session}/data": lambda b: b[:100_000] == layer[:100_000],
            }, until="layer"))
            d_layer = digest_of(layer)
            sep = "&" if "?" in location else "?"
            status, h = await call(app, recorder, "PUT", f"{location}{sep}digest={d_layer}", layer[100_000:],
                                   [("Content-Type", "application/octet-stream")], label="layer")
            assert status == 201
            acks.append(Acked("layer", {
                blob_path(d_layer): layer,
                f"repositories/{repo}/_layers/sha256/{d_layer[7:]}/link": d_layer.encode(),
            }))
            # a monolithic upload (POST ?digest=)
            config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}).encode()
            d_config = digest_of(config)
            status, h = await call(app, recorder, "POST", f"/v2/{repo}/blobs/uploads/?digest={d_config}", config,
                                   [("Content-Type", "application/octet-stream")], label="config")
            assert status == 201
            acks.append(Acked("config", {
                blob_path(d_config): config,
                f"repositories/{repo}/_layers/sha256/{d_config[7:]}/link": d_config.encode(),
            }))
            # a manifest by tag
            manifest = json.dumps({
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": d_config,
                           "size": len(config)},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d_layer,
                            "size": len(layer)}],
            }).encode()
            d_manifest = digest_of(manifest)
            status, h = await call(app, recorder, "PUT", f"/v2/{repo}/manifests/v1", manifest,
                                   [("Content-Type", "application/vnd.oci.image.manifest.v1+json")], label="manifest")
            assert status == 201, status
            acks.append(Acked("manifest", {
                blob_path(d_manifest): manifest,
                f"repositories/{repo}/_manifests/revisions/sha256/{d_manifest[7:]}/link": None,
            }))
            acks.append(Acked("manifest", {
                f"repositories/{repo}/_manifests/tags/v1/current/link": d_manifest.encode(),
            }, until="retag"))
            # an index over it, by tag
            index = json.dumps({
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d_manifest,
                               "size": len(manifest)}],
            }).encode()
            d_index = digest_of(index)
            status, h = await call(app, recorder, "PUT", f"/v2/{repo}/manifests/multi", index,
                                   [("Content-Type", "application/vnd.oci.image.index.v1+json")], label="index")
            assert status == 201, status
            acks.append(Acked("index", {
                blob_path(d_index): index,
                f"repositories/{repo}/_manifests/tags/multi/current/link": d_index.encode(),
            }))
            # a mount into another repository
            status, h = await call(app, recorder, "POST", f"/v2/alice/other/blobs/uploads/?mount={d_layer}&from={repo}",
                                   label="mount")
            assert status == 201, status
            acks.append(Acked("mount", {f"repositories/alice/other/_layers/sha256/{d_layer[7:]}/link": d_layer.encode()}))
            # a tag moved to the index
            status, h = await call(app, recorder, "PUT", f"/v2/{repo}/manifests/v1", index,
                                   [("Content-Type", "application/vnd.oci.image.index.v1+json")], label="retag")
            assert status == 201
            acks.append(Acked("retag", {f"repositories/{repo}/_manifests/tags/v1/current/link": d_index.encode()}))

        asyncio.run(scenario())
    finally:
        fsops.ops = saved
    return recorder.log, acks, root


def _ack_positions(log: list[tuple]) -> dict[str, int]:
    return {entry[1]: i for i, entry in enumerate(log) if entry[0] == "ack"}


def test_the_recorder_saw_the_calls(recorded):
    log, acks, _ = recorded
    ops = {entry[0] for entry in log}
    assert {"mkdir", "creat", "pwrite", "fsync", "rename", "fsync_dir", "ack", "begin"} <= ops
    assert set(_ack_positions(log)) == {a.label for a in acks}
    assert all(a.until is None or a.until in _ack_positions(log) for a in acks)


def test_every_acknowledgement_is_durable_when_sent(recorded):
    log, acks, _ = recorded
    positions = _ack_positions(log)
    model = Model()
    checked = 0
    for i, entry in enumerate(log):
        model.apply(entry)
        for ack in (a for a in acks if positions[a.label] == i):
            missing = ack.missing(model.view(durable=True))
            assert not missing, f"{ack.label} acknowledged before durable: {missing}"
            checked += 1
    assert checked == len(acks)


def test_the_model_would_catch_a_missing_directory_fsync(recorded):
    """The check above can fail: drop the fsyncs of the folders holding the tag link and the
    manifest's revision is no longer durable at its acknowledgement."""
    log, acks, _ = recorded
    manifest_ack = next(a for a in acks if a.label == "manifest")
    at = _ack_positions(log)["manifest"]
    model = Model()
    for entry in log[: at + 1]:
        if entry[0] == "fsync_dir" and "/_manifests/" in entry[1]:
            continue
        model.apply(entry)
    assert manifest_ack.missing(model.view(durable=True))


@pytest.mark.slow
def test_every_crash_point_is_consistent_and_repairable(recorded, tmp_path):
    log, acks, _ = recorded
    positions = _ack_positions(log)
    begun = {entry[1]: i for i, entry in enumerate(log) if entry[0] == "begin"}
    model = Model()
    states = []
    for i, entry in enumerate(log):
        model.apply(entry)
        if entry[0] in ("fsync", "fsync_dir", "ack", "rename", "unlink", "rmtree") or i == len(log) - 1:
            acked = [a for a in acks if positions[a.label] <= i]
            states.append((i, True, model.view(durable=True), acked))
            states.append((i, False, model.view(durable=False), acked))
    assert len(states) > 20
    for n, (i, durable, view, acked) in enumerate(states):
        root = tmp_path / f"crash{n}"
        root.mkdir()
        materialise(view, root)
        what = f"crash after call {i} ({log[i][0]} {log[i][1]}), {'machine' if durable else 'process'}"
        if not (root / "blobs").is_dir():
            assert not acked, what
            continue
        report = fsck.check(root)
        assert not report.errors(), f"{what}: {[str(f) for f in report.errors()]}"
        repaired = fsck.repair(root)
        assert repaired.clean, f"{what}: {[str(f) for f in repaired.unrepaired()]}"
        after = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
        for ack in acked:
            if ack.until is not None and begun[ack.until] <= i:
                continue  # superseded by a later request
            missing = ack.missing(after)
            assert not missing, f"{what}: acknowledged {ack.label} lost: {missing}"
