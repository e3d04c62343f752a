"""Readiness: the storage can be written and read back (a probe blob of unique content, stored,
read, compared and deleted)."""

from __future__ import annotations

import hashlib
import os
import time
import uuid

from specgen.registry.storage.driver import StorageDriver, StorageUnavailable
from specgen.server.runtime import FileBody

#: A probe blob is tiny; a driver that returns more than this for it is broken.
_PROBE_MAX = 4096


async def _read(body: object) -> bytes:
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, FileBody):
        with open(body.path, "rb") as f:
            return os.pread(f.fileno(), min(body.count, _PROBE_MAX), body.offset)
    parts = []
    async for chunk in body:  # type: ignore[attr-defined]
        parts.append(chunk)
    return b"".join(parts)[:_PROBE_MAX]


async def storage_probe(driver: StorageDriver) -> None:
    """Raise when the storage cannot store a new blob and give the same bytes back."""
    data = f"specgen readiness probe {uuid.uuid4()} {time.time()}\n".encode()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    await driver.put_blob(digest, data)
    try:
        if await _read(await driver.read_blob(digest)) != data:
            raise StorageUnavailable("the probe blob read back differs from what was stored")
    finally:
        await driver.delete_blob(digest)
