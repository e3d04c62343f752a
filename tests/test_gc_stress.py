"""Online garbage collection under load: clients push images (sharing layers) and delete tags
against a live ``specgen serve`` while garbage collection runs again and again on the same storage
(through a driver of its own, as ``specgen gc`` in another process would). Afterwards every image
still tagged is pulled and every byte checked. Bounded: a few seconds of pushing."""

from __future__ import annotations

import asyncio
import time

import pytest
from gc_load import PushLoad
from peers import start_specgen

from specgen.registry import gc
from specgen.registry.storage.filesystem import FilesystemDriver

pytestmark = pytest.mark.slow

PUSH_SECONDS = 3.0
#: The pushing goes on past PUSH_SECONDS until a run has collected something, up to this bound.
MAX_SECONDS = 10.0
PUSHERS = 3
#: Short, so that tags deleted early in the run are collected while pushes go on.
GRACE = 1.0


@pytest.fixture
def server(tmp_path):
    peer = start_specgen(tmp_path / "serve", extra_args=["--no-access-log"])
    yield peer
    peer.stop()


def test_pushes_and_tag_deletes_during_repeated_gc_lose_no_tagged_byte(server):
    url, root = server.url, server.extra["root"]
    start = time.monotonic()
    load = PushLoad(url, "stress", PUSHERS).start()
    runs: list[gc.Report] = []

    async def collect_while_pushing() -> None:
        driver = FilesystemDriver(root)
        while load.alive():
            runs.append(await gc.collect(driver, grace=GRACE, delete_untagged=True, upload_ttl=3600))
            elapsed = time.monotonic() - start
            if elapsed > MAX_SECONDS or (elapsed > PUSH_SECONDS and any(r.blobs_deleted for r in runs)):
                load.stop.set()

    try:
        asyncio.run(collect_while_pushing())
    finally:
        load.join()
    pushed, deleted = load.pushed, load.deleted
    assert len(runs) >= 2 and pushed > 2 * PUSHERS and deleted > 0
    concurrent = sum(len(r.blobs_deleted) for r in runs)
    assert concurrent > 0, [r.summary() for r in runs]  # runs freed blobs while pushes went on

    # nothing pushes now: a run without grace collects the rest of the garbage
    final = asyncio.run(gc.collect(FilesystemDriver(root), grace=0, delete_untagged=True))
    print(f"{pushed} images pushed, {deleted} deleted, {len(runs)} gc runs freed {concurrent} blobs "
          f"while pushing, the last one {len(final.blobs_deleted)}")

    load.check_tagged()
    # and what was freed is really gone: only the blobs of tagged images remain
    remaining = asyncio.run(FilesystemDriver(root).list_blobs())
    wanted = load.wanted()
    assert set(remaining) == wanted
