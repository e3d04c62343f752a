"""Requirements of the OCI Distribution Specification (main) that the reference registry honours
and no other test shows; docs/oci-coverage.md names each of these tests. In process, every
exchange validated against ``oci_v1_1`` (registry_harness)."""

from __future__ import annotations

import json

import pytest
from registry_harness import CheckedClient, digest

from specgen.descriptors import load_set
from specgen.registry.app import create_app
from specgen.registry.handlers.manifests import MAX_MANIFEST

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
EMPTY = "application/vnd.oci.empty.v1+json"


@pytest.fixture
def reg(tmp_path):
    client = CheckedClient(create_app("oci_v1_1", str(tmp_path / "root")), load_set("oci_v1_1"))
    yield client
    client.close()


def put(reg, repo, ref, doc, media_type=OCI_MANIFEST, **kw):
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return reg.put(f"/v2/{repo}/manifests/{ref}", content=body, headers={"Content-Type": media_type}, **kw)


def artifact(reg, repo, subject=None, artifact_type=None, annotations=None):
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": "application/vnd.example.config", "digest": reg.push_blob(repo, b"{}"), "size": 2},
           "layers": []}
    if artifact_type:
        doc["artifactType"] = artifact_type
    if subject:
        doc["subject"] = subject
    if annotations:
        doc["annotations"] = annotations
    return json.dumps(doc).encode()


def test_manifest_content_type_is_the_pushed_type_without_parameters(reg):
    body = artifact(reg, "app")
    r = put(reg, "app", "v1", body, media_type=OCI_MANIFEST + "; charset=utf-8")  # parameters ignored
    assert r.status_code == 201, r.text
    got = reg.get("/v2/app/manifests/v1")
    assert got.headers["Content-Type"] == OCI_MANIFEST and got.content == body


def test_artifact_without_layers_is_taken(reg):
    body = artifact(reg, "app", artifact_type="application/vnd.example.thing")
    assert put(reg, "app", digest(body), body).status_code == 201


def test_pull_from_a_repository_that_does_not_exist(reg):
    for url in ("/v2/nowhere/manifests/latest", "/v2/nowhere/blobs/" + digest(b"x")):
        r = reg.get(url)  # MANIFEST_UNKNOWN / BLOB_UNKNOWN, as distribution answers
        assert r.status_code == 404 and r.json()["errors"][0]["code"] in ("NAME_UNKNOWN", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN")


def test_delete_in_a_repository_that_does_not_exist(reg):
    r = reg.delete("/v2/nowhere/manifests/" + digest(b"x"))
    assert r.status_code == 404 and r.json()["errors"][0]["code"] in ("NAME_UNKNOWN", "MANIFEST_UNKNOWN")


def test_manifest_size_limit_is_4_mib(reg):
    base = json.loads(artifact(reg, "app"))
    pad = MAX_MANIFEST - len(json.dumps({**base, "annotations": {"pad": ""}}).encode())
    exact = json.dumps({**base, "annotations": {"pad": "x" * pad}}).encode()
    assert len(exact) == MAX_MANIFEST == 4 << 20
    assert put(reg, "app", "big", exact).status_code == 201  # 4 MiB is taken
    over = json.dumps({**base, "annotations": {"pad": "x" * (pad + 1)}}).encode()
    assert put(reg, "app", "bigger", over).status_code == 413


def test_final_chunk_out_of_order_is_416(reg):
    data = b"0123456789" * 10
    loc = reg.post("/v2/app/blobs/uploads/").headers["Location"]
    loc = reg.patch(loc, content=data[:40], headers={"Content-Range": "0-39"}).headers["Location"]
    r = reg.put(f"{loc}&digest={digest(data)}" if "?" in loc else f"{loc}?digest={digest(data)}",
                content=data[50:], headers={"Content-Range": "50-99"})
    assert r.status_code == 416
    status = reg.get(loc)  # the session lives on, at the same offset
    assert status.status_code == 204 and status.headers["Range"] == "0-39"


def test_tags_with_n_zero_are_empty_without_link(reg):
    body = artifact(reg, "app")
    put(reg, "app", "a", body)
    r = reg.get("/v2/app/tags/list?n=0")
    assert r.status_code == 200 and r.json()["tags"] in ([], None) and "Link" not in r.headers


def test_tags_after_last_without_n(reg):
    body = artifact(reg, "app")
    for tag in ("B", "a", "c"):
        assert put(reg, "app", tag, body).status_code == 201
    assert reg.get("/v2/app/tags/list").json()["tags"] == ["B", "a", "c"]  # ASCIIbetical
    assert reg.get("/v2/app/tags/list?last=B").json()["tags"] == ["a", "c"]


def test_referrers_of_a_malformed_digest_is_400(reg):
    artifact(reg, "app")
    r = reg.get("/v2/app/referrers/sha256:" + "0" * 63, declared=False)
    assert r.status_code in (400, 404)  # 404 when the router's digest grammar refuses the path
    r = reg.get("/v2/app/referrers/sha256:" + "g" * 64, declared=False)
    assert r.status_code in (400, 404)
    ok = reg.get("/v2/app/referrers/sha384:" + "0" * 96)  # a valid digest of another algorithm
    assert ok.status_code == 200


def test_referrers_artifact_type_falls_back_to_config_and_is_omitted_for_an_index(reg):
    subject_body = artifact(reg, "app")
    subject = {"mediaType": OCI_MANIFEST, "digest": digest(subject_body), "size": len(subject_body)}
    image = artifact(reg, "app", subject=subject)
    assert put(reg, "app", digest(image), image).headers["OCI-Subject"] == subject["digest"]
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [],
                        "subject": subject, "annotations": {"k": "v"}}).encode()
    assert put(reg, "app", digest(index), index, OCI_INDEX).status_code == 201
    found = {d["digest"]: d for d in reg.get(f"/v2/app/referrers/{subject['digest']}").json()["manifests"]}
    assert found[digest(image)]["artifactType"] == "application/vnd.example.config"
    assert "artifactType" not in found[digest(index)] and found[digest(index)]["annotations"] == {"k": "v"}


def test_ns_is_ignored_and_no_oci_namespace_is_sent(reg):
    body = artifact(reg, "app")
    put(reg, "app", "v1", body)
    layer = reg.push_blob("app", b"layer")
    for url in ("/v2/app/manifests/v1?ns=registry.example.org", f"/v2/app/blobs/{layer}?ns=registry.example.org"):
        r = reg.get(url)
        assert r.status_code == 200 and "OCI-Namespace" not in r.headers
