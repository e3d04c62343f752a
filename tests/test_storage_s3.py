"""The S3 storage driver on a real object store (SeaweedFS, ``tests/seaweed.py``): the driver suite
(``storage_suite``), then what is the S3 driver's own: multipart uploads resumed across
instances, the configuration checks at start, the bucket layout, presigned redirects, outages."""

from __future__ import annotations

import asyncio
import os
import urllib.request
from collections.abc import Iterator

import pytest
from seaweed import fresh_prefix, seaweedfs, seaweedfs_bucket  # noqa: F401  (the session's SeaweedFS)
from storage_suite import *  # noqa: F403  (the suite's tests run here, on this driver)
from storage_suite import Body, RawBody, digest, read_all, run

from specgen.errors import UserError
from specgen.registry.storage import StorageDriver, UploadUnknown, factory
from specgen.registry.storage.driver import StorageUnavailable
from specgen.registry.storage.s3 import S3Driver
from specgen.registry.storage.s3.config import MIN_PART

pytestmark = pytest.mark.interop  # a real object store: SeaweedFS


@pytest.fixture
def bucket(seaweedfs_bucket) -> str:  # noqa: F811
    return seaweedfs_bucket


@pytest.fixture
def prefix() -> str:
    return fresh_prefix()


@pytest.fixture
def opened() -> Iterator[list[S3Driver]]:
    """Drivers a test opened, closed when it ends (their connections)."""
    drivers: list[S3Driver] = []
    yield drivers
    for d in drivers:
        run(d.close())


@pytest.fixture
def driver(seaweedfs, bucket, prefix, opened) -> S3Driver:  # noqa: F811
    d = S3Driver(**seaweedfs.params(bucket, chunksize=str(MIN_PART), rootdirectory=prefix))
    opened.append(d)
    return d


@pytest.fixture
def reopen(seaweedfs, bucket, prefix, opened):  # noqa: F811
    def another() -> S3Driver:
        d = S3Driver(**seaweedfs.params(bucket, chunksize=str(MIN_PART), rootdirectory=prefix))
        opened.append(d)
        return d
    return another


def test_factory_builds_the_s3_driver(seaweedfs, bucket):  # noqa: F811
    assert "s3" in factory.names()
    d = factory.create("s3", **seaweedfs.params(bucket))
    assert isinstance(d, S3Driver) and isinstance(d, StorageDriver)
    with pytest.raises(UserError, match="'bucket' parameter is required"):
        factory.create("s3", regionendpoint=seaweedfs.endpoint)
    with pytest.raises(UserError, match="chunksize"):
        factory.create("s3", **seaweedfs.params(bucket, chunksize="1000"))


def test_configuration_errors_are_one_clear_line(seaweedfs, bucket):  # noqa: F811
    from peers import free_port

    with pytest.raises(UserError, match="does not exist"):
        S3Driver(**seaweedfs.params("no-such-bucket"))
    with pytest.raises(UserError, match="refused the credentials"):
        S3Driver(**{**seaweedfs.params(bucket), "secretkey": "wrong"})
    with pytest.raises(UserError, match="cannot reach"):
        S3Driver(**{**seaweedfs.params(bucket), "regionendpoint": f"http://127.0.0.1:{free_port()}"})


def test_credentials_from_the_environment(seaweedfs, bucket, monkeypatch, opened):  # noqa: F811
    params = seaweedfs.params(bucket)
    monkeypatch.setenv("SPECGEN_S3_ACCESS_KEY", params.pop("accesskey"))
    monkeypatch.setenv("SPECGEN_S3_SECRET_KEY", params.pop("secretkey"))
    d = S3Driver(**params)
    opened.append(d)
    run(d.put_blob(digest(b"env"), b"env"))
    assert run(d.stat_blob(digest(b"env"))) == 3
    assert "secret" not in repr(d.config).lower() or params.get("secretkey") is None


