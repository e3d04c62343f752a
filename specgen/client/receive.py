"""The receiving end of a pull: a response body into a file, hashed on the way, through a few
reused buffers, so memory stays at ``BUFFERS`` x ``BUFFER`` whatever the blob's size."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import IO, Any

from specgen.client.runtime import TransportError
from specgen.client.wire import WireResponse

#: receive buffers of a pull: how many, and how large (peak memory ~ BUFFERS x BUFFER). Measured
#: on 256 MiB pulls (docs/client.md, benchmarks/client.py --tune): 4 MiB buffers cost twice the
#: CPU of 256-512 KiB ones (each byte is touched three times, by recv, sha256 and write, and a
#: small buffer stays in cache); on a quieter machine 256 KiB ran fastest (~900 against ~680 MiB/s
#: for 512 KiB, and ~580 for one thread doing all three in turn)
BUFFERS = 8
BUFFER = 256 << 10
#: whether a pull hashes and writes in a second thread while the next buffer is received
PIPELINE = True


def pipe(resp: WireResponse, out: IO[bytes], h: Any, report: Callable[[int], None]) -> int:
    """Receive the body into ``out``, hashing it into ``h``; returns the byte count."""
    if not PIPELINE:
        return _pipe_serial(resp, out, h, report)
    return _pipe_threaded(resp, out, h, report)


def _pipe_serial(resp: WireResponse, out: IO[bytes], h: Any, report: Callable[[int], None]) -> int:
    """One thread: receive a buffer, hash it, write it, in turn."""
    view = memoryview(bytearray(BUFFER))
    done = 0
    while True:
        n = 0
        try:
            while n < len(view):
                got = resp.readinto(view[n:])
                if got == 0:
                    break
                n += got
        except (OSError, ConnectionError) as exc:
            if n:
                h.update(view[:n])
                out.write(view[:n])
                done += n
            raise TransportError(f"the blob download broke after {done} bytes: {exc!r}", cause=exc) from exc
        if n:
            h.update(view[:n])
            out.write(view[:n])
            done += n
            report(done)
        if n < len(view):
            return done


def _pipe_threaded(resp: WireResponse, out: IO[bytes], h: Any, report: Callable[[int], None]) -> int:
    """Receive the body into reused buffers; a thread hashes and writes each full buffer."""
    free: queue.Queue[bytearray] = queue.Queue()
    for _ in range(BUFFERS):
        free.put(bytearray(BUFFER))
    full: queue.Queue[tuple[bytearray, int] | None] = queue.Queue()
    failed: list[BaseException] = []

    def consume() -> None:
        try:
            while True:
                item = full.get()
                if item is None:
                    return
                buf, n = item
                view = memoryview(buf)[:n]
                h.update(view)
                out.write(view)
                free.put(buf)
        except BaseException as exc:  # noqa: BLE001 - re-raised by the receiving thread
            failed.append(exc)
            free.put(bytearray(0))

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    done = 0
    try:
        while True:
            buf = free.get()
            if failed:
                break
            view = memoryview(buf)
            n = 0
            try:
                while n < len(buf):
                    got = resp.readinto(view[n:])
                    if got == 0:
                        break
                    n += got
            except (OSError, ConnectionError) as exc:
                if n:
                    full.put((buf, n))
                    done += n
                raise TransportError(f"the blob download broke after {done} bytes: {exc!r}", cause=exc) from exc
            if n:
                full.put((buf, n))
                done += n
                report(done)
            if n < len(buf):
                break
    finally:
        full.put(None)
        worker.join()
    if failed:
        raise failed[0]
    return done
