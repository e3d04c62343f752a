"""Load for the garbage collection stress tests: client threads push images (sharing layers) and
delete some of them again, remembering what stays tagged, until told to stop; the tests run GC
meanwhile and afterwards check every tagged byte (tests/test_gc_stress.py on a filesystem root,
tests/test_s3_gc_nodes.py over several S3 nodes)."""

from __future__ import annotations

import json
import os
import random
import threading

import httpx

from specgen.client import RegistryClient
from specgen.client.errors import APIError

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
SHARED = [f"shared layer {i} ".encode() * 500 for i in range(3)]


def push_image(client: RegistryClient, repo: str, tag: str, rng: random.Random) -> tuple[str, dict[str, bytes]]:
    """Push a config, a fresh layer and a shared one and an image over them; (digest, blobs)."""
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


class PushLoad:
    """``pushers`` threads pushing into ``<prefix>/r0`` and ``<prefix>/r1`` at ``url``; about half
    of their images are deleted again (by tag or by digest). ``tagged`` is what must survive."""

    def __init__(self, url: str, prefix: str, pushers: int, timeout: float = 30) -> None:
        self.url, self.prefix, self.timeout = url, prefix, timeout
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.tagged: dict[tuple[str, str], tuple[str, dict[str, bytes]]] = {}
        self.failures: list[BaseException] = []
        self.pushed = self.deleted = 0
        self.threads = [threading.Thread(target=self._push, args=(n,)) for n in range(pushers)]

    def start(self) -> PushLoad:
        for t in self.threads:
            t.start()
        return self

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def join(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(self.timeout)
        assert not self.failures, self.failures

    def check_tagged(self) -> None:
        """Every image still tagged pulls whole: its manifest by tag, each of its blobs byte for byte."""
        with RegistryClient(self.url, timeout=self.timeout) as client:
            for (repo, tag), (digest, blobs) in sorted(self.tagged.items()):
                manifest = client.get_manifest(repo, tag)
                assert manifest.digest == digest, (repo, tag)
                doc = manifest.json()
                for desc in [doc["config"], *doc["layers"]]:
                    assert client.pull_blob(repo, desc["digest"]) == blobs[desc["digest"]], (repo, tag, desc)

    def wanted(self) -> set[str]:
        """The digests of the tagged images and their blobs: all a collection must keep."""
        return {d for digest, blobs in self.tagged.values() for d in (digest, *blobs)}

    def _push(self, n: int) -> None:
        rng = random.Random(n)
        mine: list[tuple[str, str]] = []
        try:
            with RegistryClient(self.url, timeout=self.timeout) as client, \
                    httpx.Client(base_url=self.url, timeout=self.timeout) as raw:
                i = 0
                while not self.stop.is_set():
                    repo, tag = f"{self.prefix}/r{i % 2}", f"p{n}-{i}"
                    i += 1
                    digest, blobs = push_image(client, repo, tag, rng)
                    with self.lock:
                        self.tagged[(repo, tag)] = (digest, blobs)
                        self.pushed += 1
                    mine.append((repo, tag))
                    if len(mine) > 1 and rng.random() < 0.5:
                        repo, tag = mine.pop(rng.randrange(len(mine) - 1))
                        with self.lock:
                            digest = self.tagged.pop((repo, tag))[0]
                            self.deleted += 1
                        # untag, or delete the manifest itself (its blobs become garbage either way)
                        target = tag if rng.random() < 0.5 else digest
                        assert raw.delete(f"/v2/{repo}/manifests/{target}").status_code == 202
        except BaseException as exc:  # reported by join()
            self.failures.append(exc)
