"""The filesystem driver's ingest of a request body into a file at an offset, hashing as it goes.

A body is taken in batches of ``BATCH`` bytes; each batch is hashed and written by two pool threads
at once (both release the GIL) while the event loop receives the next one, and the kernel is asked
to start writing back each batch right away so the final fsync has little left to do. A body the
server offers raw (``RawReader``, large uploads) is read from the socket by a thread of its own into
one small buffer, which it hashes and writes itself: a thread per upload, not a fixed pool, so
uploads from slow clients never keep a fast one waiting (the thread's reads time out on a client
below the minimum rate, ``specgen.server.limits``).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import mmap
import threading
from concurrent.futures import ThreadPoolExecutor
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


def _write_all(fd: int, data, offset: int) -> None:
    view = memoryview(data)
    start = offset
    while view:
        n = fsops.ops.pwrite(fd, view, offset)
        view = view[n:]
        offset += n
    if _sync_file_range is not None:
        _sync_file_range(fd, start, offset - start, _SYNC_FILE_RANGE_WRITE)


def _pump(raw: RawReader, fd: int, offset: int, hasher: Hasher) -> int:
    """Thread body of a raw ingest: fill one ``RAW_BUF`` buffer from the socket, hash it, write it
    (buffered; the kernel is asked to start writing back at once), again until the body ends;
    bytes written. One small buffer per upload keeps memory flat however many run at once; while
    it is hashed and written the socket's receive buffer keeps the client sending."""
    buf = mmap.mmap(-1, RAW_BUF)  # its own mapping: unmapped, so given back, when done
    view = memoryview(buf)
    total = 0
    try:
        while True:
            n = 0
            while n < RAW_BUF:
                k = raw.read_into(view[n:])
                if k == 0:
                    break
                n += k
            if n:
                data = view[:n]
                hasher.update(data)
                _write_all(fd, data, offset + total)
                data.release()
                total += n
            if n < RAW_BUF:
                return total
    finally:
        try:
            view.release()
            buf.close()
        except BufferError:  # slices still held by a failure's traceback: unmapped with it
            pass


#: Bytes one raw ingest reads, hashes and writes at a time (its only buffer).
RAW_BUF = 512 << 10


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
