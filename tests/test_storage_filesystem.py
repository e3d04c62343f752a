"""The filesystem storage driver: the driver suite (``storage_suite``), the factory, and what is
the filesystem driver's own (zero-copy bodies, crash behaviour, expiry by file times)."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from storage_suite import *  # noqa: F403  (the suite's tests run here, on this driver)
from storage_suite import Body, digest, run

from specgen.errors import UserError
from specgen.registry.storage import StorageDriver, UploadUnknown, factory
from specgen.registry.storage.filesystem import FilesystemDriver
from specgen.server.runtime import FileBody


@pytest.fixture
def driver(tmp_path) -> FilesystemDriver:
    return FilesystemDriver(tmp_path / "root")


@pytest.fixture
def reopen(tmp_path):
    return lambda: FilesystemDriver(tmp_path / "root")


def test_factory_builds_drivers_by_name(tmp_path):
    assert "filesystem" in factory.names()
    d = factory.create("filesystem", root=str(tmp_path / "r"))
    assert isinstance(d, FilesystemDriver) and isinstance(d, StorageDriver)
    with pytest.raises(UserError, match="unknown storage driver 'nope'"):
        factory.create("nope")
    with pytest.raises(UserError, match="filesystem"):
        factory.create("filesystem", bucket="x")  # not one of its parameters
    with pytest.raises(ValueError):
        factory.register("filesystem", type("Other", (FilesystemDriver,), {}))


def test_blob_bodies_are_files_sent_zero_copy(driver):
    data = b"z" * 1000
    run(driver.put_blob(digest(data), data))
    body = run(driver.read_blob(digest(data), 10, 20))
    assert isinstance(body, FileBody) and (body.offset, body.count) == (10, 20)


def test_abandoned_uploads_expire_by_the_time_their_files_were_touched(driver):
    old = run(driver.create_upload("a/b"))
    fresh = run(driver.create_upload("c"))
    long_ago = time.time() - 3600
    for p in driver.layout.upload("a/b", old.id).iterdir():
        os.utime(p, (long_ago, long_ago))
    assert run(driver.purge_uploads(600)) == 1
    assert not driver.layout.upload("a/b", old.id).exists()
    assert run(driver.upload_status("c", fresh.id)).offset == 0


def test_upload_whose_data_was_lost_is_reported_unknown(driver):
    """After a machine crash an acknowledged chunk may be missing from the data file: the session
    is then reported unknown (the client starts over) rather than resumed with a hole."""
    st = run(driver.create_upload("r"))
    run(driver.append_upload("r", st.id, Body(b"x" * 1000)))
    os.truncate(driver.layout.upload("r", st.id) / "data", 10)
    with pytest.raises(UploadUnknown):
        run(driver.append_upload("r", st.id, Body(b"x" * 1000)))
    with pytest.raises(UploadUnknown):
        run(driver.upload_status("r", st.id))


def test_committed_blob_is_in_distributions_layout(driver):
    async def go():
        info = await driver.create_upload("lib/app")
        await driver.commit_upload("lib/app", info.id, Body(b"hello"), digest(b"hello"))
    asyncio.run(go())
    hexd = digest(b"hello").split(":")[1]
    assert (driver.root / "blobs" / "sha256" / hexd[:2] / hexd / "data").read_bytes() == b"hello"
    assert (driver.root / "repositories" / "lib/app" / "_layers" / "sha256" / hexd / "link").exists()
