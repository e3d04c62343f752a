"""Online garbage collection under load: clients push images (sharing layers) and delete tags
against a live ``specgen serve`` while garbage collection runs again and again on the same storage
(through a driver of its own, as ``specgen gc`` in another process would). Afterwards every image
still tagged is pulled and every byte checked. Bounded: a few seconds of pushing."""

from __future__ import annotations

import asyncio
import json
import os
import random
import threading
import time

import httpx
import pytest
from peers import start_specgen

from specgen.client import RegistryClient
from specgen.client.errors import APIError
from specgen.registry import gc
from specgen.registry.storage.filesystem import FilesystemDriver

pytestmark = pytest.mark.slow

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
PUSH_SECONDS = 3.0
#: The pushing goes on past PUSH_SECONDS until a run has collected something, up to this bound.
MAX_SECONDS = 10.0
PUSHERS = 3
#: Short, so that tags deleted early in the run are collected while pushes go on.
GRACE = 1.0
SHARED = [f"shared layer {i} ".encode() * 500 for i in range(3)]


@pytest.fixture
def server(tmp_path):
    peer = start_specgen(tmp_path / "serve", extra_args=["--no-access-log"])
    yield peer
    peer.stop()


def push_image(client: RegistryClient, repo: str, tag: str, rng: random.Random) -> tuple[str, dict[str, bytes]]:
    layers = [os.urandom(rng.randint(1, 32 << 10)), rng.choice(SHARED)]
    config = json.dumps({"os": "linux", "tag": tag, "n": rng.random()}).encode()
    for attempt in range(3):
        try:
            blobs = {client.push_blob(repo, data): data for data in (config, *layers)}
            digests = list(blobs)
            doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                   "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digests[0],
                              "size": len(config)},
                   "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d,
                               "size": len(blobs[d])} for d in digests[1:]]}
            return client.push_manifest(repo, tag, doc), blobs
        except APIError as exc:
            # a blob collected between its upload and the manifest (an upload older than the
            # grace period, or an old shared layer): the registry refuses the manifest, the client
            # uploads again; never a manifest stored over missing blobs
            assert exc.code in ("MANIFEST_BLOB_UNKNOWN", "BLOB_UNKNOWN"), exc
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def test_pushes_and_tag_deletes_during_repeated_gc_lose_no_tagged_byte(server):
    url, root = server.url, server.extra["root"]
    start = time.monotonic()
    stop = threading.Event()
    tagged: dict[tuple[str, str], tuple[str, dict[str, bytes]]] = {}
    lock = threading.Lock()
    failures: list[BaseException] = []
    pushed = deleted = 0

    def pusher(n: int) -> None:
        nonlocal pushed, deleted
        rng = random.Random(n)
        mine: list[tuple[str, str]] = []
        try:
            with RegistryClient(url, timeout=30) as client, httpx.Client(base_url=url, timeout=30) as raw:
                i = 0
                while not stop.is_set():
                    repo, tag = f"stress/r{i % 2}", f"p{n}-{i}"
                    i += 1
                    digest, blobs = push_image(client, repo, tag, rng)
                    with lock:
                        tagged[(repo, tag)] = (digest, blobs)
                        pushed += 1
                    mine.append((repo, tag))
                    if len(mine) > 1 and rng.random() < 0.5:
                        repo, tag = mine.pop(rng.randrange(len(mine) - 1))
                        with lock:
                            digest = tagged.pop((repo, tag))[0]
                            deleted += 1
                        # untag, or delete the manifest itself (its blobs become garbage either way)
                        target = tag if rng.random() < 0.5 else digest
                        assert raw.delete(f"/v2/{repo}/manifests/{target}").status_code == 202
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=pusher, args=(n,)) for n in range(PUSHERS)]
    for t in threads:
        t.start()
    runs: list[gc.Report] = []

    async def collect_while_pushing() -> None:
        driver = FilesystemDriver(root)
        while any(t.is_alive() for t in threads):
            runs.append(await gc.collect(driver, grace=GRACE, delete_untagged=True, upload_ttl=3600))
            elapsed = time.monotonic() - start
            if elapsed > MAX_SECONDS or (elapsed > PUSH_SECONDS and any(r.blobs_deleted for r in runs)):
                stop.set()

    asyncio.run(collect_while_pushing())
    for t in threads:
        t.join(30)
    assert not failures, failures
    assert len(runs) >= 2 and pushed > 2 * PUSHERS and deleted > 0
    concurrent = sum(len(r.blobs_deleted) for r in runs)
    assert concurrent > 0, [r.summary() for r in runs]  # runs freed blobs while pushes went on

    # nothing pushes now: a run without grace collects the rest of the garbage
    final = asyncio.run(gc.collect(FilesystemDriver(root), grace=0, delete_untagged=True))
    print(f"{pushed} images pushed, {deleted} deleted, {len(runs)} gc runs freed {concurrent} blobs "
          f"while pushing, the last one {len(final.blobs_deleted)}")

    with RegistryClient(url, timeout=30) as client:
        for (repo, tag), (digest, blobs) in sorted(tagged.items()):
            manifest = client.get_manifest(repo, tag)
            assert manifest.digest == digest, (repo, tag)
            doc = manifest.json()
            for desc in [doc["config"], *doc["layers"]]:
                assert client.pull_blob(repo, desc["digest"]) == blobs[desc["digest"]], (repo, tag, desc)
    # and what was freed is really gone: only the blobs of tagged images remain
    remaining = asyncio.run(FilesystemDriver(root).list_blobs())
    wanted = {d for digest, blobs in tagged.values() for d in (digest, *blobs)}
    assert set(remaining) == wanted
