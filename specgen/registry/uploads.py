"""Upload sessions kept on disk: data file, offset and serialised hash state, so any worker process
can continue an upload, and a restart resumes it where the last acknowledged chunk ended.

A request body is taken in batches of ``BATCH`` bytes; each batch is hashed and written by two pool
threads at once (both release the GIL) while the event loop receives the next one, and the kernel is
asked to start writing back each batch right away so the final fsync has little left to do.
"""

from __future__ import annotations

import asyncio
import base64
import ctypes
import ctypes.util
import fcntl
import json
import mmap
import os
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import AsyncIterator, Iterator

from specgen.registry.hashing import Hasher
from specgen.registry.storage import Storage, atomic_write

BATCH = 4 << 20
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="specgen-io")
#: Threads reading raw bodies; separate from _POOL, whose tasks they wait for, so they never starve it.
_READERS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="specgen-body")  # one per large upload in progress

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
try:
    _sync_file_range = _libc.sync_file_range
    _sync_file_range.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
except AttributeError:  # pragma: no cover - not Linux
    _sync_file_range = None
_SYNC_FILE_RANGE_WRITE = 2


try:
    _malloc_trim = _libc.malloc_trim
except AttributeError:  # pragma: no cover - not glibc
    _malloc_trim = None


def _trim() -> None:
    """Give the heap's free memory back after a big body (a long-running server's RSS otherwise
    keeps the high-water mark of every upload's transient buffers)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


class UploadUnknown(LookupError):
    pass


class UploadBusy(RuntimeError):
    pass


class RangeMismatch(ValueError):
    """A chunk that does not start where the upload ends (answered with 416)."""


@dataclass
class UploadState:
    name: str
    id: str
    offset: int
    algorithm: str
    hash_state: str | None   # base64 of the hash context after ``offset`` bytes
    created: float
    updated: float


def _write_all(fd: int, data, offset: int) -> None:
    view = memoryview(data)
    start = offset
    while view:
        n = os.pwrite(fd, view, offset)
        view = view[n:]
        offset += n
    if _sync_file_range is not None:
        _sync_file_range(fd, start, offset - start, _SYNC_FILE_RANGE_WRITE)


def _pump(raw, fd: int, offset: int, hasher: Hasher) -> int:
    """Thread body of a raw ingest: fill buffers from the socket while earlier ones are written
    (any order, pool threads) and hashed (in order, one thread of its own); bytes written.

    ``NBUF`` buffers are in flight at most, so reading stalls only when hashing or the disk is
    ``NBUF`` batches behind."""
    bufs = _take_buffers()
    dfd = _open_direct(fd)
    hash_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="specgen-hash")
    in_flight: list[tuple[memoryview, list]] = []
    total = 0
    try:
        free = list(bufs)
        while True:
            if not free:
                view, futures = in_flight.pop(0)
                for f in futures:
                    f.result()
                free.append(view)
            view, n = free.pop(), 0
            while n < BATCH:
                k = raw.read_into(view[n:])
                if k == 0:
                    break
                n += k
            if n:
                data = view[:n]
                in_flight.append((view, [_POOL.submit(_write_batch, fd, dfd, data, offset + total),
                                         hash_thread.submit(hasher.update, data)]))
                total += n
            else:
                free.append(view)
            if n < BATCH:
                break
        for _, futures in in_flight:
            for f in futures:
                f.result()
        in_flight = []
        return total
    finally:
        for _, futures in in_flight:  # never hand a buffer back while a thread still uses it
            for f in futures:
                try:
                    f.result()
                except Exception:
                    pass
        hash_thread.shutdown(wait=True)
        if dfd is not None:
            os.close(dfd)
        _BUFFERS.append(bufs)


#: Buffers per raw ingest.
NBUF = 3
#: Reused buffer sets of raw ingests. Allocating them per upload would leave each reader thread's
#: malloc arena holding its last set (glibc raises its mmap threshold after a free), so the
#: process would keep about 12 MiB per thread that ever served an upload.
_BUFFERS: list[list[memoryview]] = []


def _take_buffers() -> list[memoryview]:
    try:
        return _BUFFERS.pop()
    except IndexError:
        # page-aligned (mmap) so the O_DIRECT writes can use them as they are
        return [memoryview(mmap.mmap(-1, BATCH)) for _ in range(NBUF)]


_ALIGN = 4096


def _open_direct(fd: int) -> int | None:
    """A second descriptor of the same file with O_DIRECT (writes skip the page cache copy), or
    None where the filesystem or platform has none (tmpfs, macOS)."""
    flag = getattr(os, "O_DIRECT", 0)
    if not flag:
        return None
    try:
        return os.open(f"/proc/self/fd/{fd}", os.O_WRONLY | flag)
    except OSError:
        return None


def _write_batch(fd: int, dfd: int | None, data, offset: int) -> None:
    """Write a batch, its aligned part through ``dfd`` (O_DIRECT) when there is one."""
    n = len(data)
    if dfd is not None and offset % _ALIGN == 0:
        aligned = n - n % _ALIGN
        if aligned:
            try:
                _pwrite_all(dfd, data[:aligned], offset)
                data, offset = data[aligned:], offset + aligned
            except OSError:
                pass  # EINVAL: not aligned after all, or no O_DIRECT here: buffered below
    if len(data):
        _write_all(fd, data, offset)


def _pwrite_all(fd: int, data, offset: int) -> None:
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        view = view[n:]
        offset += n


async def ingest(stream: AsyncIterator[bytes], fd: int, offset: int, hasher: Hasher,
                 limit: int | None = None, raw=None) -> int:
    """Write the body at ``offset`` while hashing it; bytes written. ``raw`` (a
    ``uvicorn_zerocopy.RawBody``) reads it from the socket in a thread; else ``stream`` is used."""
    loop = asyncio.get_running_loop()
    if raw is not None:
        raw.prepare()
        try:
            return await loop.run_in_executor(_READERS, _pump, raw, fd, offset, hasher)
        finally:
            raw.finish()
            _trim()
    buf = bytearray()
    pending: list[asyncio.Future] = []
    written = 0

    def submit(data: bytearray, at: int) -> list[asyncio.Future]:
        return [loop.run_in_executor(_POOL, _write_all, fd, data, at),
                loop.run_in_executor(_POOL, hasher.update, data)]

    try:
        async for chunk in stream:
            buf += chunk
            if len(buf) >= BATCH:
                for f in pending:
                    await f
                pending = submit(buf, offset + written)
                written += len(buf)
                buf = bytearray()
                if limit is not None and written > limit:
                    raise ValueError("body larger than announced")
        for f in pending:
            await f
        pending = []
        if buf:
            pending = submit(buf, offset + written)
            written += len(buf)
        for f in pending:
            await f
        pending = []
    finally:
        for f in pending:  # never leave a thread writing into a buffer after we return
            try:
                await f
            except Exception:
                pass
    return written


class Uploads:
    def __init__(self, storage: Storage):
        self.storage = storage

    # -- files -----------------------------------------------------------------------------------
    def dir(self, name: str, upload_id: str) -> Path:
        if "/" in upload_id or upload_id.startswith("."):
            raise UploadUnknown(upload_id)
        return self.storage.uploads_dir(name) / upload_id

    def create(self, name: str, algorithm: str = "sha256") -> UploadState:
        upload_id = str(uuid.uuid4())
        d = self.dir(name, upload_id)
        d.mkdir(parents=True)
        (d / "data").touch()
        now = time.time()
        hasher = Hasher(algorithm)
        st = UploadState(name, upload_id, 0, algorithm, _b64(hasher.state()), now, now)
        self._save(st)
        return st

    def load(self, name: str, upload_id: str) -> UploadState:
        try:
            raw = (self.dir(name, upload_id) / "state.json").read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise UploadUnknown(upload_id) from None
        try:
            return UploadState(**json.loads(raw))
        except (ValueError, TypeError):  # emptied by a machine crash
            raise UploadUnknown(upload_id) from None

    def status(self, name: str, upload_id: str) -> UploadState:
        """The session's state, ``UploadUnknown`` also when its acknowledged data is gone."""
        st = self.load(name, upload_id)
        try:
            size = (self.dir(name, upload_id) / "data").stat().st_size
        except FileNotFoundError:
            size = -1
        if size < st.offset:
            raise UploadUnknown(upload_id)
        return st

    def _save(self, st: UploadState) -> None:
        atomic_write(self.dir(st.name, st.id) / "state.json", json.dumps(asdict(st)).encode(),
                     fsync=False)

    @contextmanager
    def locked(self, name: str, upload_id: str) -> Iterator[UploadState]:
        d = self.dir(name, upload_id)
        try:
            fd = os.open(d / "lock", os.O_CREAT | os.O_RDWR, 0o644)
        except (FileNotFoundError, NotADirectoryError):
            raise UploadUnknown(upload_id) from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UploadBusy(upload_id) from None
            st = self.load(name, upload_id)
            try:
                size = (d / "data").stat().st_size
            except FileNotFoundError:
                size = -1
            if size < st.offset:  # acknowledged data lost with the machine: cannot resume
                raise UploadUnknown(upload_id)
            yield st
        finally:
            os.close(fd)

    def cancel(self, name: str, upload_id: str) -> None:
        with self.locked(name, upload_id):
            shutil.rmtree(self.dir(name, upload_id), ignore_errors=True)

    def _hasher(self, st: UploadState, fd: int, algorithm: str | None = None) -> Hasher:
        """The hash of the first ``st.offset`` bytes, from the saved state when possible."""
        algorithm = algorithm or st.algorithm
        if algorithm == st.algorithm and st.hash_state is not None:
            try:
                return Hasher(algorithm, base64.b64decode(st.hash_state))
            except ValueError:
                pass
        hasher = Hasher(algorithm)  # fallback: re-read what was acknowledged
        at = 0
        while at < st.offset:
            chunk = os.pread(fd, min(BATCH, st.offset - at), at)
            if not chunk:
                break
            hasher.update(chunk)
            at += len(chunk)
        return hasher

    # -- operations ----------------------------------------------------------------------------------
    async def append(self, name: str, upload_id: str, stream: AsyncIterator[bytes],
                     start: int | None = None, end: int | None = None, raw=None) -> UploadState:
        """Add a chunk at the end (``start``, when given, must equal the current size)."""
        with self.locked(name, upload_id) as st:
            if start is not None and (start != st.offset or (end is not None and end < start)):
                raise RangeMismatch(st.offset)
            path = self.dir(name, upload_id) / "data"
            fd = os.open(path, os.O_RDWR)  # read back only when the hash state cannot be resumed
            try:
                os.ftruncate(fd, st.offset)  # drop bytes of a chunk that was never acknowledged
                hasher = self._hasher(st, fd)
                limit = None if end is None or start is None else end - start + 1
                n = await ingest(stream, fd, st.offset, hasher, limit, raw)
                if limit is not None and n != limit:
                    os.ftruncate(fd, st.offset)
                    raise RangeMismatch(st.offset)
                # No fsync per chunk: an acknowledged chunk survives a crash of the server process
                # (the page cache keeps it); after a crash of the machine, a session whose data is
                # shorter than its saved offset is reported unknown (the client starts over), and
                # the digest check at the end catches anything else. Blobs are fsynced on commit.
            finally:
                os.close(fd)
            st.offset += n
            st.hash_state = _b64(hasher.state())
            st.updated = time.time()
            self._save(st)
            return st

    async def finish(self, name: str, upload_id: str, stream: AsyncIterator[bytes],
                     algorithm: str, expected_hex: str, raw=None,
                     start: int | None = None) -> tuple[int, bool]:
        """Append the final body, verify the digest and commit the blob: (size, digest matched).
        On a mismatch the session is removed, as distribution does. ``start`` (a Content-Range on
        the closing request) must equal the current size, else ``RangeMismatch``."""
        with self.locked(name, upload_id) as st:
            if start is not None and start != st.offset:
                raise RangeMismatch(st.offset)
            d = self.dir(name, upload_id)
            path = d / "data"
            fd = os.open(path, os.O_RDWR)  # read back only when the hash state cannot be resumed
            try:
                os.ftruncate(fd, st.offset)
                hasher = self._hasher(st, fd, algorithm)
                n = await ingest(stream, fd, st.offset, hasher, raw=raw)
                size = st.offset + n
                ok = hasher.hexdigest() == expected_hex
                if ok:
                    await asyncio.get_running_loop().run_in_executor(_POOL, os.fdatasync, fd)
            finally:
                os.close(fd)
            if ok:
                self.storage.commit_file(path, algorithm, expected_hex)
                self.storage.link_blob(name, algorithm, expected_hex)
            shutil.rmtree(d, ignore_errors=True)
            return size, ok


def _b64(state: bytes | None) -> str | None:
    return None if state is None else base64.b64encode(state).decode()
