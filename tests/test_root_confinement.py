"""Nothing in the filesystem driver follows a symlink out of its root: symlinks planted where the
purger walks, where blobs and links are read, and where links and sessions are written. Each case
puts something outside the root a symlink leads to and checks it is neither read, written nor
removed."""

from __future__ import annotations

import os
import time

import pytest
from storage_suite import Body, digest, run

from specgen.registry.storage import UploadUnknown
from specgen.registry.storage.driver import StorageUnavailable
from specgen.registry.storage.filesystem import FilesystemDriver


@pytest.fixture
def setup(tmp_path):
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").mkdir()
    (outside / "victim" / "precious").write_text("keep me")
    old = time.time() - 10 * 24 * 3600
    os.utime(outside / "victim" / "precious", (old, old))
    os.utime(outside / "victim", (old, old))
    return FilesystemDriver(root), root, outside


def test_purger_does_not_follow_a_symlinked_uploads_folder(setup):
    driver, root, outside = setup
    (root / "repositories" / "evil").mkdir(parents=True)
    os.symlink(outside, root / "repositories" / "evil" / "_uploads")
    (root / "repositories" / "evil" / "_layers").mkdir()
    run(driver.purge_uploads(60, now=time.time() + 365 * 24 * 3600))
    assert (outside / "victim" / "precious").read_text() == "keep me"


def test_purger_does_not_follow_a_symlinked_session(setup):
    driver, root, outside = setup
    info = run(driver.create_upload("good/repo"))
    uploads = root / "repositories" / "good" / "repo" / "_uploads"
    os.symlink(outside / "victim", uploads / "planted")
    removed = run(driver.purge_uploads(60, now=time.time() + 365 * 24 * 3600))
    assert removed == 1  # the real session, expired
    assert (outside / "victim" / "precious").read_text() == "keep me"
    assert not (uploads / info.id).exists()


def test_cancelling_a_symlinked_session_leaves_its_target(setup):
    driver, root, outside = setup
    run(driver.create_upload("good/repo"))
    uploads = root / "repositories" / "good" / "repo" / "_uploads"
    os.symlink(outside / "victim", uploads / "planted")
    with pytest.raises((UploadUnknown, StorageUnavailable)):
        run(driver.cancel_upload("good/repo", "planted"))
    assert (outside / "victim" / "precious").read_text() == "keep me"


def test_blob_reads_do_not_follow_a_planted_symlink(setup):
    driver, root, outside = setup
    data = b"outside the root"
    d = digest(data)
    hexd = d.split(":")[1]
    (outside / "data").write_bytes(data)
    folder = root / "blobs" / "sha256" / hexd[:2]
    folder.mkdir(parents=True)
    os.symlink(outside, folder / hexd)
    with pytest.raises(StorageUnavailable):
        run(driver.read_blob(d))
    with pytest.raises(StorageUnavailable):
        run(driver.stat_blob(d))


def test_tag_reads_do_not_follow_a_planted_symlink(setup):
    driver, root, outside = setup
    (outside / "link").write_text("sha256:" + "0" * 64)
    current = root / "repositories" / "r" / "_manifests" / "tags" / "latest" / "current"
    current.mkdir(parents=True)
    os.symlink(outside / "link", current / "link")
    with pytest.raises(StorageUnavailable):
        run(driver.get_tag("r", "latest"))


def test_writes_do_not_follow_a_planted_symlink(setup):
    driver, root, outside = setup
    data = b"a layer"
    info = run(driver.create_upload("r"))
    run(driver.commit_upload("r", info.id, Body(data), digest(data)))
    target = outside / "layers"
    target.mkdir()
    other = root / "repositories" / "other"
    other.mkdir()
    os.symlink(target, other / "_layers")
    with pytest.raises(StorageUnavailable):
        run(driver.link_blob("other", digest(data)))
    assert list(target.iterdir()) == []
    os.symlink(outside, other / "_manifests")
    with pytest.raises(StorageUnavailable):
        run(driver.set_tag("other", "v1", digest(data)))
    assert sorted(p.name for p in outside.iterdir()) == ["layers", "victim"]


def test_app_answers_a_planted_symlink_with_503_not_the_file(setup):
    """Through the app: the blob behind a symlink is not served; a 503 envelope, no path."""
    import asyncio
    import json

    from specgen.registry.app import create_app

    driver, root, outside = setup
    data = b"secret outside the root"
    d = digest(data)
    hexd = d.split(":")[1]
    (outside / "data").write_bytes(data)
    folder = root / "blobs" / "sha256" / hexd[:2]
    folder.mkdir(parents=True)
    os.symlink(outside, folder / hexd)
    (root / "repositories" / "r" / "_layers" / "sha256" / hexd).mkdir(parents=True)
    (root / "repositories" / "r" / "_layers" / "sha256" / hexd / "link").write_text(d)
    app = create_app("oci_v1_1", str(root))
    out: dict = {"body": b""}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    scope = {"type": "http", "method": "GET", "path": f"/v2/r/blobs/{d}", "query_string": b"",
             "headers": [(b"host", b"x")], "scheme": "http", "server": ("127.0.0.1", 1)}
    asyncio.run(app(scope, receive, send))
    assert out["status"] == 503
    assert json.loads(out["body"])["errors"][0]["code"] == "UNAVAILABLE"
    assert b"secret" not in out["body"] and str(outside).encode() not in out["body"]
