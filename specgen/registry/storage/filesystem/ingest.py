"""The filesystem driver's ingest of a request body into a file at an offset, hashing as it goes.

A body is taken in batches of ``BATCH`` bytes; each batch is hashed and written by two pool threads
at once (both release the GIL) while the event loop receives the next one, and the kernel is asked
to start writing back each batch right away so the final fsync has little left to do. A body the
server offers raw (``RawReader``, large uploads) is read from the socket by a thread of its own into
page-aligned buffers, whose aligned part is written with ``O_DIRECT``.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import mmap
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from specgen.registry.hashing import Hasher
from specgen.registry.storage.driver import IncomingBody, RawReader

BATCH = 4 << 20
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="specgen-io")
#: Threads reading raw bodies; separate from _POOL, whose tasks they wait for, so they never starve it.
_READERS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="specgen-body")  # one per large upload in progress

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


def _trim() -> None:
    """Give the heap's free memory back after a big body (a long-running server's RSS otherwise
    keeps the high-water mark of every upload's transient buffers)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _write_all(fd: int, data, offset: int) -> None:
    view = memoryview(data)
    start = offset
    while view:
        n = os.pwrite(fd, view, offset)
        view = view[n:]
        offset += n
    if _sync_file_range is not None:
        _sync_file_range(fd, start, offset - start, _SYNC_FILE_RANGE_WRITE)


def _pump(raw: RawReader, fd: int, offset: int, hasher: Hasher) -> int:
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
                in_flight.append(
                    (
                        view,
                        [
                            _POOL.submit(_write_batch, fd, dfd, data, offset + total),
                            hash_thread.submit(hasher.update, data),
                        ],
                    )
                )
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


async def ingest(body: IncomingBody, fd: int, offset: int, hasher: Hasher, limit: int | None = None) -> int:
    """Write the body at ``offset`` while hashing it; bytes written. A raw body (``RawReader``) is
    read from the socket in a thread; else the body's ``stream()`` is used."""
    loop = asyncio.get_running_loop()
    raw = body.raw_body()
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
