"""The garbage collection suite (``gc_driver_suite``) on the S3 driver over SeaweedFS, and the
S3 claim protocol's own cases: a touch racing a collection, two collectors, a dead collector's
claim."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Iterator

import pytest
from gc_driver_suite import *  # noqa: F403  (the suite's tests run here, on this driver)
from seaweed import fresh_prefix, seaweedfs, seaweedfs_bucket  # noqa: F401  (the session's SeaweedFS)

from specgen.registry import gc
from specgen.registry.storage.s3 import S3Driver

pytestmark = pytest.mark.interop  # a real object store: SeaweedFS


@pytest.fixture
def opened() -> Iterator[list[S3Driver]]:
    drivers: list[S3Driver] = []
    yield drivers
    for d in drivers:
        asyncio.run(d.close())


@pytest.fixture
def make(seaweedfs, seaweedfs_bucket, opened):  # noqa: F811
    prefix = fresh_prefix()

    def another() -> S3Driver:
        d = S3Driver(**seaweedfs.params(seaweedfs_bucket, rootdirectory=prefix))
        opened.append(d)
        return d

    return another


@pytest.fixture
def driver(make) -> S3Driver:
    return make()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


async def _until_older(driver: S3Driver, digests: list[str]) -> None:
    """Wait (bounded) until the blobs' times are in the past: the store's are whole seconds, rounded up."""
    stored = max([await driver.blob_modified(d) or 0.0 for d in digests])
    deadline = time.time() + 10
    while time.time() <= stored:
        assert time.time() < deadline
        await asyncio.sleep(0.05)


def test_s3_touch_racing_collection_never_loses_a_touched_blob(make):
    """Rounds of a touch on one node against a collection on another, started together, the blob
    older than the cutoff and the touch after it: either the touch said True and the blob is kept,
    or the blob is gone and the touch said False. Never both True and gone."""
    node, collector = make(), make()
    rounds = 30

    async def scenario():
        blobs = [b"race %d" % i for i in range(rounds)]
        await asyncio.gather(*(node.put_blob(_digest(b), b) for b in blobs))
        await _until_older(node, [_digest(b) for b in blobs])
        outcomes = []
        for i, data in enumerate(blobs):
            d = _digest(data)
            cutoff = time.time()
            touched, freed = await asyncio.gather(node.touch_blob(d), collector.collect_blob(d, cutoff))
            present = await node.stat_blob(d) is not None
            assert not (touched and not present), f"round {i}: touch said True, blob collected"
            assert present == (freed is None), f"round {i}: freed={freed} present={present}"
            assert touched or not present, f"round {i}: touch said False, blob still there"
            assert not await collector.s3.exists(collector.keys.claim(d))  # no claim left behind
            outcomes.append(present)
        return outcomes

    outcomes = asyncio.run(scenario())
    assert len(outcomes) == rounds


def test_s3_two_collectors_free_a_blob_once(make):
    a, b = make(), make()

    async def scenario():
        data = b"two collectors"
        d = _digest(data)
        await a.put_blob(d, data)
        freed = await asyncio.gather(a.collect_blob(d, time.time() + 3600), b.collect_blob(d, time.time() + 3600))
        assert sorted(freed, key=lambda f: f is None) == [len(data), None]
        assert await a.stat_blob(d) is None

    asyncio.run(scenario())


def test_s3_a_dead_collectors_claim_is_taken_over(make):
    d1 = make()

    async def scenario():
        data = b"dead collector"
        d = _digest(data)
        await d1.put_blob(d, data)
        claim = d1.keys.claim(d)
        await d1.s3.put(claim, json.dumps({"by": "dead", "expires": time.time() + 60}).encode())
        assert await d1.collect_blob(d, time.time() + 3600) is None  # a live claim: left to its holder
        await d1.s3.put(claim, json.dumps({"by": "dead", "expires": time.time() - 1}).encode())
        assert await d1.touch_blob(d)  # an expired one: the touch takes it over and ends it
        assert not await d1.s3.exists(claim)
        await d1.s3.put(claim, json.dumps({"by": "dead", "expires": time.time() - 1}).encode())
        assert await d1.collect_blob(d, time.time() + 3600) == len(data)  # a collector takes it over
        assert not await d1.s3.exists(claim)

    asyncio.run(scenario())


def test_s3_gc_run_frees_unreferenced_and_cleans_markers(make):
    d1 = make()

    async def scenario():
        data = b"orphan"
        d = _digest(data)
        await d1.put_blob(d, data)
        await d1.link_blob("lib/x", d)
        assert await d1.touch_blob(d)
        assert await d1.s3.exists(d1.keys.touched(d))
        await _until_older(d1, [d])
        report = await gc.collect(d1, grace=0.0)
        assert report.blobs_total == 1  # markers are not blobs
        assert report.blobs_deleted == [d] and report.bytes_freed == len(data)
        assert report.layer_links_removed == 1
        assert await d1.list_blobs() == []
        assert await d1.layers("lib/x") == []
        left = await d1.s3.keys(d1.keys.blobs)
        assert left == [], left  # no touched marker, no claim

    asyncio.run(scenario())
