"""``specgen fsck``: a clean root is clean; each kind of damage is found; ``--repair`` removes the
leftovers and nothing acknowledged; after a ``kill -9`` of a server in the middle of pushes, the
root has no errors and one repair makes it clean."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from peers import start_specgen
from storage_suite import Body, digest, run

from specgen.registry import fsck
from specgen.registry.storage.filesystem import FilesystemDriver

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def push_image(driver: FilesystemDriver, repo: str, tag: str, layer: bytes) -> str:
    config = json.dumps({"tag": tag}).encode()
    for blob in (layer, config):
        info = run(driver.create_upload(repo))
        run(driver.commit_upload(repo, info.id, Body(blob), digest(blob)))
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config),
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(layer),
                    "size": len(layer)}],
    }).encode()
    run(driver.put_manifest(repo, digest(manifest), manifest, OCI_MANIFEST, (tag,)))
    return digest(manifest)


def blob_file(root: Path, d: str) -> Path:
    hexd = d.split(":")[1]
    return root / "blobs" / "sha256" / hexd[:2] / hexd / "data"


def cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    return subprocess.run([sys.executable, "-m", "specgen", "fsck", *args], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.fixture
def pushed(tmp_path):
    root = tmp_path / "root"
    driver = FilesystemDriver(root)
    m = push_image(driver, "app/one", "v1", b"layer one" * 1000)
    run(driver.create_upload("app/one"))  # a session in progress is fine
    return driver, root, m


def test_clean_root_is_clean(pushed):
    _, root, _ = pushed
    report = fsck.check(root)
    assert report.clean, [str(f) for f in report.findings]
    assert (report.blobs, report.manifests, report.tags, report.uploads) == (3, 1, 1, 1)
    result = cli("--root", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s), 0 leftover(s)" in result.stderr


def test_corrupt_blob_is_an_error_repair_does_not_hide(pushed):
    _, root, m = pushed
    layer = blob_file(root, digest(b"layer one" * 1000))
    layer.write_bytes(b"bit rot")
    report = fsck.check(root)
    assert [f.severity for f in report.errors()] == ["error", "error"]  # the blob, and the manifest using it
    assert any("does not match its digest" in f.message for f in report.errors())
    result = cli("--root", str(root), "--repair")
    assert result.returncode == 1
    assert layer.exists(), "repair removed data it cannot know is unneeded"


def test_leftovers_found_and_repaired_without_touching_acknowledged_data(pushed):
    driver, root, m = pushed
    repo = root / "repositories" / "app" / "one"
    (root / "blobs" / "sha256" / ".tmp-123").write_bytes(b"half")  # a write cut before its rename
    (repo / "_manifests" / "tags" / "broken" / "current").mkdir(parents=True)
    (repo / "_manifests" / "tags" / "broken" / "current" / "link").write_bytes(b"")  # emptied by a crash
    orphan = b"never linked"
    od = digest(orphan)
    blob_file(root, od).parent.mkdir(parents=True)
    blob_file(root, od).write_bytes(orphan)
    dangling = "sha256:" + hashlib.sha256(b"gone").hexdigest()
    (repo / "_layers" / "sha256" / dangling[7:]).mkdir(parents=True)
    (repo / "_layers" / "sha256" / dangling[7:] / "link").write_text(dangling)
    bad_session = repo / "_uploads" / "11111111-2222-3333-4444-555555555555"
    bad_session.mkdir()
    (bad_session / "state.json").write_bytes(b"")
    report = fsck.check(root)
    assert not report.errors()
    found = {f.path for f in report.findings if f.severity == "leftover"}
    assert found == {
        "blobs/sha256/.tmp-123",
        "repositories/app/one/_manifests/tags/broken/current/link",
        f"blobs/sha256/{od[7:9]}/{od[7:]}/data",
        f"repositories/app/one/_layers/sha256/{dangling[7:]}/link",
        f"repositories/app/one/_uploads/{bad_session.name}",
    }
    assert cli("--root", str(root)).returncode == 1
    result = cli("--root", str(root), "--repair")
    assert result.returncode == 0, result.stdout + result.stderr
    assert fsck.check(root).clean
    assert run(driver.get_tag("app/one", "v1")) == m
    assert run(driver.get_manifest("app/one", m)) is not None
    assert not blob_file(root, od).exists()


def test_index_child_deleted_later_is_a_warning(pushed):
    driver, root, m = pushed
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": [{"mediaType": OCI_MANIFEST, "digest": m, "size": 1}]}).encode()
    run(driver.put_manifest("app/one", digest(index), index, "application/vnd.oci.image.index.v1+json", ("multi",)))
    assert fsck.check(root).clean
    run(driver.delete_tag("app/one", "v1"))
    run(driver.delete_manifest("app/one", m))
    report = fsck.check(root)
    assert report.clean
    assert [f.message for f in report.findings if f.severity == "warning"] == [
        f"index child {m} is not a manifest of the repository"
    ]


def test_bad_root_is_one_line_exit_2(tmp_path):
    result = cli("--root", str(tmp_path / "nothing"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.slow
def test_clean_after_kill_9_in_the_middle_of_pushes(tmp_path):
    peer = start_specgen(tmp_path / "server")
    root = peer.extra["root"]
    stop = threading.Event()

    def pusher(i: int) -> None:
        n = 0
        while not stop.is_set():
            data = os.urandom(1 << 20) + b"%d-%d" % (i, n)
            d = digest(data)
            req = urllib.request.Request(f"{peer.url}/v2/kill/r{i}/blobs/uploads/?digest={d}", data=data,
                                         method="POST", headers={"Content-Type": "application/octet-stream"})
            try:
                urllib.request.urlopen(req, timeout=10).close()
                manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                                       "config": {"mediaType": "application/octet-stream", "digest": d,
                                                  "size": len(data)}, "layers": []}).encode()
                req = urllib.request.Request(f"{peer.url}/v2/kill/r{i}/manifests/t{n % 3}", data=manifest,
                                             method="PUT", headers={"Content-Type": OCI_MANIFEST})
                urllib.request.urlopen(req, timeout=10).close()
            except (OSError, urllib.error.URLError):
                return
            n += 1

    threads = [threading.Thread(target=pusher, args=(i,), daemon=True) for i in range(4)]
    for t in threads:
        t.start()
    try:
        stop.wait(2.0)  # pushes in flight for a while (a fixed span, not a wait for readiness)
        os.kill(peer.pid, signal.SIGKILL)
        peer.proc.wait(10)
    finally:
        stop.set()
        for t in threads:
            t.join(15)
        peer.stop()
    report = fsck.check(root)
    assert report.blobs > 0
    assert not report.errors(), [str(f) for f in report.errors()]
    repaired = fsck.repair(root)
    assert repaired.clean, [str(f) for f in repaired.unrepaired()]