def test_multipart_upload_continued_by_other_instances(driver, reopen):
    """Chunks smaller than a part are buffered in the bucket; parts become a multipart upload;
    every request on another instance (as POST on node A, PATCH on B, PUT on C)."""
    data = os.urandom(2 * MIN_PART + 12345)
    chunks = [data[:1000], data[1000:MIN_PART + 7], data[MIN_PART + 7:2 * MIN_PART + 100], data[2 * MIN_PART + 100:]]

    async def go():
        info = await driver.create_upload("lib/big")
        at = 0
        for chunk in chunks[:-1]:
            node = reopen()
            info = await node.append_upload("lib/big", info.id, Body(chunk), at, at + len(chunk) - 1)
            at += len(chunk)
            assert info.offset == at
        node = reopen()
        assert await node.commit_upload("lib/big", info.id, RawBody(chunks[-1]), digest(data), at) == len(data)
        assert await read_all(driver, digest(data)) == data
        assert await read_all(driver, digest(data), MIN_PART - 5, 10) == data[MIN_PART - 5:MIN_PART + 5]
        assert await driver.list_uploads() == []
    run(go())


def test_monolithic_upload_goes_straight_to_the_blob_key(driver):
    data = os.urandom(MIN_PART + 999)

    async def go():
        info = await driver.create_upload("r")
        bad = digest(b"something else")
        with pytest.raises(Exception) as err:
            await driver.commit_upload("r", info.id, RawBody(data), bad)
        assert type(err.value).__name__ == "DigestMismatch"
        assert await driver.stat_blob(bad) is None  # the multipart upload was aborted, not completed
        info = await driver.create_upload("r")
        assert await driver.commit_upload("r", info.id, RawBody(data), digest(data)) == len(data)
        keys = await driver.s3.keys(driver.keys.prefix)
        assert driver.keys.blob(digest(data)) in keys
        assert not [k for k in keys if k.startswith(driver.keys.uploads)]  # nothing left of the session
    run(go())


def test_bucket_layout(driver):
    m = b'{"schemaVersion":2}'
    d = digest(m)

    async def go():
        await driver.put_manifest("lib/app", d, m, "application/vnd.oci.image.manifest.v1+json", tags=("v1",))
        return {k[len(driver.keys.prefix):] for k in await driver.s3.keys(driver.keys.prefix)}
    hexd = d.split(":")[1]
    assert driver.keys.prefix.endswith("/")  # the rootdirectory parameter
    assert run(go()) == {f"blobs/sha256/{hexd[:2]}/{hexd}/data", "_catalog/lib/app",
                         f"repositories/lib/app/_manifests/revisions/sha256/{hexd}/link",
                         "repositories/lib/app/_manifests/tags/v1"}


def test_catalog_after_a_name_that_is_a_prefix_of_others(driver):
    """``last=a/x`` must list ``a/x/...`` next (they sort right after it): SeaweedFS's StartAfter
    skips a whole "folder" it names, so the driver asks for what is under it apart."""
    async def scenario():
        for repo in ["a/x/c-0", "a/x/c-1", "a/x-y", "b/y"]:
            await driver.link_blob(repo, digest(b"x"))
        assert await driver.repositories() == ["a/x-y", "a/x/c-0", "a/x/c-1", "b/y"]
        assert await driver.repositories("a/x", 2) == ["a/x-y", "a/x/c-0"]
        assert await driver.repositories("a/x-y", 1) == ["a/x/c-0"]
        assert await driver.repositories("a", 3) == ["a/x-y", "a/x/c-0", "a/x/c-1"]
        assert await driver.repositories("a/x/c-0") == ["a/x/c-1", "b/y"]

    run(scenario())


def test_lost_tail_makes_the_session_unknown(driver):
    async def go():
        info = await driver.create_upload("r")
        await driver.append_upload("r", info.id, Body(b"x" * 1000))
        for key in await driver.s3.keys(driver.keys.upload(info.id)):
            if "/pending-" in key:
                await driver.s3.delete(key)
        with pytest.raises(UploadUnknown):
            await driver.append_upload("r", info.id, Body(b"y"))
    run(go())


