"""Garbage collection (``specgen.registry.gc``, ``specgen gc``): what a run keeps (tagged images,
index children, referrers of kept manifests, anything younger than the grace period) and frees,
and the protocol that keeps a push running meanwhile whole."""

from __future__ import annotations

import asyncio
import json
import os
import time

import pytest
from registry_harness import CheckedClient, digest

from specgen.cli import main
from specgen.descriptors import load_set
from specgen.errors import UserError
from specgen.registry import gc
from specgen.registry.app import create_app
from specgen.registry.storage.filesystem import FilesystemDriver

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


@pytest.fixture
def reg(tmp_path):
    client = CheckedClient(create_app("oci_v1_1", str(tmp_path / "root")), load_set("oci_v1_1"))
    client.root = tmp_path / "root"
    yield client
    client.close()


def run_gc(root, **kw) -> gc.Report:
    return asyncio.run(gc.collect(FilesystemDriver(root), **kw))


def age(root, seconds: float = 1000) -> None:
    """Every blob stored ``seconds`` ago (as if pushed long before the run)."""
    past = time.time() - seconds
    for path in (root / "blobs").rglob("data"):
        os.utime(path, (past, past))


def put_manifest(reg, repo: str, ref: str, doc: dict) -> str:
    body = json.dumps(doc).encode()
    r = reg.put(f"/v2/{repo}/manifests/{ref}", content=body, headers={"Content-Type": doc["mediaType"]})
    assert r.status_code == 201, r.text
    return r.headers["Docker-Content-Digest"]


def image(reg, repo: str, ref: str, layers: list[bytes], subject: dict | None = None) -> tuple[str, dict]:
    """Push an image's blobs and manifest; (its digest, the descriptor of it)."""
    cfg = json.dumps({"os": "linux", "layers": len(layers), "ref": ref}).encode()
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": reg.push_blob(repo, cfg),
                      "size": len(cfg)},
           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": reg.push_blob(repo, data),
                       "size": len(data)} for data in layers]}
    if subject is not None:
        doc["subject"] = subject
        doc["artifactType"] = "application/vnd.example.sig"
    d = put_manifest(reg, repo, ref, doc)
    return d, {"mediaType": OCI_MANIFEST, "digest": d, "size": len(json.dumps(doc).encode())}


def pull_all(reg, repo: str, ref: str, layers: list[bytes]) -> None:
    r = reg.get(f"/v2/{repo}/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200
    doc = r.json()
    for desc, data in zip(doc["layers"], layers, strict=True):
        assert reg.get(f"/v2/{repo}/blobs/{desc['digest']}").content == data
    assert reg.get(f"/v2/{repo}/blobs/{doc['config']['digest']}").status_code == 200


def test_untagged_images_are_collected_only_when_asked_and_shared_layers_stay(reg):
    shared, only_a, only_b = b"shared layer", b"layer of a", b"layer of b"
    image(reg, "lib/app", "a", [shared, only_a])
    b_digest, _ = image(reg, "lib/app", "b", [shared, only_b])
    assert reg.delete("/v2/lib/app/manifests/b").status_code == 202  # untag
    age(reg.root)
    report = run_gc(reg.root, grace=100)
    assert report.blobs_deleted == [] and report.manifests_deleted == []  # untagged manifests are kept by default
    assert report.manifests_kept == 2
    dry = run_gc(reg.root, grace=100, delete_untagged=True, dry_run=True)
    assert dry.manifests_deleted == [f"lib/app@{b_digest}"]
    assert set(dry.blobs_deleted) == {b_digest, digest(only_b), digest(json.dumps(
        {"os": "linux", "layers": 2, "ref": "b"}).encode())}
    assert reg.get(f"/v2/lib/app/manifests/{b_digest}").status_code == 200  # a dry run deletes nothing
    report = run_gc(reg.root, grace=100, delete_untagged=True)
    assert report.manifests_deleted == dry.manifests_deleted and report.blobs_deleted == dry.blobs_deleted
    assert report.bytes_freed == dry.bytes_freed > len(only_b)
    assert report.layer_links_removed == 2  # config and layer of b were linked into lib/app
    assert "freed" in report.summary()
    pull_all(reg, "lib/app", "a", [shared, only_a])
    assert reg.get(f"/v2/lib/app/manifests/{b_digest}").status_code == 404
    assert reg.get(f"/v2/lib/app/blobs/{digest(only_b)}").status_code == 404
    assert not (reg.root / "blobs" / "sha256" / digest(only_b)[7:9] / digest(only_b)[7:]).exists()
    # a manifest naming the collected layer is refused: its layer link went with it
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(only_a), "size": 10},
           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(only_b), "size": 10}]}
    r = reg.put("/v2/lib/app/manifests/c", content=json.dumps(doc).encode(), headers={"Content-Type": OCI_MANIFEST})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"
    assert run_gc(reg.root, grace=100, delete_untagged=True).blobs_deleted == []  # nothing left to do


def test_blobs_younger_than_the_grace_period_stay(reg):
    d = reg.push_blob("lib/app", b"uploaded, its manifest not pushed yet")
    report = run_gc(reg.root, grace=100)
    assert report.blobs_young == 1 and report.blobs_deleted == []
    age(reg.root, 50)
    assert run_gc(reg.root, grace=100).blobs_young == 1
    age(reg.root, 150)
    report = run_gc(reg.root, grace=100)
    assert report.blobs_deleted == [d] and report.layer_links_removed == 1


