"""RegistryClient's parts without a server: the facade keeps its API, and a registry_v2 client
(no HEAD on blobs, no referrers route) builds those paths with the distribution URL builder."""

from __future__ import annotations

import httpx
import pytest

from specgen.client import ClientError, RegistryClient, Transport
from specgen.client.blobs import Blobs
from specgen.client.listings import Listings
from specgen.client.manifests import Manifests
from specgen.client.uploads import Uploader, range_end

DIGEST = "sha256:" + "ab" * 32


def client(handler, **options) -> RegistryClient:
    transport = Transport("http://registry.test", http=httpx.Client(transport=httpx.MockTransport(handler)),
                          sleep=lambda s: None)
    return RegistryClient("http://registry.test", transport=transport, **options)


def test_facade_exposes_one_object_per_concern():
    with client(lambda r: httpx.Response(200)) as reg:
        assert isinstance(reg.blobs, Blobs) and isinstance(reg.uploads, Uploader)
        assert isinstance(reg.manifests, Manifests) and isinstance(reg.listings, Listings)
        assert reg.module.__name__ == "specgen._generated.oci_v1_1.client"
        reg.chunk_size = 1234
        assert reg.uploads.chunk_size == 1234 and reg.chunk_size == 1234


def test_registry_v2_client_asks_head_on_the_blob_route():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        return httpx.Response(200, headers={"Content-Length": "5"}) if request.method == "HEAD" else httpx.Response(404)

    with client(handler, set="registry_v2") as reg:
        assert not hasattr(reg.api, "check_blob")
        assert reg.blob_exists("team/app", DIGEST) == 5
    assert seen == [("HEAD", f"/v2/team/app/blobs/{DIGEST}")]


def test_registry_v2_client_finds_referrers_on_the_oci_route():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.url.params.get("artifactType")))
        return httpx.Response(200, json={"manifests": [{"digest": DIGEST}]})

    with client(handler, set="registry_v2") as reg:
        assert reg.referrers("team/app", DIGEST, artifact_type="x/y") == [{"digest": DIGEST}]
    assert seen == [(f"/v2/team/app/referrers/{DIGEST}", "x/y")]


def test_a_name_outside_the_grammar_is_a_client_error_before_any_request():
    with client(lambda r: pytest.fail("sent a request"), set="registry_v2") as reg:
        with pytest.raises(ClientError, match="doesn't match"):
            reg.blob_exists("a/../b", DIGEST)
        with pytest.raises(ClientError, match="doesn't match"):
            reg.referrers("a b", DIGEST)


@pytest.mark.parametrize("value,expected", [(None, 0), ("", 0), ("0-0", 0), ("0-99", 100),
                                            ("bytes=0-9", 10), ("5-9", None)])
def test_range_end(value, expected):
    assert range_end(value) == expected
