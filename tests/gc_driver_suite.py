"""What garbage collection asks of a storage driver (``list_blobs``, ``layers``,
``blob_modified``, ``touch_blob``, ``collect_blob``), as a suite any driver's test module runs:
define the ``driver`` fixture (a driver on empty storage) and ``from gc_driver_suite import *``.
Times are compared with the driver's own clock, so a driver on a remote store passes too."""

from __future__ import annotations

import asyncio
import hashlib

from specgen.registry import gc


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_gc_driver_lists_blobs_and_layer_links(driver):
    async def scenario():
        assert gc.supports_gc(driver)
        a, b = b"blob a", b"blob b"
        await driver.put_blob(_digest(a), a)
        await driver.put_blob(_digest(b), b)
        await driver.link_blob("lib/app", _digest(b))
        assert sorted(await driver.list_blobs()) == sorted([_digest(a), _digest(b)])
        assert await driver.layers("lib/app") == [_digest(b)]
        assert await driver.layers("lib/none") == []

    asyncio.run(scenario())


def test_gc_driver_touch_and_conditional_collect(driver):
    async def scenario():
        data = b"collect me"
        d = _digest(data)
        assert await driver.blob_modified(d) is None
        assert not await driver.touch_blob(d)
        assert await driver.collect_blob(d, 1e12) is None  # absent
        await driver.put_blob(d, data)
        stored = await driver.blob_modified(d)
        assert stored is not None
        assert await driver.collect_blob(d, stored - 1) is None  # younger than the cutoff: kept
        assert await driver.stat_blob(d) == len(data)
        assert await driver.touch_blob(d)
        assert await driver.blob_modified(d) >= stored
        assert await driver.collect_blob(d, stored + 3600) == len(data)  # older: removed, its size
        assert await driver.stat_blob(d) is None and d not in await driver.list_blobs()
        assert not await driver.touch_blob(d)

    asyncio.run(scenario())
