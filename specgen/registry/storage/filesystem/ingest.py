"""The filesystem driver's ingest of a request body into a file at an offset, hashing as it goes.

A body is taken in batches of ``BATCH`` bytes; each batch is hashed and written by two pool threads
at once (both release the GIL) while the event loop receives the next one, and the kernel is asked
to start writing back each batch right away so the final fsync has little left to do. A body the
server offers raw (``RawReader``, large uploads) is read from the socket by a thread of its own into
a few small buffers, hashed by a thread of the upload's own and written by the pool while the next
one fills: a reading thread per upload, not a fixed pool, so uploads from slow clients never keep a
fast one waiting (the thread's reads time out on a client below the minimum rate,
``specgen.server.limits``); the pool's tasks never wait on a client.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import errno
import mmap
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from specgen.registry.hashing import Hasher
from specgen.registry.storage.driver import IncomingBody, RawReader
from specgen.registry.storage.filesystem import fsops

#: Bytes of a streamed body gathered before they are hashed and written (by the pool).
BATCH = 1 << 20
#: Short file operations (writes of a batch, hashing, fsync): no task waits for a client, so a
#: fixed pool cannot be filled by slow ones.
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="specgen-io")

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_sync_file_range: Any
_malloc_trim: Any
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


async def _in_thread(fn, *args):
    """``fn(*args)`` in a thread of its own (it may wait on a client for long)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def settle(result=None, error: BaseException | None = None) -> None:
        if future.cancelled():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            result = fn(*args)
        except BaseException as exc:  # handed to the awaiting task
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, result)

    threading.Thread(target=run, name="specgen-body", daemon=True).start()
    return await future


def _trim() -> None:
    """Give the heap's free memory back after a big body (a long-running server's RSS otherwise
    keeps the high-water mark of every upload's transient buffers)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _write_all(fd: int, data, offset: int, start_writeback: bool = True) -> None:
    view = memoryview(data)
    start = offset
    while view:
        n = fsops.ops.pwrite(fd, view, offset)
        view = view[n:]
        offset += n
    if start_writeback and _sync_file_range is not None:
        _sync_file_range(fd, start, offset - start, _SYNC_FILE_RANGE_WRITE)


def _pump(raw: RawReader, fd: int, offset: int, hasher: Hasher) -> int:
    """Thread body of a raw ingest: fill ``NBUF`` small buffers from the socket in turn while the
    earlier ones are written (the shared pool, any order) and hashed (a thread of this upload's
    own, in order), so the socket, the hash and the disk all move at once; bytes written. Reading
    stalls only when hashing or the disk is ``NBUF`` buffers behind, and memory stays ``NBUF *
    RAW_BUF`` per upload however large the blob and however many uploads run."""
    maps = [mmap.mmap(-1, RAW_BUF) for _ in range(NBUF)]  # own mappings: unmapped, so given back
    free = [memoryview(m) for m in maps]
    dfd = fsops.ops.open_direct(fd)  # page-aligned (mmap) buffers go to the disk as they come
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="specgen-hash")
    in_flight: deque[tuple[memoryview, list[Future]]] = deque()
    total = 0
    try:
        while True:
            if not free:
                view, futures = in_flight.popleft()
                for f in futures:
                    f.result()
                free.append(view)
            view, n = free.pop(), 0
            while n < RAW_BUF:
                k = raw.read_into(view[n:])
                if k == 0:
                    break
                n += k
            if n:
                data = view[:n]
                at = offset + total
                in_flight.append(
                    (view, [_POOL.submit(_write_batch, fd, dfd, data, at), hashing.submit(hasher.update, data)])
                )
                total += n
            else:
                free.append(view)
            if n < RAW_BUF:
                break
        while in_flight:
            _, futures = in_flight.popleft()
            for f in futures:
                f.result()
        return total
    finally:
        for _, futures in in_flight:  # never unmap a buffer a thread still reads
            for f in futures:
                try:
                    f.result()
                except Exception:
                    pass
        hashing.shutdown(wait=True)
        if dfd is not None:
            fsops.ops.close(dfd)
        for m in maps:
            try:
                m.close()
            except BufferError:  # slices still held by a failure's traceback: unmapped with it
                pass


_ALIGN = 4096


def _write_batch(fd: int, dfd: int | None, data, offset: int) -> None:
    """Write a batch, its page-aligned part through ``dfd`` (``O_DIRECT``) when there is one."""
    if dfd is not None and offset % _ALIGN == 0:
        aligned = len(data) - len(data) % _ALIGN
        if aligned:
            try:
                _write_all(dfd, data[:aligned], offset, start_writeback=False)
                data, offset = data[aligned:], offset + aligned
            except OSError as exc:
                if exc.errno != errno.EINVAL:  # EINVAL: no O_DIRECT after all; buffered below
                    raise
    if len(data):
        _write_all(fd, data, offset)


#: Bytes one raw ingest reads at a time into each of its ``NBUF`` buffers.
RAW_BUF = 256 << 10
#: Buffers per raw ingest: one filling from the socket while the others are hashed and written.
NBUF = 3


async def ingest(body: IncomingBody, fd: int, offset: int, hasher: Hasher, limit: int | None = None) -> int:
    """Write the body at ``offset`` while hashing it; bytes written. A raw body (``RawReader``) is
    read from the socket in a thread; else the body's ``stream()`` is used."""
    loop = asyncio.get_running_loop()
    raw = body.raw_body()
    if raw is not None:
        raw.prepare()
        try:
            return await _in_thread(_pump, raw, fd, offset, hasher)
        finally:
            raw.finish()
            _trim()
    buf = bytearray()
    pending: list[asyncio.Future] = []
    written = 0

    def submit(data: bytearray, at: int) -> list[asyncio.Future]:
        return [loop.run_in_executor(_POOL, _write_all, fd, data, at), loop.run_in_executor(_POOL, hasher.update, data)]

    try:
        async for chunk in body.stream():
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


async def in_pool(fn, *args):
    """Run a blocking file operation (an fsync) on the I/O pool."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, fn, *args)
