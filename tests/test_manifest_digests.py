"""Manifests addressed by the digest algorithm they were pushed with (OCI main, end-7b): a manifest
pushed by a sha512 digest, with ``?tag=`` parameters, is answered in sha512 by digest and by every
tag; referrers, mount, delete and tag listing treat it like a sha256 one. In process, every
exchange validated against ``oci_v1_1`` (registry_harness)."""

from __future__ import annotations

import json

import pytest
from registry_harness import CheckedClient, digest

from specgen.descriptors import load_set
from specgen.registry.app import create_app
from specgen.registry.handlers.manifests import MAX_TAGS_PER_PUSH

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


@pytest.fixture
def reg(tmp_path):
    client = CheckedClient(create_app("oci_v1_1", str(tmp_path / "root")), load_set("oci_v1_1"))
    yield client
    client.close()


def image(reg, repo: str, layer: bytes = b"layer", algorithm: str = "sha512", extra: dict | None = None) -> bytes:
    cfg = b'{"architecture":"amd64","os":"linux"}'
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": reg.push_blob(repo, cfg, algorithm), "size": len(cfg)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": reg.push_blob(repo, layer, algorithm), "size": len(layer)}],
        **(extra or {}),
    }
    return json.dumps(doc, indent=1).encode()


def put(reg, repo: str, ref: str, body: bytes, media_type: str = OCI_MANIFEST, query: str = ""):
    return reg.put(f"/v2/{repo}/manifests/{ref}{query}", content=body, headers={"Content-Type": media_type})


@pytest.mark.parametrize("algorithm", ["sha512", "sha384"])
def test_push_by_digest_with_tags_answers_in_that_algorithm_everywhere(reg, algorithm):
    body = image(reg, "app", algorithm="sha256")
    d = digest(body, algorithm)
    r = put(reg, "app", d, body, query="?tag=1.2.3&tag=1.2&tag=latest")
    assert r.status_code == 201, r.text
    assert r.headers["Docker-Content-Digest"] == d
    assert [t.strip() for t in r.headers["OCI-Tag"].split(",")] == ["1.2.3", "1.2", "latest"]
    assert r.headers["Location"].endswith(f"/v2/app/manifests/{d}")
    for ref in (d, "1.2.3", "1.2", "latest"):
        for method in ("GET", "HEAD"):
            got = reg.request(method, f"/v2/app/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
            assert got.status_code == 200, (method, ref, got.text)
            assert got.headers["Docker-Content-Digest"] == d, (method, ref)
            assert int(got.headers["Content-Length"]) == len(body)
            if method == "GET":
                assert got.content == body
    assert reg.get("/v2/app/tags/list").json()["tags"] == ["1.2", "1.2.3", "latest"]


def test_the_same_bytes_by_sha256_and_sha512_are_two_addresses(reg):
    body = image(reg, "app")
    d512, d256 = digest(body, "sha512"), digest(body, "sha256")
    assert put(reg, "app", d512, body, query="?tag=long").status_code == 201
    assert put(reg, "app", "short", body).headers["Docker-Content-Digest"] == d256
    assert reg.head("/v2/app/manifests/long").headers["Docker-Content-Digest"] == d512
    assert reg.head("/v2/app/manifests/short").headers["Docker-Content-Digest"] == d256
    assert reg.head(f"/v2/app/manifests/{d256}").status_code == 200


def test_duplicate_tags_are_created_once_and_listed_once(reg):
    body = image(reg, "app")
    r = put(reg, "app", digest(body, "sha512"), body, query="?tag=a&tag=b&tag=a")
    assert r.status_code == 201 and r.headers["OCI-Tag"] == "a, b"


def test_tag_parameters_beside_a_tag_reference_create_every_tag(reg):
    body = image(reg, "app")
    r = put(reg, "app", "main", body, query="?tag=extra")
    assert r.status_code == 201 and r.headers["OCI-Tag"] == "extra"
    assert reg.get("/v2/app/tags/list").json()["tags"] == ["extra", "main"]
    assert reg.head("/v2/app/manifests/extra").headers["Docker-Content-Digest"] == digest(body)


def test_ten_tags_are_taken_and_too_many_get_414(reg):
    body = image(reg, "app")
    d = digest(body, "sha512")
    ten = "&".join(f"tag=t{i}" for i in range(10))
    assert len(put(reg, "app", d, body, query="?" + ten).headers["OCI-Tag"].split(", ")) == 10
    many = "&".join(f"tag=m{i}" for i in range(MAX_TAGS_PER_PUSH + 1))
    r = put(reg, "app", d, body, query="?" + many)
    assert r.status_code == 414
    assert "m0" not in reg.get("/v2/app/tags/list").json()["tags"]  # nothing of a refused push


def test_an_invalid_tag_parameter_creates_nothing(reg):
    body = image(reg, "app")
    d = digest(body, "sha512")
    r = put(reg, "app", d, body, query="?tag=ok&tag=-bad")
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "TAG_INVALID"
    assert reg.get(f"/v2/app/manifests/{d}").status_code == 404
    assert reg.get("/v2/app/tags/list").json()["tags"] in (None, [])  # not even the valid one


def test_an_unsupported_algorithm_gets_the_declared_error(reg):
    body = image(reg, "app")
    r = put(reg, "app", "md5:" + "0" * 32, body)
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "DIGEST_INVALID"
    r = put(reg, "app", digest(body, "sha512")[:-1] + "0", body)  # right algorithm, wrong content
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "DIGEST_INVALID"


def test_referrers_of_and_by_sha512_manifests(reg):
    subject = image(reg, "app")
    ds = digest(subject, "sha512")
    assert reg.get(f"/v2/app/referrers/{ds}").json()["manifests"] == []  # before the subject exists
    assert put(reg, "app", ds, subject).status_code == 201
    cfg = b"{}"
    sbom = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.example.sbom",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                   "digest": reg.push_blob("app", cfg, "sha512"), "size": 2},
        "layers": [],
        "subject": {"mediaType": OCI_MANIFEST, "digest": ds, "size": len(subject)},
        "annotations": {"org.example": "x"},
    }).encode()
    dr = digest(sbom, "sha512")
    r = put(reg, "app", dr, sbom)
    assert r.status_code == 201 and r.headers["OCI-Subject"] == ds
    [ref] = reg.get(f"/v2/app/referrers/{ds}").json()["manifests"]
    assert ref == {"mediaType": OCI_MANIFEST, "digest": dr, "size": len(sbom),
                   "artifactType": "application/vnd.example.sbom", "annotations": {"org.example": "x"}}
    assert reg.delete(f"/v2/app/manifests/{dr}").status_code == 202
    assert reg.get(f"/v2/app/referrers/{ds}").json()["manifests"] == []