def test_redirect_gives_a_presigned_url_the_store_serves(seaweedfs, bucket, opened):  # noqa: F811
    d = S3Driver(**seaweedfs.params(bucket, redirect="true"))
    plain = S3Driver(**seaweedfs.params(bucket))
    opened += [d, plain]

    async def go():
        await d.put_blob(digest(b"pulled"), b"pulled")
        return await d.blob_url(digest(b"pulled")), await plain.blob_url(digest(b"pulled"))
    url, none = run(go())
    assert none is None and url.startswith(seaweedfs.endpoint)
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"pulled"


def test_store_outage_is_storage_unavailable(seaweedfs, bucket, opened):  # noqa: F811
    from peers import free_port

    d = S3Driver(**{**seaweedfs.params(bucket), "regionendpoint": f"http://127.0.0.1:{free_port()}",
                    "check": "false"})
    opened.append(d)

    async def go():
        for call in (d.stat_blob(digest(b"x")), d.create_upload("r")):
            with pytest.raises(StorageUnavailable):
                await asyncio.wait_for(call, 30)
    run(go())


def test_serve_refuses_a_bad_configuration_at_start_with_exit_2(seaweedfs, bucket, monkeypatch, capsys):  # noqa: F811
    """``specgen serve --driver s3`` builds the driver once before it listens: a missing bucket,
    refused credentials (here from the environment) or no bucket at all is one line and exit 2."""
    from specgen.cli import main

    base = ["serve", "--driver", "s3", "--port", "0", "--driver-param", f"regionendpoint={seaweedfs.endpoint}"]
    monkeypatch.setenv("SPECGEN_S3_ACCESS_KEY", seaweedfs.access_key)
    for secret, extra, message in (("not-the-secret", [f"--driver-param=bucket={bucket}"], "refused the credentials"),
                                   (seaweedfs.secret_key, ["--driver-param=bucket=no-such-bucket"], "does not exist"),
                                   (seaweedfs.secret_key, [], "'bucket' parameter is required")):
        monkeypatch.setenv("SPECGEN_S3_SECRET_KEY", secret)
        assert main(base + extra) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err
        assert "not-the-secret" not in err


@pytest.mark.parametrize("set_name", ["registry_v2", "oci_v1_1"])
def test_blob_get_redirects_to_the_store_when_asked(seaweedfs, bucket, prefix, set_name):  # noqa: F811
    """``redirect=true``: the registry answers a blob GET with a declared 307 to a presigned URL of
    the object, which the store serves; HEAD and ranged GETs are still answered by the registry."""
    from registry_harness import CheckedClient

    from specgen.descriptors import load_set
    from specgen.registry.app import DEFAULT_HEADERS, create_backend
    from specgen.server.serving import committed_stub

    backend = create_backend(load_set(set_name), driver="s3",
                             driver_params=seaweedfs.params(bucket, rootdirectory=prefix, redirect="true"))
    server = committed_stub(set_name)
    backend.check_routes(server.ROUTES)
    client = CheckedClient(server.create_app(backend, default_headers=DEFAULT_HEADERS), load_set(set_name))
    try:
        data = os.urandom(70_000)
        d = client.push_blob("redirected/app", data)
        r = client.get(f"/v2/redirected/app/blobs/{d}")
        assert r.status_code == 307 and r.headers["Location"].startswith(seaweedfs.endpoint + "/")
        with urllib.request.urlopen(r.headers["Location"], timeout=10) as resp:
            assert resp.read() == data
        assert client.head(f"/v2/redirected/app/blobs/{d}").headers["Content-Length"] == str(len(data))
        r = client.get(f"/v2/redirected/app/blobs/{d}", headers={"Range": "bytes=10-19"})
        assert r.status_code == 206 and r.content == data[10:20]
    finally:
        client.loop.run_until_complete(backend.driver.close())
        client.close()
