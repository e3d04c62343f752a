"""Online garbage collection across several nodes on one S3 bucket (SeaweedFS): three
``specgen serve --driver s3`` nodes, each with its own periodic GC, behind the round-robin proxy;
clients push images (sharing layers) and delete tags through the proxy while two more collectors
run again and again on the same bucket (as ``specgen gc`` on other machines would), all with a
short grace period. Afterwards ``specgen gc --driver s3`` (the command line, keys from the
environment) collects what is left; every image still tagged pulls byte for byte, and only the
blobs of tagged images remain, with no collector's claim left behind. Bounded: a few seconds of
pushing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from gc_load import PushLoad
from seaweed import new_bucket, seaweedfs  # noqa: F401  (the session's SeaweedFS)
from test_s3_nodes import Cluster

from specgen.registry import gc
from specgen.registry.storage.s3 import S3Driver

pytestmark = [pytest.mark.interop, pytest.mark.slow]

PUSH_SECONDS = 3.0
#: The pushing goes on past PUSH_SECONDS until some run collected something, up to this bound.
MAX_SECONDS = 10.0
PUSHERS = 3
#: Short, so that tags deleted early are collected while pushes go on (the store's times are whole
#: seconds, rounded up: a blob is young for one to two seconds).
GRACE = 1.0


class GcCluster(Cluster):
    """The nodes of ``test_s3_nodes``, each running garbage collection every half second."""

    def _args(self) -> list[str]:
        return [*super()._args(), "--no-access-log", "--gc-interval", "0.5", "--gc-grace", str(GRACE),
                "--gc-delete-untagged"]


@pytest.fixture(scope="module")
def cluster(seaweedfs, tmp_path_factory) -> Iterator[GcCluster]:  # noqa: F811
    c = GcCluster(seaweedfs, new_bucket(seaweedfs, "gc"), tmp_path_factory.mktemp("s3-gc-nodes"))
    c.start()
    try:
        yield c
    finally:
        c.stop_nodes()
        if c.proxy is not None:
            c.proxy.stop()


def _gc_command(cluster: GcCluster, *args: str) -> subprocess.CompletedProcess:
    """``specgen gc --driver s3 ...`` in a process of its own, the store's keys in its environment."""
    env = {**os.environ, **cluster._env(), "PYTHONPATH": os.pathsep.join(sys.path)}
    argv = [sys.executable, "-m", "specgen", "gc", "--driver", "s3",
            "--driver-param", f"regionendpoint={cluster.store.endpoint}",
            "--driver-param", f"bucket={cluster.bucket}", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)


