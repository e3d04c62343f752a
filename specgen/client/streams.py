"""Blobs between files and the wire at the speed of the socket: hashed pushes and verified pulls.

Push (a file or a bytes-like object of known size): with the digest known, ``POST`` then one
``PUT ?digest=`` carrying the whole body (the registry checks it; the client hashes nothing).
Without it, ``POST``, one ``PATCH`` with the body while a thread hashes the same bytes (sha256
releases the GIL, so hashing overlaps with sending), then ``PUT ?digest=`` with no body. A body
larger than ``chunk_size`` goes in several PATCHes; a PATCH that breaks is resumed from the
registry's upload status, or the upload starts over (the source is a file: it can be read again).

Pull into a path: the body is received into a few reused buffers; a second thread hashes and
writes them to ``<path>.partial``; only a verified file is renamed to ``path``. A broken transfer
is continued with ``Range`` from what the partial file holds, in this call or a later one
(``resume=True``). Memory stays at a few buffers whatever the blob's size (``receive``).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import httpx

from specgen.client.connection import Connection
from specgen.client.errors import APIError, ClientError, DigestMismatch, raise_for
from specgen.client.receive import pipe
from specgen.client.runtime import Progress, TransportError
from specgen.client.sessions import UploadSessions
from specgen.client.wire import Body, FileSlice, Relay, Wire, WireResponse
from specgen.distribution.digest import algorithm_of, hasher

#: read buffer of the hashing thread of a push: 1 MiB stays in cache between pread and sha256
#: (hashing through an mmap of the whole file made the RSS grow with the file: 293 MiB peak for a
#: 256 MiB push in benchmarks/client.py)
HASH_STEP = 1 << 20
#: how many times one blob transfer is started over or continued after a broken connection
ATTEMPTS = 4
PARTIAL = ".partial"
_RANGE = re.compile(r"\s*(?:bytes=)?0-(\d+)\s*")


class Payload:
    """A blob body of known size: a region of a file, or a bytes-like object."""

    def __init__(self, file: IO[bytes] | None = None, offset: int = 0, size: int = 0, data: memoryview | None = None):
        self.file = file
        self.offset = offset
        self.size = size if data is None else len(data)
        self.data = data

    @classmethod
    def of(cls, source: object) -> Payload | None:
        """A payload for a real file (with ``fileno``, seekable) or bytes; ``None`` for other sources."""
        if isinstance(source, (bytes, bytearray, memoryview)):
            return cls(data=memoryview(source).cast("B"))
        fileno = getattr(source, "fileno", None)
        if fileno is None:
            return None
        try:
            fd = fileno()
            start = source.tell()  # type: ignore[attr-defined]
            size = os.fstat(fd).st_size - start
        except (OSError, ValueError, AttributeError):
            return None
        return cls(file=source, offset=start, size=size)  # type: ignore[arg-type]

    def body(self, start: int, end: int) -> Body:
        if self.data is not None:
            return self.data[start:end]
        assert self.file is not None
        return FileSlice(self.file, self.offset + start, end - start)

    def digest(self, algorithm: str) -> str:
        """Hash the whole payload."""
        h = hasher(algorithm)
        self.hash_into(h)
        return f"{algorithm}:{h.hexdigest()}"

    def hash_into(self, h: Any) -> None:
        """Feed the payload to ``h`` (a file is read with ``pread`` at its own offsets, so this
        may run beside a ``sendfile`` of the same file)."""
        if self.data is not None:
            for i in range(0, self.size, HASH_STEP):
                h.update(self.data[i : i + HASH_STEP])
            return
        assert self.file is not None
        fd = self.file.fileno()
        view = memoryview(bytearray(HASH_STEP))
        pos, end = self.offset, self.offset + self.size
        while pos < end:
            n = os.preadv(fd, [view[: min(HASH_STEP, end - pos)]], pos)
            if n <= 0:
                raise ClientError(f"the file ended {end - pos} bytes early while hashing it")
            h.update(view[:n])
            pos += n


class _Background:
    """Run one function in a thread; ``result()`` joins it and re-raises what it raised."""

    def __init__(self, fn: Callable[[], str]) -> None:
        self._value: str | None = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = fn()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                self._error = exc

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def _with_digest(location: str, digest: str) -> str:
    return str(httpx.URL(location).copy_merge_params({"digest": digest}))


class Streams:
    """Blob transfers of one registry client over its transport's ``Wire``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @property
    def wire(self) -> Wire | None:
        return self.conn.transport.wire

    def _check(self, resp: WireResponse, want: tuple[int, ...], what: str) -> None:
        if resp.status in want:
            return
        body = resp.read()
        raw = httpx.Response(resp.status, headers=resp.headers, content=body)
        raise_for(raw, self.conn.api.ERRORS)
        raise ClientError(f"{what}: HTTP {resp.status}")  # pragma: no cover - raise_for raises

    def _location(self, resp: WireResponse, fallback: str | None = None) -> str:
        loc = resp.header("location") or fallback
        if not loc:
            raise ClientError("the registry answered an upload request without a Location")
        return self.conn.transport.url(loc)

    # -- push ------------------------------------------------------------------------------------

    def push(
        self,
        name: str,
        payload: Payload,
        *,
        digest: str | None = None,
        algorithm: str = "sha256",
        progress: Progress | None = None,
        chunk_size: int | None = None,
        sessions: UploadSessions | None = None,
    ) -> str:
        """Upload ``payload`` as a blob of ``name``; returns its digest (see the module doc).

        With ``sessions`` and a known ``digest``, the upload is recorded there while it goes (in
        PATCHes, so the registry keeps what arrived) and a recorded one is continued.
        """
        wire = self.wire
        assert wire is not None
        hashing = None if digest is not None else _Background(lambda: payload.digest(algorithm))
        key = None
        if sessions is not None and digest is not None:
            key = UploadSessions.key(self.conn.transport.base_url, name, digest)
        error: Exception | None = None
        for _ in range(ATTEMPTS):
            try:
                if key is not None and sessions is not None:
                    done = self._continue(wire, name, payload, digest, progress, sessions, key)
                    if done is not None:
                        return done
                return self._push_once(wire, name, payload, digest, hashing, progress, chunk_size, sessions, key)
            except TransportError as exc:
                error = exc  # start over with a new upload session
        if hashing is not None:
            hashing.result()
        raise ClientError(f"upload to {name} failed {ATTEMPTS} times: {error}") from error

    def _continue(
        self,
        wire: Wire,
        name: str,
        payload: Payload,
        digest: str | None,
        progress: Progress | None,
        sessions: UploadSessions,
        key: str,
    ) -> str | None:
        """Finish the recorded upload of this blob, if the registry still has it; else ``None``."""
        location = sessions.get(key)
        if location is None or digest is None:
            return None
        status = wire.request("GET", location)
        status.read()
        have = range_end(status.header("range")) if status.status in (200, 204) else None
        if have is None or not 0 <= have <= payload.size:
            sessions.drop(key)
            return None
        location = self._location(status, location)
        if have < payload.size:
            location = self._patch(
                wire,
                location,
                payload,
                have,
                payload.size,
                lambda n: progress(have + n, payload.size) if progress is not None else None,
            )
        resp = wire.request("PUT", _with_digest(location, digest), body=b"")
        self._check(resp, (201,), f"completing the upload of {digest} to {name}")
        resp.read()
        sessions.drop(key)
        return digest

    def _push_once(
        self,
        wire: Wire,
        name: str,
        payload: Payload,
        digest: str | None,
        hashing: _Background | None,
        progress: Progress | None,
        chunk_size: int | None,
        sessions: UploadSessions | None = None,
        key: str | None = None,
    ) -> str:
        start = wire.request("POST", f"/v2/{name}/blobs/uploads/")
        self._check(start, (202,), f"starting an upload to {name}")
        start.read()
        location = self._location(start)
        size = payload.size
        sent_before = 0
        if sessions is not None and key is not None:
            sessions.put(key, location)

        def report(n: int) -> None:
            if progress is not None:
                progress(sent_before + n, size)

        if digest is not None and key is None and (chunk_size is None or size <= chunk_size):
            resp = wire.request(
                "PUT",
                _with_digest(location, digest),
                headers={"Content-Type": "application/octet-stream"},
                body=payload.body(0, size),
                progress=report,
            )
            self._check(resp, (201,), f"pushing {digest} to {name}")
            resp.read()
            return digest
        step = chunk_size or size or 1
        offset = 0
        while offset < size:
            end = min(offset + step, size)
            sent_before = offset
            location = self._patch(wire, location, payload, offset, end, report)
            if sessions is not None and key is not None:
                sessions.put(key, location)
            offset = end
        final = digest if digest is not None else hashing.result() if hashing else ""
        resp = wire.request("PUT", _with_digest(location, final), body=b"")
        self._check(resp, (201,), f"completing the upload of {final} to {name}")
        resp.read()
        if sessions is not None and key is not None:
            sessions.drop(key)
        return final

    def _patch(
        self, wire: Wire, location: str, payload: Payload, offset: int, end: int, report: Callable[[int], None]
    ) -> str:
        """PATCH bytes ``offset..end`` (exclusive); after a broken connection ask the registry how
        much it holds and send the rest. Returns the next upload location."""
        first = offset

        def moved(n: int) -> None:
            report(first - offset + n)

        broken: Exception | None = None
        for attempt in range(ATTEMPTS):
            try:
                resp = wire.request(
                    "PATCH",
                    location,
                    headers={
                        "Content-Type": "application/octet-stream",
                        "Content-Range": f"{first}-{end - 1}",
                    },
                    body=payload.body(first, end),
                    progress=moved,
                )
                self._check(resp, (202, 204), "uploading a chunk")
                resp.read()
                return self._location(resp, location)
            except TransportError as exc:
                broken = exc
            except APIError as exc:
                # right after a break the registry may still hold the upload for the request that
                # broke ("in use", a range it has not applied yet): wait and ask again
                if broken is None or exc.status not in (400, 409, 416):
                    raise
            transport = self.conn.transport
            transport._sleep(transport._delay(attempt))
            status = wire.request("GET", location)
            status.read()
            if status.status not in (204, 200):
                raise TransportError(f"upload status after a break: HTTP {status.status}") from broken
            location = self._location(status, location)
            have = range_end(status.header("range"))
            if have is None or not offset <= have <= end:
                raise TransportError(f"the registry holds {have} bytes, we sent from {offset}") from broken
            if have == end:
                return location
            first = have
        raise TransportError(f"upload chunk at {offset} failed {ATTEMPTS} times") from broken

    def relay(
        self, src: Streams, src_repo: str, repo: str, digest: str, size: int, progress: Progress | None = None
    ) -> None:
        """Stream blob ``digest`` from ``src`` (another registry) into ``repo`` here: its GET body
        is the body of our closing PUT, so it never lands on disk; this registry checks the
        digest. A broken relay starts over (new GET, new upload)."""
        wire, src_wire = self.wire, src.wire
        assert wire is not None and src_wire is not None
        error: Exception | None = None
        for _ in range(ATTEMPTS):
            try:
                start = wire.request("POST", f"/v2/{repo}/blobs/uploads/")
                self._check(start, (202,), f"starting an upload to {repo}")
                start.read()
                location = self._location(start)
                got = src_wire.get_following(f"/v2/{src_repo}/blobs/{digest}")
                src._check(got, (200,), f"pulling {src_repo}@{digest}")
                length = got.length if got.length is not None else size
                report = _reporter(progress, length)
                resp = wire.request(
                    "PUT",
                    _with_digest(location, digest),
                    headers={"Content-Type": "application/octet-stream"},
                    body=Relay(got, length),
                    progress=report,
                )
                got.close()
                self._check(resp, (201,), f"pushing {digest} to {repo}")
                resp.read()
                return
            except TransportError as exc:
                error = exc
        raise ClientError(f"relay of {digest} to {repo} failed {ATTEMPTS} times: {error}") from error

    # -- pull ------------------------------------------------------------------------------------

    def pull_to_path(
        self,
        name: str,
        digest: str,
        path: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        resume: bool = True,
        size: int | None = None,
    ) -> int:
        """Download a blob into ``path`` through ``<path>.partial``, verified before the rename;
        returns its size. ``DigestMismatch`` (and no file at ``path``) when the content is wrong."""
        target = Path(path)
        partial = target.with_name(target.name + PARTIAL)
        algorithm = algorithm_of(digest)
        if not resume:
            partial.unlink(missing_ok=True)
        error: Exception | None = None
        for _ in range(ATTEMPTS):
            try:
                total, h = self._get_into(name, digest, partial, progress, size)
            except TransportError as exc:
                error = exc
                continue
            got = f"{algorithm}:{h.hexdigest()}"
            if got != digest:
                partial.unlink(missing_ok=True)
                raise DigestMismatch(f"blob {name}@{digest}: the registry sent content of {got}")
            os.replace(partial, target)
            return total
        raise ClientError(f"download of {name}@{digest} failed {ATTEMPTS} times: {error}") from error

    def pull_into(self, name: str, digest: str, dest: IO[bytes], *, progress: Progress | None = None) -> int:
        """Write a blob into an open file; ``DigestMismatch`` after the last byte when the content
        is wrong (what was written stays: use ``pull_to_path`` to never keep unverified bytes)."""
        wire = self.wire
        assert wire is not None
        resp = wire.get_following(f"/v2/{name}/blobs/{digest}")
        self._check(resp, (200,), f"pulling {name}@{digest}")
        h = hasher(algorithm_of(digest))
        total = resp.length

        def report(n: int) -> None:
            if progress is not None:
                progress(n, total)

        count = pipe(resp, dest, h, report)
        got = f"{algorithm_of(digest)}:{h.hexdigest()}"
        if got != digest:
            raise DigestMismatch(f"blob {name}@{digest}: the registry sent content of {got}")
        return count

    def _get_into(
        self, name: str, digest: str, partial: Path, progress: Progress | None, size: int | None
    ) -> tuple[int, Any]:
        """Continue (or start) ``partial`` from what it holds; returns its size and its hash."""
        wire = self.wire
        assert wire is not None
        have = partial.stat().st_size if partial.exists() else 0
        path = f"/v2/{name}/blobs/{digest}"
        resp = wire.get_following(path, headers={"Range": f"bytes={have}-"} if have else None)
        if have and resp.status == 416:  # the partial file is no prefix of this blob: start over
            resp.read()
            have = 0
            resp = wire.get_following(path)
        self._check(resp, (200, 206), f"pulling {name}@{digest}")
        if resp.status == 200:
            have = 0  # the whole blob (Range ignored, or none asked)
        h = hasher(algorithm_of(digest))
        if have:
            with open(partial, "rb") as f:
                Payload(file=f, offset=0, size=have).hash_into(h)
        total = (have + resp.length) if resp.length is not None else size

        def report(n: int) -> None:
            if progress is not None:
                progress(have + n, total)

        with open(partial, "ab" if have else "wb") as out:
            done = have + pipe(resp, out, h, report)
        return done, h


def _reporter(progress: Progress | None, total: int | None) -> Callable[[int], None] | None:
    return None if progress is None else (lambda n: progress(n, total))


def range_end(value: str | None) -> int | None:
    """How many bytes a ``Range: 0-<last>`` upload status says the registry holds."""
    if not value:
        return 0
    m = _RANGE.fullmatch(value)
    if not m:
        return None
    last = int(m.group(1))
    return last + 1 if last > 0 else 0
