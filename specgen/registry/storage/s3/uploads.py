"""The S3 driver's upload sessions: everything in the bucket, so any node continues any upload and
a restart loses nothing acknowledged.

A session is ``_uploads/<id>/state.json`` (offset, the serialised hash state, the S3 multipart
upload and its parts) plus the data: full parts (``chunksize`` bytes, at least S3's 5 MiB) in a
multipart upload of ``_uploads/<id>/data``, and the tail shorter than a part in a
``_uploads/<id>/pending-<n>`` object, read back and completed by the next chunk, as
distribution's s3-aws writer buffers small chunks. The hash state is OpenSSL's context bytes
(``specgen.registry.hashing``), so the next node hashes only the new bytes; a commit with another
algorithm, or without a resumable hasher, completes the upload and hashes it by reading it back.

One request at a time per session: a lease object ``_uploads/<id>/lock`` created with
``If-None-Match: *`` (the loser answers ``UploadBusy``; a lease older than ``LEASE`` seconds is
taken over with ``If-Match`` on it). The state is saved with ``If-Match`` on the version read, and
a completed multipart upload names each part's ETag, so a request that outlived its lease can
neither overwrite a newer state nor commit parts it did not write.

A commit of an empty session (a monolithic push: POST, then PUT with the whole body) streams the
body straight into a multipart upload of the blob's own key and completes it only when the digest
matches: no copy. A chunked session is completed at its data key, then copied to the blob's key
server-side (in parallel parts when large) and removed.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing, asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from specgen.registry.hashing import Hasher
from specgen.registry.storage.driver import (
    DigestMismatch,
    IncomingBody,
    RangeMismatch,
    StorageUnavailable,
    UploadBusy,
    UploadInfo,
    UploadUnknown,
)
from specgen.registry.storage.s3.client import S3, is_missing, is_precondition
from specgen.registry.storage.s3.keys import Keys

#: Seconds a request may hold a session before another may take it over (a node that died).
LEASE = 900.0
#: Parts a request holds at most: the one being received waits for the oldest of these to finish.
IN_FLIGHT = 2
#: Above this size a server-side copy goes in parallel parts (UploadPartCopy) of this size.
COPY_PART = 64 << 20
COPY_CONCURRENCY = 8

_HASH_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="specgen-s3-hash")


@dataclass
class SessionState:
    """``state.json`` of a session."""

    name: str
    id: str
    algorithm: str
    offset: int
    hash_state: str | None  # base64 of the hash context after ``offset`` bytes, None: not hashed
    created: float
    updated: float
    multipart: str | None = None  # S3 UploadId of the session's data key
    parts: list[list] = field(default_factory=list)  # [number, etag, size] of each full part
    pending: str | None = None  # key of the tail not yet in a part
    pending_size: int = 0
    etag: str | None = None  # version of the state object read (not saved)

    def info(self) -> UploadInfo:
        return UploadInfo(self.name, self.id, self.offset, self.algorithm, self.created, self.updated)

    def dump(self) -> bytes:
        d = asdict(self)
        d.pop("etag")
        return json.dumps(d).encode()


async def body_chunks(body: IncomingBody, size: int) -> AsyncGenerator[bytes | bytearray, None]:
    """The request body's bytes: a raw body read from the socket in a thread of its own in
    ``size`` pieces, else the body's ``stream()``."""
    raw = body.raw_body()
    if raw is None:
        async for chunk in body.stream():
            if chunk:
                yield chunk
        return
    loop = asyncio.get_running_loop()
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="specgen-s3-read")  # one thread per body
    raw.prepare()
    try:
        while True:
            buf = bytearray(size)
            n = await loop.run_in_executor(reader, _fill, raw, buf)
            if n:
                del buf[n:]
                yield buf
            if n < size:
                return
    finally:
        raw.finish()
        reader.shutdown(wait=False)


def _fill(raw: Any, buf: bytearray) -> int:
    view, n = memoryview(buf), 0
    while n < len(buf):
        k = raw.read_into(view[n:])
        if k == 0:
            break
        n += k
    return n