def _gc_runs(node_url: str) -> float:
    """The node's ``specgen_gc_runs_total{result="ok"}``, read with prometheus-client's parser."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(node_url + "/metrics", timeout=30).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "specgen_gc_runs_total" and sample.labels.get("result") == "ok":
                return sample.value
    return 0.0


def test_pushes_through_three_nodes_during_repeated_gc_lose_no_tagged_byte(cluster):
    url = cluster.url
    start = time.monotonic()
    load = PushLoad(url, "gc", PUSHERS, timeout=60).start()
    runs: list[gc.Report] = []
    params = cluster.store.params(cluster.bucket)

    async def collect_while_pushing() -> None:
        collectors = [S3Driver(**params), S3Driver(**params)]  # two more, racing each other and the nodes
        try:
            while load.alive():
                runs.extend(await asyncio.gather(
                    *(gc.collect(d, grace=GRACE, delete_untagged=True, upload_ttl=3600) for d in collectors)))
                elapsed = time.monotonic() - start
                if elapsed > MAX_SECONDS or (elapsed > PUSH_SECONDS and any(r.blobs_deleted for r in runs)):
                    load.stop.set()
        finally:
            for d in collectors:
                await d.close()

    try:
        asyncio.run(collect_while_pushing())
    finally:
        load.join()
    pushed, deleted = load.pushed, load.deleted
    assert len(runs) >= 4 and pushed > 2 * PUSHERS and deleted > 0
    assert sum(len(r.blobs_deleted) for r in runs) > 0, [r.summary() for r in runs]
    assert all(_gc_runs(node.url) > 0 for node in cluster.nodes)  # every node's periodic GC ran too
    nodes_served = {i for i, _, _ in cluster.proxy.log}
    assert nodes_served == set(range(len(cluster.nodes)))

    # nothing pushes now; once the last pushes are older than the store's whole-second times,
    # `specgen gc` with no grace collects the rest of the garbage
    settled = time.time() + 1.5
    while time.time() < settled:  # a clock to pass, not a server to wait for (bounded)
        time.sleep(0.1)
    final = _gc_command(cluster, "--grace", "0", "--delete-untagged", "--json")
    assert final.returncode == 0, final.stderr
    report = json.loads(final.stdout)
    print(f"{pushed} images pushed, {deleted} deleted, {len(runs)} gc runs freed "
          f"{sum(len(r.blobs_deleted) for r in runs)} blobs while pushing, `specgen gc` "
          f"{len(report['blobs_deleted'])} after")

    load.check_tagged()

    async def left() -> tuple[list[str], list[str]]:
        d = S3Driver(**params)
        try:
            return await d.list_blobs(), await d.s3.keys(d.keys.blobs)
        finally:
            await d.close()

    remaining, keys = asyncio.run(left())
    wanted = load.wanted()
    assert set(remaining) == wanted  # what was freed is gone: only the blobs of tagged images remain
    assert not [k for k in keys if k.endswith("/gc")]  # no claim left behind
    assert not [k for k in keys if k.endswith("/touched") and k[: -len("touched")] + "data" not in keys]


def test_gc_command_refuses_bad_s3_configuration_with_one_line(cluster):
    bad = [
        ("--driver-param", "bucket=no-such-bucket-gc"),  # a missing bucket
        ("--driver-param", "chunksize=12"),  # below S3's part minimum
    ]
    for args in bad:
        r = _gc_command(cluster, *args, "--dry-run")
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, (args, r.stderr)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPECGEN_S3")}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    r = subprocess.run([sys.executable, "-m", "specgen", "gc", "--driver", "s3", "--driver-param",
                        f"regionendpoint={cluster.store.endpoint}"], capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "bucket" in r.stderr, r.stderr


def test_gc_command_on_s3_from_a_config_file(cluster, tmp_path):
    """``specgen gc --config`` with ``storage.driver: s3``: a dry run names the garbage and keeps
    it, a run deletes it (a prefix of the bucket no node serves, so only this command collects)."""
    prefix = f"cli-{os.getpid()}"
    data = b"garbage for the command line"
    params = cluster.store.params(cluster.bucket, rootdirectory=prefix)

    async def put() -> tuple[str, float]:
        import hashlib

        d = "sha256:" + hashlib.sha256(data).hexdigest()
        driver = S3Driver(**params)
        try:
            await driver.put_blob(d, data)
            return d, await driver.blob_modified(d) or 0.0
        finally:
            await driver.close()

    digest, stored = asyncio.run(put())
    config = tmp_path / "registry.yml"
    config.write_text(f"storage:\n  driver: s3\n  parameters:\n    regionendpoint: {cluster.store.endpoint}\n"
                      f"    bucket: {cluster.bucket}\n    rootdirectory: {prefix}\ngc:\n  grace: 0\n")
    while time.time() <= stored:  # the store's whole-second time must pass (bounded: about a second)
        time.sleep(0.05)
    env = {**os.environ, **cluster._env(), "PYTHONPATH": os.pathsep.join(sys.path)}

    def gc_cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "specgen", "gc", "--config", str(config), *args],
                              capture_output=True, text=True, timeout=120, env=env)

    dry = gc_cli("--dry-run")
    assert dry.returncode == 0 and f"blob {digest}" in dry.stdout, dry.stdout + dry.stderr
    real = gc_cli("--json")
    assert real.returncode == 0, real.stderr
    report = json.loads(real.stdout)
    assert report["blobs_deleted"] == [digest] and report["bytes_freed"] == len(data)
    config.write_text(config.read_text().replace("driver: s3", "driver: s4"))
    bad = gc_cli()
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "s4" in bad.stderr, bad.stderr
