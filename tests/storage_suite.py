"""The storage driver test suite: what every driver (``specgen.registry.storage.StorageDriver``)
must do, as distribution's ``storage/driver/testsuites``.

A driver's test module defines two fixtures and star-imports this module:

- ``driver``: a driver on empty storage;
- ``reopen``: a callable giving another, fresh driver instance on the same storage (as another
  worker process or node would have).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import pytest

from specgen.registry.storage import (
    BlobUnknown,
    DigestMismatch,
    InvalidName,
    RangeMismatch,
    StorageDriver,
    UploadBusy,
    UploadUnknown,
)
from specgen.server.runtime import FileBody

T = TypeVar("T")
MiB = 1 << 20


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro
    return asyncio.run(main())


def digest(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


class Body:
    """A request body as the runtime gives one: chunks from ``stream()``, no raw reader."""

    def __init__(self, *chunks: bytes, gate: asyncio.Event | None = None):
        self.chunks, self.gate = chunks, gate
        self.started = asyncio.Event() if gate is not None else None

    async def _chunks(self) -> AsyncIterator[bytes]:
        for i, chunk in enumerate(self.chunks):
            if i == 1 and self.gate is not None and self.started is not None:
                self.started.set()
                await self.gate.wait()  # hold the session after the first chunk
            yield chunk

    def stream(self) -> AsyncIterator[bytes]:
        return self._chunks()

    def raw_body(self) -> Any:
        return None


class RawBody(Body):
    """A body offered raw (read from the socket by a thread), as ``uvicorn_zerocopy`` offers one."""

    def __init__(self, data: bytes):
        super().__init__()
        self.data, self.at, self.prepared, self.finished = memoryview(data), 0, False, False

    def raw_body(self) -> Any:
        return self

    def prepare(self) -> None:
        self.prepared = True

    def read_into(self, view: memoryview) -> int:
        n = min(len(view), len(self.data) - self.at, 100_000)  # short reads, as a socket gives
        view[:n] = self.data[self.at:self.at + n]
        self.at += n
        return n

    def finish(self) -> None:
        self.finished = True


async def read_all(driver: StorageDriver, d: str, offset: int = 0, count: int | None = None) -> bytes:
    """The bytes of a ``read_blob`` body, whichever kind of body the driver gives."""
    body = await driver.read_blob(d, offset, count)
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, FileBody):
        with open(body.path, "rb") as f:
            f.seek(body.offset)
            return f.read(body.count)
    parts = [chunk async for chunk in body]
    return b"".join(parts)


# -- blobs ------------------------------------------------------------------------------------------

def test_blob_put_stat_read_ranges_delete(driver):
    data = bytes(range(256)) * 40
    d = digest(data)

    async def go():
        assert await driver.stat_blob(d) is None and not await driver.blob_exists(d)
        await driver.put_blob(d, data)
        await driver.put_blob(d, data)  # again: no change
        assert await driver.stat_blob(d) == len(data) and await driver.blob_exists(d)
        assert await read_all(driver, d) == data
        assert await read_all(driver, d, 100, 50) == data[100:150]
        assert await read_all(driver, d, len(data) - 7) == data[-7:]
        assert await read_all(driver, d, 0, 0) == b""
        assert await driver.delete_blob(d)
        assert not await driver.delete_blob(d)
        assert await driver.stat_blob(d) is None
        with pytest.raises(BlobUnknown):
            await driver.read_blob(d)
    run(go())


def test_put_blob_refuses_content_of_another_digest(driver):
    async def go():
        with pytest.raises(DigestMismatch):
            await driver.put_blob(digest(b"claimed"), b"actual")
        assert await driver.stat_blob(digest(b"claimed")) is None
        assert await driver.stat_blob(digest(b"actual")) is None
    run(go())


# -- repository links -------------------------------------------------------------------------------

def test_links_and_repositories_in_order_with_pagination(driver):
    data = b"layer"
    d = digest(data)

    async def go():
        await driver.put_blob(d, data)
        assert await driver.repositories() == []
        for name in ("c", "b/x", "a", "b", "a/b/c"):
            await driver.link_blob(name, d)
        await driver.link_blob("a", d)  # twice: no change
        assert await driver.repositories() == ["a", "a/b/c", "b", "b/x", "c"]
        assert await driver.repositories(limit=2) == ["a", "a/b/c"]
        assert await driver.repositories(last="a/b/c", limit=2) == ["b", "b/x"]
        assert await driver.repositories(last="b/x") == ["c"]
        assert await driver.repositories(last="c") == []
        assert await driver.repo_has_blob("a", d) and await driver.repository_exists("a")
        assert not await driver.repo_has_blob("z", d) and not await driver.repository_exists("z")
        assert await driver.unlink_blob("a", d)
        assert not await driver.unlink_blob("a", d)
        assert not await driver.repo_has_blob("a", d)
        assert await driver.blob_exists(d)  # the content stays; only the link went
    run(go())


def test_names_that_would_escape_are_refused(driver):
    d = digest(b"x")

    async def go():
        await driver.put_blob(d, b"x")
        for bad in ("../x", "a/../../b", "/abs", "a//b", ""):
            with pytest.raises(InvalidName):
                await driver.link_blob(bad, d)
        with pytest.raises(InvalidName):
            await driver.set_tag("repo", "../escape", d)
        assert await driver.repositories() == []
    run(go())


# -- manifests, tags, referrers ---------------------------------------------------------------------

def test_manifest_revisions(driver):
    one, two = b'{"schemaVersion":2,"n":1}', b'{"schemaVersion":2,"n":2}'
    d1, d2 = digest(one), digest(two)

    async def go():
        await driver.put_manifest("lib/app", d1, one, "application/vnd.oci.image.manifest.v1+json")
        await driver.put_manifest("lib/app", d2, two, "application/vnd.oci.image.index.v1+json")
        assert await driver.get_manifest("lib/app", d1) == (one, "application/vnd.oci.image.manifest.v1+json")
        assert await driver.manifest_media_type("lib/app", d2) == "application/vnd.oci.image.index.v1+json"
        assert await driver.manifests("lib/app") == sorted([d1, d2])
        assert await driver.get_manifest("other", d1) is None  # revisions are per repository
        assert await driver.manifest_media_type("other", d1) is None
        assert await driver.repo_has_blob("lib/app", d1) and await driver.repository_exists("lib/app")
        assert await driver.stat_blob(d1) == len(one)
        assert await driver.delete_manifest("lib/app", d1)
        assert not await driver.delete_manifest("lib/app", d1)
        assert await driver.get_manifest("lib/app", d1) is None
        assert await driver.manifests("lib/app") == [d2]
        with pytest.raises(DigestMismatch):
            await driver.put_manifest("lib/app", digest(b"other"), one, "application/json")
    run(go())


def test_tags_sorted_paginated_moved_deleted(driver):
    m = b'{"schemaVersion":2}'
    d = digest(m)

    async def go():
        await driver.put_manifest("r", d, m, "application/vnd.oci.image.manifest.v1+json")
        assert await driver.tags("r") == []
        for tag in ("b", "a", "c10", "c2", "Z", "a.b", "a-b", "a_b"):
            await driver.set_tag("r", tag, d)
        everything = ["Z", "a", "a-b", "a.b", "a_b", "b", "c10", "c2"]  # code point order
        assert await driver.tags("r") == everything
        assert await driver.tags("r", limit=3) == everything[:3]
        assert await driver.tags("r", last="a.b", limit=3) == ["a_b", "b", "c10"]
        assert await driver.tags("r", last="c2") == []
        assert await driver.get_tag("r", "a") == d and await driver.get_tag("r", "nope") is None
        other = b'{"schemaVersion":2,"tagged":true}'
        await driver.put_manifest("r", digest(other), other, "application/json", tags=("a", "new"))
        assert await driver.get_tag("r", "a") == digest(other) == await driver.get_tag("r", "new")
        other = b'{"schemaVersion":2,"x":1}'
        await driver.put_manifest("r", digest(other), other, "application/vnd.oci.image.manifest.v1+json")
        await driver.set_tag("r", "a", digest(other))  # moved
        assert await driver.get_tag("r", "a") == digest(other)
        assert await driver.delete_tag("r", "a") and not await driver.delete_tag("r", "a")
        assert await driver.get_tag("r", "a") is None and "a" not in await driver.tags("r")
        assert await driver.tags("no/such/repo") == []
    run(go())


def test_referrers_by_subject(driver):
    subject = digest(b"subject")
    r1, r2 = digest(b"sig"), digest(b"sbom")

    async def go():
        assert await driver.referrers("r", subject) == []
        await driver.add_referrer("r", subject, r1, {"digest": r1, "artifactType": "sig"})
        await driver.add_referrer("r", subject, r2, {"digest": r2, "artifactType": "sbom"})
        found = await driver.referrers("r", subject)
        assert [x["digest"] for x in found] == sorted([r1, r2])
        assert await driver.referrers("elsewhere", subject) == []
        await driver.remove_referrer("r", r1)
        assert [x["digest"] for x in await driver.referrers("r", subject)] == [r2]
    run(go())


# -- upload sessions --------------------------------------------------------------------------------

def test_upload_in_chunks_then_commit(driver):
    data = os.urandom(300_000)

    async def go():
        info = await driver.create_upload("lib/app")
        assert info.offset == 0 and info.algorithm == "sha256" and info.name == "lib/app"
        info = await driver.append_upload("lib/app", info.id, Body(data[:1000], data[1000:100_000]), 0, 99_999)
        assert info.offset == 100_000
        info = await driver.append_upload("lib/app", info.id, Body(data[100_000:200_000]))  # streamed
        assert (await driver.upload_status("lib/app", info.id)).offset == 200_000
        size = await driver.commit_upload("lib/app", info.id, Body(data[200_000:]), digest(data), 200_000)
        assert size == len(data)
        assert await read_all(driver, digest(data)) == data
        assert await driver.repo_has_blob("lib/app", digest(data))
        with pytest.raises(UploadUnknown):
            await driver.upload_status("lib/app", info.id)
    run(go())


def test_raw_bodies_are_taken_whole(driver):
    data = os.urandom(5 * MiB + 321)  # more than one ingest batch

    async def go():
        info = await driver.create_upload("raw")
        first = RawBody(data[:3 * MiB])
        info = await driver.append_upload("raw", info.id, first, 0, 3 * MiB - 1)
        assert first.prepared and first.finished and info.offset == 3 * MiB
        size = await driver.commit_upload("raw", info.id, RawBody(data[3 * MiB:]), digest(data))
        assert size == len(data) and await read_all(driver, digest(data)) == data
    run(go())


def test_chunk_out_of_place_or_of_the_wrong_length_keeps_nothing(driver):
    async def go():
        info = await driver.create_upload("r")
        await driver.append_upload("r", info.id, Body(b"abcd"), 0, 3)
        with pytest.raises(RangeMismatch) as err:
            await driver.append_upload("r", info.id, Body(b"zz"), 10, 11)
        assert err.value.offset == 4
        with pytest.raises(RangeMismatch) as err:
            await driver.append_upload("r", info.id, Body(b"efg"), 4, 9)  # says 6 bytes, sends 3
        assert err.value.offset == 4
        with pytest.raises(RangeMismatch):
            await driver.commit_upload("r", info.id, Body(b"ef"), digest(b"abcdef"), 2)
        assert (await driver.upload_status("r", info.id)).offset == 4
        assert await driver.commit_upload("r", info.id, Body(b"ef"), digest(b"abcdef"), 4) == 6
        assert await read_all(driver, digest(b"abcdef")) == b"abcdef"
    run(go())


def test_digest_mismatch_is_rejected_and_ends_the_session(driver):
    async def go():
        info = await driver.create_upload("r")
        await driver.append_upload("r", info.id, Body(b"real content"))
        with pytest.raises(DigestMismatch):
            await driver.commit_upload("r", info.id, Body(), digest(b"something else"))
        assert await driver.stat_blob(digest(b"something else")) is None
        assert await driver.stat_blob(digest(b"real content")) is None
        assert not await driver.repo_has_blob("r", digest(b"something else"))
        with pytest.raises(UploadUnknown):
            await driver.upload_status("r", info.id)
    run(go())


def test_commit_with_another_algorithm_rehashes(driver):
    data = b"0123456789" * 5000

    async def go():
        info = await driver.create_upload("r")  # hashed as sha256 while it streams
        await driver.append_upload("r", info.id, Body(data[:20_000]))
        assert await driver.commit_upload("r", info.id, Body(data[20_000:]), digest(data, "sha512")) == len(data)
        assert await read_all(driver, digest(data, "sha512")) == data
        info = await driver.create_upload("r", "sha512")
        assert info.algorithm == "sha512"
        await driver.append_upload("r", info.id, Body(b"x" * 10))
        assert await driver.commit_upload("r", info.id, Body(), digest(b"x" * 10, "sha512")) == 10
    run(go())


def test_upload_resumes_from_a_fresh_driver_instance(driver, reopen):
    data = os.urandom(200_000)

    async def start():
        info = await driver.create_upload("lib/app")
        await driver.append_upload("lib/app", info.id, Body(data[:120_000]), 0, 119_999)
        return info.id

    upload_id = run(start())
    other = reopen()  # another process or node on the same storage

    async def finish():
        info = await other.upload_status("lib/app", upload_id)
        assert info.offset == 120_000
        await other.append_upload("lib/app", upload_id, Body(data[120_000:150_000]), 120_000, 149_999)
        return await other.commit_upload("lib/app", upload_id, Body(data[150_000:]), digest(data))

    assert run(finish()) == len(data)
    assert run(read_all(driver, digest(data))) == data


def test_concurrent_uploads(driver):
    blobs = [os.urandom(50_000 + i) for i in range(12)]

    async def one(i: int, data: bytes) -> int:
        name = f"r{i % 3}"
        info = await driver.create_upload(name)
        for at in range(0, len(data), 20_000):
            part = data[at:at + 20_000]
            await driver.append_upload(name, info.id, Body(part), at, at + len(part) - 1)
        return await driver.commit_upload(name, info.id, Body(), digest(data))

    async def go():
        sizes = await asyncio.gather(*(one(i, data) for i, data in enumerate(blobs)))
        assert sizes == [len(b) for b in blobs]
        for i, data in enumerate(blobs):
            assert await read_all(driver, digest(data)) == data
            assert await driver.repo_has_blob(f"r{i % 3}", digest(data))
        assert await driver.list_uploads() == []
    run(go())


def test_one_session_serves_one_request_at_a_time(driver, reopen):
    async def go():
        info = await driver.create_upload("r")
        gate = asyncio.Event()
        held = Body(b"abc", b"def", gate=gate)
        first = asyncio.ensure_future(driver.append_upload("r", info.id, held))
        assert held.started is not None
        await asyncio.wait_for(held.started.wait(), 10)  # the first append holds the session
        for d in (driver, reopen()):
            with pytest.raises(UploadBusy):
                await d.append_upload("r", info.id, Body(b"zzz"))
            with pytest.raises(UploadBusy):
                await d.cancel_upload("r", info.id)
        gate.set()
        assert (await first).offset == 6
        assert (await driver.upload_status("r", info.id)).offset == 6
    run(go())


def test_cancel_and_unknown_sessions(driver):
    async def go():
        info = await driver.create_upload("r")
        await driver.append_upload("r", info.id, Body(b"data"))
        await driver.cancel_upload("r", info.id)
        for call in (driver.upload_status("r", info.id), driver.cancel_upload("r", info.id),
                     driver.append_upload("r", info.id, Body(b"x")),
                     driver.commit_upload("r", info.id, Body(), digest(b"data")),
                     driver.upload_status("other", "no-such-id"), driver.upload_status("r", "../x")):
            with pytest.raises(UploadUnknown):
                await call
    run(go())


def test_list_and_purge_old_sessions(driver):
    async def go():
        a = await driver.create_upload("a/b")
        b = await driver.create_upload("c")
        listed = {(u.name, u.id) for u in await driver.list_uploads()}
        assert listed == {("a/b", a.id), ("c", b.id)}
        assert await driver.purge_uploads(600) == 0  # both fresh
        assert await driver.purge_uploads(600, now=time.time() + 3600) == 2
        assert await driver.list_uploads() == []
        with pytest.raises(UploadUnknown):
            await driver.upload_status("a/b", a.id)
    run(go())


__all__ = [name for name in dir() if name.startswith("test_")]