class PartWriter:
    """Receives a session's next bytes into parts of ``part_size``, hashing them in order beside
    the uploads; ``buf`` holds the tail (its first ``hashed`` bytes were hashed already)."""

    def __init__(self, s3: S3, key: str, st: SessionState, part_size: int, hasher: Hasher | None):
        self.s3, self.key, self.part_size, self.hasher = s3, key, part_size, hasher
        self.multipart = st.multipart
        self.created_multipart = False
        self.parts = [list(p) for p in st.parts]
        self.buf = bytearray()
        self.hashed = 0
        self.inflight: list[asyncio.Task] = []
        self.hashing: asyncio.Future | None = None

    async def load_tail(self, s3: S3, st: SessionState) -> None:
        if st.pending and st.pending_size:
            data = await s3.get_bytes(st.pending)
            if data is None or len(data) != st.pending_size:  # acknowledged data lost: cannot resume
                raise UploadUnknown(st.id)
            self.buf += data
            self.hashed = len(self.buf) if self.hasher is not None else 0

    async def _hash(self, data: bytes | bytearray | memoryview) -> None:
        if self.hasher is None or not len(data):
            return
        if self.hashing is not None:
            await self.hashing
        self.hashing = asyncio.get_running_loop().run_in_executor(_HASH_POOL, self.hasher.update, data)

    async def feed(self, body: IncomingBody, limit: int | None = None) -> int:
        """Take the whole body; bytes received. More than ``limit`` bytes: ``RangeMismatch``
        (raised by the caller with the session's offset; here a ``ValueError``)."""
        received = 0
        async with aclosing(body_chunks(body, self.part_size)) as chunks:
            async for chunk in chunks:
                received += len(chunk)
                if limit is not None and received > limit:
                    raise ValueError("body longer than its range")
                self.buf += chunk
                while len(self.buf) >= self.part_size:
                    with memoryview(self.buf) as view:
                        part = bytes(view[: self.part_size])
                    del self.buf[: self.part_size]
                    await self._hash(memoryview(part)[self.hashed :])
                    self.hashed = 0
                    await self._emit(part)
        return received

    async def _emit(self, part: bytes) -> None:
        if self.multipart is None:
            resp = await self.s3.call("create_multipart_upload", Key=self.key)
            self.multipart, self.created_multipart = resp["UploadId"], True
        entry = [len(self.parts) + 1, None, len(part)]
        self.parts.append(entry)
        self.inflight.append(asyncio.ensure_future(self._upload(entry, part)))
        if len(self.inflight) >= IN_FLIGHT:
            await self.inflight.pop(0)

    async def _upload(self, entry: list, part: bytes) -> None:
        resp = await self.s3.call("upload_part", Key=self.key, UploadId=self.multipart, PartNumber=entry[0], Body=part)
        entry[1] = resp["ETag"]

    async def last_part(self) -> None:
        """The tail as the last part (S3 allows the last part to be short)."""
        if self.buf:
            await self._hash(memoryview(self.buf)[self.hashed :])
            self.hashed = len(self.buf)
            part, self.buf = bytes(self.buf), bytearray()
            await self._emit(part)

    async def settle(self) -> None:
        """Wait for every upload and the hash; the first failure is raised, the rest cancelled."""
        try:
            for task in self.inflight:
                await task
            if self.hashing is not None:
                await self.hashing
            if self.hasher is not None and self.hashed < len(self.buf):
                await self._hash(memoryview(self.buf)[self.hashed :])
                self.hashed = len(self.buf)
                if self.hashing is not None:
                    await self.hashing
        finally:
            for task in self.inflight:
                task.cancel()
            await asyncio.gather(*self.inflight, return_exceptions=True)
            self.inflight = []

    async def abandon(self) -> None:
        """After a failure: let nothing keep uploading; abort a multipart upload this request began."""
        for task in self.inflight:
            task.cancel()
        await asyncio.gather(*self.inflight, return_exceptions=True)
        self.inflight = []
        if self.created_multipart and self.multipart:
            await _quietly(self.s3.call("abort_multipart_upload", Key=self.key, UploadId=self.multipart))

    async def complete(self) -> None:
        parts = [{"PartNumber": n, "ETag": etag} for n, etag, _ in self.parts]
        await self.s3.call(
            "complete_multipart_upload", Key=self.key, UploadId=self.multipart, MultipartUpload={"Parts": parts}
        )