def test_index_children_and_referrers_of_kept_manifests_stay(reg):
    child, child_desc = image_by_digest(reg, "lib/multi", [b"amd64 layer"])
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX,
             "manifests": [{**child_desc, "platform": {"architecture": "amd64", "os": "linux"}}]}
    index_digest = put_manifest(reg, "lib/multi", "v1", index)
    index_desc = {"mediaType": OCI_INDEX, "digest": index_digest, "size": len(json.dumps(index).encode())}
    sig, _ = image_by_digest(reg, "lib/multi", [b"signature bytes"], subject=index_desc)
    age(reg.root)
    report = run_gc(reg.root, grace=100, delete_untagged=True)
    assert report.manifests_deleted == [] and report.blobs_deleted == []
    assert report.manifests_kept == 3
    # untag the index: the index, its child and the signature of it go, with their blobs
    assert reg.delete("/v2/lib/multi/manifests/v1").status_code == 202
    report = run_gc(reg.root, grace=100, delete_untagged=True)
    assert sorted(report.manifests_deleted) == sorted(f"lib/multi@{d}" for d in (child, index_digest, sig))
    assert digest(b"amd64 layer") in report.blobs_deleted and digest(b"signature bytes") in report.blobs_deleted
    assert reg.get(f"/v2/lib/multi/referrers/{index_digest}").json()["manifests"] == []


def image_by_digest(reg, repo, layers, subject=None):
    """An image pushed by digest (no tag)."""
    cfg = json.dumps({"os": "linux", "layers": [len(x) for x in layers]}).encode()
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": reg.push_blob(repo, cfg),
                      "size": len(cfg)},
           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": reg.push_blob(repo, data),
                       "size": len(data)} for data in layers]}
    if subject is not None:
        doc["subject"] = subject
        doc["artifactType"] = "application/vnd.example.sig"
    body = json.dumps(doc).encode()
    d = digest(body)
    put_manifest(reg, repo, d, doc)
    return d, {"mediaType": OCI_MANIFEST, "digest": d, "size": len(body)}


def test_a_touch_before_the_removal_keeps_the_blob_and_one_after_it_fails(tmp_path):
    driver = FilesystemDriver(tmp_path)
    data = b"old, unreferenced"
    d = digest(data)

    async def scenario():
        await driver.put_blob(d, data)
        age(tmp_path)
        cutoff = time.time() - 100
        assert await driver.touch_blob(d)  # a push references it just before the sweep reaches it
        assert await driver.collect_blob(d, cutoff) is None
        assert await driver.stat_blob(d) == len(data)
        age(tmp_path)
        assert await driver.collect_blob(d, cutoff) == len(data)
        assert not await driver.touch_blob(d)  # the push learns it is gone, and refuses its manifest

    asyncio.run(scenario())


def test_a_manifest_tagged_while_it_is_removed_is_put_back(reg, monkeypatch):
    """The race of an untagged manifest being pushed again by tag just as the run removes it."""
    layer = b"layer of an image tagged again"
    d, _ = image_by_digest(reg, "lib/race", [layer])
    age(reg.root)
    driver = FilesystemDriver(reg.root)
    original = driver.delete_manifest

    async def delete_then_push_again(name, digest_):
        removed = await original(name, digest_)
        await driver.set_tag(name, "again", digest_)  # what a concurrent PUT by tag does
        return removed

    monkeypatch.setattr(driver, "delete_manifest", delete_then_push_again)
    report = asyncio.run(gc.collect(driver, grace=100, delete_untagged=True))
    assert report.manifests_deleted == [] and report.blobs_deleted == []
    pull_all(reg, "lib/race", "again", [layer])


def test_old_upload_sessions_are_purged(reg):
    loc = reg.post("/v2/lib/app/blobs/uploads/").headers["Location"]
    assert run_gc(reg.root, grace=100, upload_ttl=3600).uploads_purged == 0
    for path in (reg.root / "repositories" / "lib" / "app" / "_uploads").rglob("*"):
        os.utime(path, (time.time() - 7200,) * 2)
    assert run_gc(reg.root, grace=100, upload_ttl=3600).uploads_purged == 1
    assert reg.get(loc).status_code == 404


def test_a_driver_without_the_gc_methods_is_refused():
    class Partial(FilesystemDriver):
        name = "partial"

    Partial.list_blobs = gc.StorageDriver.list_blobs  # as a driver that never implemented it
    with pytest.raises(UserError, match="cannot be garbage collected"):
        asyncio.run(gc.collect(Partial.__new__(Partial)))


def test_gc_command_reports_then_frees(reg, capsys, monkeypatch):
    for name in ("SPECGEN_DRIVER", "SPECGEN_DRIVER_PARAMS", "SPECGEN_STORAGE_ROOT", "SPECGEN_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    d = reg.push_blob("lib/app", b"garbage")
    age(reg.root)
    assert main(["gc", "--root", str(reg.root), "--dry-run", "--grace", "100"]) == 0
    out = capsys.readouterr().out
    assert "dry run" in out and f"blob {d}" in out
    assert reg.get(f"/v2/lib/app/blobs/{d}").status_code == 200
    assert main(["gc", "--root", str(reg.root), "--grace", "100", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["blobs_deleted"] == [d] and doc["bytes_freed"] == len(b"garbage")
    assert reg.get(f"/v2/lib/app/blobs/{d}").status_code == 404
    assert main(["gc", "--root", str(reg.root / "absent")]) == 2
    assert "no registry storage" in capsys.readouterr().err
    assert main(["gc", "--root", str(reg.root), "--grace", "-1"]) == 2