def test_index_of_sha512_children_and_delete_untags(reg):
    child = image(reg, "app")
    dc = digest(child, "sha512")
    assert put(reg, "app", dc, child).status_code == 201
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": dc, "size": len(child)}]}).encode()
    di = digest(index, "sha512")
    assert put(reg, "app", di, index, OCI_INDEX, "?tag=multi").status_code == 201
    assert reg.get("/v2/app/manifests/multi", headers={"Accept": OCI_INDEX}).headers["Docker-Content-Digest"] == di
    assert reg.delete(f"/v2/app/manifests/{di}").status_code == 202
    assert reg.get("/v2/app/manifests/multi").status_code == 404
    assert reg.get(f"/v2/app/manifests/{dc}").status_code == 200


def test_mount_of_a_sha512_blob(reg):
    d = reg.push_blob("src", b"shared layer", "sha512")
    r = reg.post(f"/v2/dst/blobs/uploads/?mount={d}&from=src")
    assert r.status_code == 201 and r.headers["Docker-Content-Digest"] == d
    assert reg.head(f"/v2/dst/blobs/{d}").status_code == 200


def test_registry_v2_ignores_tag_parameters_as_distribution_does(tmp_path):
    reg = CheckedClient(create_app("registry_v2", str(tmp_path / "v2")), load_set("registry_v2"))
    try:
        body = image(reg, "app", algorithm="sha256")
        d = digest(body, "sha512")
        r = reg.put(f"/v2/app/manifests/{d}?tag=x", content=body, headers={"Content-Type": OCI_MANIFEST})
        assert r.status_code == 201 and r.headers["Docker-Content-Digest"] == d and "OCI-Tag" not in r.headers
        assert reg.get("/v2/app/tags/list").json()["tags"] in (None, [])
    finally:
        reg.close()