async def _quietly(aw: Awaitable[Any]) -> None:
    """Clean-up that may fail (the store is down, the object already gone) without hiding the error
    being raised."""
    try:
        await aw
    except Exception:
        pass


class Sessions:
    """Upload sessions in the bucket; ``link(name, digest)`` links a committed blob."""

    def __init__(self, s3: S3, keys: Keys, part_size: int, link: Callable[[str, str], Awaitable[None]]):
        self.s3, self.keys, self.part_size, self._link = s3, keys, part_size, link

    # -- state --------------------------------------------------------------------------------------
    async def create(self, name: str, algorithm: str = "sha256") -> UploadInfo:
        self.keys.repo(name)
        hasher = Hasher(algorithm)
        now = time.time()
        st = SessionState(name, uuid.uuid4().hex, algorithm, 0, _b64(hasher.state()), now, now)
        await self.s3.put(self.keys.upload(st.id) + "state.json", st.dump())
        return st.info()

    async def load(self, name: str, upload_id: str) -> SessionState:
        key = self.keys.upload(upload_id) + "state.json"
        from botocore.exceptions import ClientError

        try:
            resp = await self.s3.call("get_object", Key=key)
        except ClientError as exc:
            if is_missing(exc):
                raise UploadUnknown(upload_id) from None
            raise
        raw = await self.s3.read_body(resp, key)
        try:
            st = SessionState(**json.loads(raw))
        except (ValueError, TypeError):
            raise UploadUnknown(upload_id) from None
        if st.name != name:
            raise UploadUnknown(upload_id)
        st.etag = resp.get("ETag")
        return st

    async def status(self, name: str, upload_id: str) -> UploadInfo:
        return (await self.load(name, upload_id)).info()

    async def _save(self, st: SessionState) -> None:
        params = {"IfMatch": st.etag} if st.etag else {}
        from botocore.exceptions import ClientError

        try:
            resp = await self.s3.put(self.keys.upload(st.id) + "state.json", st.dump(), **params)
        except ClientError as exc:
            if is_precondition(exc) or is_missing(exc):  # taken over after our lease ran out
                raise UploadBusy(st.id) from None
            raise
        st.etag = resp.get("ETag")

    @asynccontextmanager
    async def locked(self, name: str, upload_id: str) -> AsyncIterator[SessionState]:
        """The session, leased to this request (``UploadBusy`` when another holds it)."""
        from botocore.exceptions import ClientError

        lock = self.keys.upload(upload_id) + "lock"
        lease = json.dumps({"node": uuid.uuid4().hex, "expires": time.time() + LEASE}).encode()
        try:
            await self.s3.put(lock, lease, IfNoneMatch="*")
        except ClientError as exc:
            if not is_precondition(exc):
                raise
            await self._take_over(lock, lease, upload_id)
        try:
            yield await self.load(name, upload_id)
        finally:
            await _quietly(self.s3.delete(lock))

    async def _take_over(self, lock: str, lease: bytes, upload_id: str) -> None:
        """Take a lease whose holder outlived it (a node that died mid-request), else ``UploadBusy``."""
        from botocore.exceptions import ClientError

        resp = await self.s3.call("get_object", Key=lock)
        held = await self.s3.read_body(resp, lock)
        try:
            expires = float(json.loads(held)["expires"])
        except (ValueError, KeyError, TypeError):
            expires = 0.0
        if expires > time.time():
            raise UploadBusy(upload_id)
        try:
            await self.s3.put(lock, lease, IfMatch=resp["ETag"])
        except ClientError as exc:
            if is_precondition(exc) or is_missing(exc):
                raise UploadBusy(upload_id) from None
            raise

    def _hasher(self, st: SessionState, algorithm: str | None = None) -> Hasher | None:
        """The hash of the first ``st.offset`` bytes, or None when it cannot be resumed here."""
        if (algorithm or st.algorithm) != st.algorithm or st.hash_state is None:
            return None
        try:
            hasher = Hasher(st.algorithm, base64.b64decode(st.hash_state))
        except ValueError:
            return None
        return hasher if hasher.resumable else None

    # -- requests -----------------------------------------------------------------------------------
    async def append(
        self, name: str, upload_id: str, body: IncomingBody, start: int | None = None, end: int | None = None
    ) -> UploadInfo:
        async with self.locked(name, upload_id) as st:
            if start is not None and (start != st.offset or (end is not None and end < start)):
                raise RangeMismatch(st.offset)
            limit = None if end is None or start is None else end - start + 1
            hasher = self._hasher(st)
            writer = PartWriter(self.s3, self.keys.upload(upload_id) + "data", st, self.part_size, hasher)
            try:
                await writer.load_tail(self.s3, st)
                try:
                    n = await writer.feed(body, limit)
                except ValueError:
                    raise RangeMismatch(st.offset) from None
                if limit is not None and n != limit:
                    raise RangeMismatch(st.offset)
                await writer.settle()
                old_pending = st.pending
                st.pending, st.pending_size = None, len(writer.buf)
                if writer.buf:
                    st.pending = f"{self.keys.upload(upload_id)}pending-{uuid.uuid4().hex}"
                    await self.s3.put(st.pending, bytes(writer.buf))
                st.offset += n
                st.multipart, st.parts = writer.multipart, writer.parts
                st.hash_state = _b64(hasher.state()) if hasher is not None else None
                st.updated = time.time()
                await self._save(st)  # the acknowledgement: from here on the chunk is the session's
            except BaseException:
                await writer.abandon()
                raise
            if old_pending and old_pending != st.pending:
                await _quietly(self.s3.delete(old_pending))
            return st.info()

    async def finish(self, name: str, upload_id: str, body: IncomingBody, digest: str, start: int | None = None) -> int:
        """Append the last body, verify the digest, store the blob and link it; its size. The
        session ends either way once the body was taken (on a mismatch too, as distribution)."""
        algorithm, _, expected = digest.partition(":")
        blob = self.keys.blob(digest)
        async with self.locked(name, upload_id) as st:
            if start is not None and start != st.offset:
                raise RangeMismatch(st.offset)
            hasher = self._hasher(st, algorithm)
            if st.offset == 0 and hasher is None:
                hasher = Hasher(algorithm)  # nothing hashed yet: hash as it streams, any algorithm
            direct = st.offset == 0 and st.multipart is None
            data_key = blob if direct else self.keys.upload(upload_id) + "data"
            writer = PartWriter(self.s3, data_key, st, self.part_size, hasher)
            completed = False
            try:
                await writer.load_tail(self.s3, st)
                n = await writer.feed(body)
                size = st.offset + n
                if writer.multipart is None:  # all of it in memory: shorter than a part
                    await writer.settle()
                    content = bytes(writer.buf)
                    ok = _matches(content, hasher if writer.hashed == len(content) else None, algorithm, expected)
                    if not ok:
                        raise DigestMismatch(digest, size)
                    if not await self.s3.exists(blob):
                        await self.s3.put(blob, content)
                else:
                    await writer.last_part()
                    await writer.settle()
                    if writer.hasher is not None and writer.hasher.hexdigest() != expected:
                        raise DigestMismatch(digest, size)
                    await writer.complete()
                    completed = True
                    if not direct:
                        if writer.hasher is None and not await self._hash_object(data_key, algorithm, expected):
                            raise DigestMismatch(digest, size)
                        if not await self.s3.exists(blob):
                            await self._copy(data_key, blob, size)
                await self._link(name, digest)
                return size
            finally:
                if writer.multipart and not completed:
                    await _quietly(self.s3.call("abort_multipart_upload", Key=data_key, UploadId=writer.multipart))
                await self._remove(upload_id, st, data=not direct)

    async def _hash_object(self, key: str, algorithm: str, expected: str) -> bool:
        """Read an object back and hash it (the hash state could not be resumed)."""
        hasher = Hasher(algorithm)
        loop = asyncio.get_running_loop()
        resp = await self.s3.call("get_object", Key=key)
        try:
            async with resp["Body"] as stream:
                async for chunk in stream.iter_chunks(4 << 20):
                    await loop.run_in_executor(_HASH_POOL, hasher.update, chunk)
        except (TimeoutError, OSError) as exc:
            raise StorageUnavailable(f"s3 read {key}: {exc}") from exc
        return hasher.hexdigest() == expected

    async def _copy(self, src: str, dst: str, size: int) -> None:
        """Server-side copy; large objects in parallel UploadPartCopy parts."""
        source = {"Bucket": self.s3.cfg.bucket, "Key": src}
        if size <= COPY_PART:
            await self.s3.call("copy_object", Key=dst, CopySource=source)
            return
        upload = (await self.s3.call("create_multipart_upload", Key=dst))["UploadId"]
        gate = asyncio.Semaphore(COPY_CONCURRENCY)

        async def part(number: int, first: int) -> dict:
            last = min(first + COPY_PART, size) - 1
            async with gate:
                resp = await self.s3.call(
                    "upload_part_copy",
                    Key=dst,
                    UploadId=upload,
                    PartNumber=number,
                    CopySource=source,
                    CopySourceRange=f"bytes={first}-{last}",
                )
            return {"PartNumber": number, "ETag": resp["CopyPartResult"]["ETag"]}

        try:
            parts = await asyncio.gather(*(part(i + 1, at) for i, at in enumerate(range(0, size, COPY_PART))))
            await self.s3.call(
                "complete_multipart_upload", Key=dst, UploadId=upload, MultipartUpload={"Parts": list(parts)}
            )
        except BaseException:
            await _quietly(self.s3.call("abort_multipart_upload", Key=dst, UploadId=upload))
            raise

    async def _remove(self, upload_id: str, st: SessionState, data: bool = True) -> None:
        base = self.keys.upload(upload_id)
        keys = [base + "state.json", base + "lock"]
        if st.pending:
            keys.append(st.pending)
        if data:
            keys.append(base + "data")
        await _quietly(self.s3.call("delete_objects", Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}))

    async def cancel(self, name: str, upload_id: str) -> None:
        async with self.locked(name, upload_id) as st:
            if st.multipart:
                await _quietly(
                    self.s3.call(
                        "abort_multipart_upload", Key=self.keys.upload(upload_id) + "data", UploadId=st.multipart
                    )
                )
            await self._remove(upload_id, st)

    async def _all(self) -> list[SessionState]:
        ids = [
            k[len(self.keys.uploads) :].split("/")[0]
            for k in await self.s3.keys(self.keys.uploads)
            if k.endswith("/state.json")
        ]
        gate = asyncio.Semaphore(16)

        async def one(upload_id: str) -> SessionState | None:
            async with gate:
                raw = await self.s3.get_bytes(self.keys.upload(upload_id) + "state.json")
            try:
                return SessionState(**json.loads(raw)) if raw is not None else None
            except (ValueError, TypeError):
                return None

        return [st for st in await asyncio.gather(*(one(i) for i in ids)) if st is not None]

    async def list(self) -> list[UploadInfo]:
        return [st.info() for st in await self._all()]

    async def purge(self, older_than: float, now: float | None = None) -> int:
        now = time.time() if now is None else now
        removed = 0
        for st in await self._all():
            if now - st.updated > older_than:
                if st.multipart:
                    await _quietly(
                        self.s3.call(
                            "abort_multipart_upload", Key=self.keys.upload(st.id) + "data", UploadId=st.multipart
                        )
                    )
                await self._remove(st.id, st)
                removed += 1
        return removed


def _matches(content: bytes, hasher: Hasher | None, algorithm: str, expected: str) -> bool:
    if hasher is None:
        hasher = Hasher(algorithm)
        hasher.update(content)
    return hasher.hexdigest() == expected


def _b64(state: bytes | None) -> str | None:
    return None if state is None else base64.b64encode(state).decode()
