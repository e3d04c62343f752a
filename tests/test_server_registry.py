"""The reference registry in process, for each bundled registry set: every response is checked by
``specgen.checker.validate`` against the set (see registry_harness), and together the tests exercise every
request descriptor of the set (the last test checks that)."""

from __future__ import annotations

import json

import pytest
from registry_harness import CheckedClient, all_requests, digest

from specgen.descriptors import load_set
from specgen.registry.app import create_app

SETS = ("registry_v2", "oci_v1_1")
COVERAGE: dict[str, set] = {name: set() for name in SETS}
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


@pytest.fixture(params=SETS)
def reg(request, tmp_path):
    dset = load_set(request.param)
    client = CheckedClient(create_app(request.param, str(tmp_path / "root")), dset,
                           COVERAGE[request.param])
    client.set_name = request.param
    client.root = tmp_path / "root"
    yield client
    client.close()


def oci(reg, repo="lib/app", layer=b"layer-bytes", extra=None):
    """Push a config and a layer; the OCI image manifest referencing them (not pushed)."""
    cfg = b'{"architecture":"amd64","os":"linux"}'
    doc = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": reg.push_blob(repo, cfg), "size": len(cfg)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": reg.push_blob(repo, layer), "size": len(layer)}],
    }
    doc.update(extra or {})
    return doc


def error_code(r) -> str:
    return r.json()["errors"][0]["code"]


# -- base, routing, methods ---------------------------------------------------------------------

def test_base_answers_with_api_version(reg):
    r = reg.get("/v2/")
    assert r.status_code == 200 and r.headers["Docker-Distribution-API-Version"] == "registry/2.0"


def test_undeclared_method_is_405_with_allow_and_unsupported(reg):
    r = reg.request("POST", "/v2/a/manifests/latest", declared=False)  # no descriptor to check against
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) >= {"GET", "PUT", "DELETE", "HEAD"}
    assert error_code(r) == "UNSUPPORTED"


def test_unknown_path_is_404(reg):
    r = reg.request("GET", "/v2/Upper/tags/list", declared=False)  # matches no route
    assert r.status_code == 404


# -- blob uploads ----------------------------------------------------------------------------------

def test_monolithic_post_and_fetch(reg):
    data = b"x" * 100_000
    d = reg.push_blob("a/b/c", data)
    r = reg.get(f"/v2/a/b/c/blobs/{d}")
    assert r.content == data and r.headers["Docker-Content-Digest"] == d
    r = reg.head(f"/v2/a/b/c/blobs/{d}")
    assert r.status_code == 200 and r.headers["Content-Length"] == str(len(data)) and r.content == b""


def test_post_then_put_with_body(reg):
    data = b"post then put"
    r = reg.post("/v2/repo/blobs/uploads/")
    assert r.status_code == 202 and r.headers["Range"] == "0-0"
    loc = r.headers["Location"]
    r = reg.put(f"{loc}?digest={digest(data)}", content=data)
    assert r.status_code == 201 and r.headers["Docker-Content-Digest"] == digest(data)
    assert reg.get(f"/v2/repo/blobs/{digest(data)}").content == data


def test_chunked_and_streamed_patches_resume_status_and_complete(reg):
    data = bytes(range(256)) * 1000
    loc = reg.post("/v2/repo/blobs/uploads/").headers["Location"]
    r = reg.patch(loc, content=data[:100_000],
                  headers={"Content-Range": "0-99999", "Content-Type": "application/octet-stream"})
    assert r.status_code == 202 and r.headers["Range"] == "0-99999"
    r = reg.get(loc)
    assert r.status_code == 204 and r.headers["Range"] == "0-99999"


    async def stream():  # streamed: no Content-Range, no Content-Length (chunked encoding)
        for i in range(100_000, 200_000, 30_000):
            yield data[i:min(i + 30_000, 200_000)]

    r = reg.patch(loc, content=stream())
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert r.status_code == 202 and r.headers["Range"] == "0-199999"
    r = reg.put(f"{loc}?digest={digest(data)}", content=data[200_000:])
    assert r.status_code == 201
    assert reg.get(f"/v2/repo/blobs/{digest(data)}").content == data


def test_out_of_order_chunk_is_416_and_keeps_the_upload(reg):
    loc = reg.post("/v2/repo/blobs/uploads/").headers["Location"]
    reg.patch(loc, content=b"abcd", headers={"Content-Range": "0-3"})
    r = reg.patch(loc, content=b"zz", headers={"Content-Range": "10-11"})
    assert r.status_code == 416
    assert reg.get(loc).headers["Range"] == "0-3"
    if reg.set_name == "oci_v1_1":  # declares 416 for a closing PUT out of order too
        r = reg.put(f"{loc}?digest={digest(b'abcdzz')}", content=b"zz", headers={"Content-Range": "8-9"})
        assert r.status_code == 416
        assert reg.get(loc).headers["Range"] == "0-3"


def test_digest_mismatch_is_digest_invalid(reg):
    loc = reg.post("/v2/repo/blobs/uploads/").headers["Location"]
    r = reg.put(f"{loc}?digest={digest(b'other')}", content=b"data")
    assert r.status_code == 400 and error_code(r) == "DIGEST_INVALID"
    assert reg.get(f"/v2/repo/blobs/{digest(b'data')}").status_code == 404


def test_invalid_digest_parameter(reg):
    r = reg.post("/v2/repo/blobs/uploads/?digest=sha256:short", content=b"x")
    assert r.status_code == 400 and error_code(r) == "DIGEST_INVALID"


def test_cancel_upload_then_unknown(reg):
    loc = reg.post("/v2/repo/blobs/uploads/").headers["Location"]
    assert reg.delete(loc).status_code == 204
    r = reg.get(loc)
    assert r.status_code == 404 and error_code(r) == "BLOB_UPLOAD_UNKNOWN"
    r = reg.delete(loc)
    assert r.status_code == 404 and error_code(r) == "BLOB_UPLOAD_UNKNOWN"


def test_sha512_blob(reg):
    data = b"sha512 content" * 99
    d = reg.push_blob("repo", data, "sha512")
    assert d.startswith("sha512:")
    r = reg.get(f"/v2/repo/blobs/{d}")
    assert r.content == data and r.headers["Docker-Content-Digest"] == d


def test_sha512_chunked_upload_with_digest_algorithm(reg):
    data = b"0123456789" * 5000
    loc = reg.post("/v2/repo/blobs/uploads/?digest-algorithm=sha512").headers["Location"]
    reg.patch(loc, content=data[:20000], headers={"Content-Range": "0-19999"})
    r = reg.put(f"{loc}?digest={digest(data, 'sha512')}", content=data[20000:])
    assert r.status_code == 201


def test_sha512_chunked_upload_without_a_hint(reg):
    """Chunks hashed as sha256 while streaming; a sha512 PUT re-reads what was written."""
    data = b"abcdefghij" * 3000
    loc = reg.post("/v2/repo/blobs/uploads/").headers["Location"]
    reg.patch(loc, content=data[:10000], headers={"Content-Range": "0-9999"})
    r = reg.put(f"{loc}?digest={digest(data, 'sha512')}", content=data[10000:])
    assert r.status_code == 201
    assert reg.get(f"/v2/repo/blobs/{digest(data, 'sha512')}").content == data


# -- mount -----------------------------------------------------------------------------------------

def test_cross_repo_mount(reg):
    d = reg.push_blob("src/repo", b"shared layer")
    r = reg.post(f"/v2/dst/repo/blobs/uploads/?mount={d}&from=src/repo")
    assert r.status_code == 201 and r.headers["Docker-Content-Digest"] == d
    assert reg.get(f"/v2/dst/repo/blobs/{d}").content == b"shared layer"


def test_anonymous_mount(reg):
    d = reg.push_blob("somewhere", b"anonymous")
    r = reg.post(f"/v2/elsewhere/blobs/uploads/?mount={d}")
    assert r.status_code == 201
    assert reg.get(f"/v2/elsewhere/blobs/{d}").content == b"anonymous"


def test_mount_from_repo_lacking_the_blob_falls_back_to_an_upload(reg):
    d = reg.push_blob("has", b"only here")
    # registry_v2 mirrors descriptors.go, which declares only 201 for a mount (Go answers 202 too)
    r = reg.request("POST", f"/v2/dst/blobs/uploads/?mount={d}&from=lacks",
                    declared=reg.set_name != "registry_v2")
    assert r.status_code == 202 and "Docker-Upload-UUID" in r.headers
    loc = r.headers["Location"]
    assert reg.put(f"{loc}?digest={d}", content=b"only here").status_code == 201


def test_mount_from_a_name_outside_the_grammar_touches_no_path(reg):
    d = reg.push_blob("inside", b"secret")
    r = reg.request("POST", f"/v2/dst/blobs/uploads/?mount={d}&from=../repositories/inside",
                    declared=reg.set_name != "registry_v2")
    assert r.status_code == 202  # not mounted: an ordinary upload session


# -- blobs -----------------------------------------------------------------------------------------

def test_blob_ranges(reg):
    data = bytes(range(100))
    d = reg.push_blob("repo", data)
    r = reg.get(f"/v2/repo/blobs/{d}", headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == data[10:20]
    assert r.headers["Content-Range"] == "bytes 10-19/100"
    r = reg.get(f"/v2/repo/blobs/{d}", headers={"Range": "bytes=-5"})
    assert r.status_code == 206 and r.content == data[-5:]
    r = reg.get(f"/v2/repo/blobs/{d}", headers={"Range": "bytes=200-"})
    assert r.status_code == 416


def test_blob_delete_and_unknown(reg):
    d = reg.push_blob("repo", b"to delete")
    r = reg.delete(f"/v2/repo/blobs/{d}")
    assert r.status_code == 202
    r = reg.get(f"/v2/repo/blobs/{d}")
    assert r.status_code == 404 and error_code(r) == "BLOB_UNKNOWN"
    r = reg.delete(f"/v2/repo/blobs/{d}")
    assert r.status_code == 404


def test_blob_of_other_repo_is_unknown_and_bad_digest_invalid(reg):
    d = reg.push_blob("one", b"mine")
    assert reg.get(f"/v2/two/blobs/{d}").status_code == 404
    r = reg.get("/v2/one/blobs/sha256:abc")
    assert r.status_code == 400 and error_code(r) == "DIGEST_INVALID"


# -- manifests -------------------------------------------------------------------------------------

def test_manifest_round_trip_byte_for_byte(reg):
    doc = oci(reg)
    body = (json.dumps(doc, indent=7) + "\n\n").encode()  # odd whitespace must survive
    r = reg.push_manifest("lib/app", "v1", body)
    assert r.status_code == 201
    d = r.headers["Docker-Content-Digest"]
    assert d == digest(body)
    for ref in ("v1", d):
        r = reg.get(f"/v2/lib/app/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
        assert r.content == body and r.headers["Content-Type"] == OCI_MANIFEST
        r = reg.head(f"/v2/lib/app/manifests/{ref}")
        assert r.status_code == 200 and r.headers["Docker-Content-Digest"] == d
    r = reg.push_manifest("lib/app", d, body)  # PUT by digest
    assert r.status_code == 201


def test_docker_schema2_manifest_and_accept(reg):
    cfg = b"{}"
    doc = {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
           "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                      "digest": reg.push_blob("d", cfg), "size": 2},
           "layers": []}
    assert reg.push_manifest("d", "latest", doc, DOCKER_MANIFEST).status_code == 201
    r = reg.get("/v2/d/manifests/latest", headers={"Accept": f"{OCI_MANIFEST}, {DOCKER_MANIFEST}"})
    assert r.status_code == 200 and r.headers["Content-Type"] == DOCKER_MANIFEST
    r = reg.get("/v2/d/manifests/latest", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 404  # not acceptable by tag


def test_index_requires_its_children(reg):
    child = oci(reg, "multi")
    cd = reg.push_manifest("multi", digest(json.dumps(child, indent=2).encode()), child)
    assert cd.status_code == 201
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": cd.headers["Docker-Content-Digest"], "size": 10,
         "platform": {"architecture": "amd64", "os": "linux"}}]}
    assert reg.push_manifest("multi", "idx", index, OCI_INDEX).status_code == 201
    index["manifests"][0]["digest"] = digest(b"absent")
    r = reg.push_manifest("multi", "bad", index, OCI_INDEX)
    assert r.status_code in (400, 404)


def test_manifest_with_missing_blob(reg):
    doc = oci(reg)
    doc["layers"][0]["digest"] = digest(b"never pushed")
    r = reg.push_manifest("lib/app", "missing", doc)
    assert r.status_code == 400
    assert error_code(r) in ("MANIFEST_BLOB_UNKNOWN", "BLOB_UNKNOWN")


def test_invalid_manifests(reg):
    r = reg.push_manifest("lib/app", "bad", b"{not json")
    assert r.status_code == 400 and error_code(r) == "MANIFEST_INVALID"
    r = reg.push_manifest("lib/app", "bad", {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": "x"})
    assert r.status_code == 400 and error_code(r) == "MANIFEST_INVALID"
    body = json.dumps(oci(reg)).encode()
    r = reg.push_manifest("lib/app", digest(b"something else"), body)
    assert r.status_code == 400


def test_manifest_delete_by_digest_and_tag(reg):
    r = reg.push_manifest("lib/app", "v1", oci(reg))
    d = r.headers["Docker-Content-Digest"]
    reg.push_manifest("lib/app", "v2", oci(reg))
    assert reg.delete("/v2/lib/app/manifests/v2").status_code == 202  # untag
    assert reg.delete(f"/v2/lib/app/manifests/{d}").status_code == 202
    r = reg.get(f"/v2/lib/app/manifests/{d}")
    assert r.status_code == 404
    r = reg.get("/v2/lib/app/manifests/v1")
    assert r.status_code == 404
    r = reg.delete(f"/v2/lib/app/manifests/{d}")
    assert r.status_code == 404


def test_referrers(reg):
    if reg.set_name == "registry_v2":
        pytest.skip("registry_v2 declares no referrers route (the extension set does)")
    subject = reg.push_manifest("lib/app", "v1", oci(reg)).headers["Docker-Content-Digest"]
    size = len(reg.get(f"/v2/lib/app/manifests/{subject}").content)
    for kind in ("application/vnd.example.sbom", "application/vnd.example.sig"):
        art = oci(reg, layer=kind.encode(), extra={
            "artifactType": kind, "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": size}})
        r = reg.push_manifest("lib/app", digest(json.dumps(art, indent=2).encode()), art)
        assert r.status_code == 201 and r.headers["OCI-Subject"] == subject
    r = reg.get(f"/v2/lib/app/referrers/{subject}")
    assert r.status_code == 200 and r.headers["Content-Type"] == OCI_INDEX
    assert sorted(m["artifactType"] for m in r.json()["manifests"]) == [
        "application/vnd.example.sbom", "application/vnd.example.sig"]
    r = reg.get(f"/v2/lib/app/referrers/{subject}?artifactType=application/vnd.example.sig")
    assert [m["artifactType"] for m in r.json()["manifests"]] == ["application/vnd.example.sig"]
    assert r.headers["OCI-Filters-Applied"] == "artifactType"
    r = reg.get(f"/v2/lib/app/referrers/{digest(b'nothing refers to me')}")
    assert r.status_code == 200 and r.json()["manifests"] == []


# -- listings --------------------------------------------------------------------------------------

def test_tags_lexical_with_pagination(reg):
    doc = oci(reg)
    for tag in ("b", "a", "c10", "c2", "Z"):
        assert reg.push_manifest("lib/app", tag, doc).status_code == 201
    r = reg.get("/v2/lib/app/tags/list")
    assert r.json() == {"name": "lib/app", "tags": ["Z", "a", "b", "c10", "c2"]}
    r = reg.get("/v2/lib/app/tags/list?n=2")
    assert r.json()["tags"] == ["Z", "a"]
    assert r.headers["Link"] == '</v2/lib/app/tags/list?n=2&last=a>; rel="next"'
    r = reg.get("/v2/lib/app/tags/list?n=2&last=a")
    assert r.json()["tags"] == ["b", "c10"]
    r = reg.get("/v2/lib/app/tags/list?n=2&last=c10")
    assert r.json()["tags"] == ["c2"] and "Link" not in r.headers
    r = reg.get("/v2/lib/app/tags/list?n=-1")
    assert r.status_code == 400 and error_code(r) == "PAGINATION_NUMBER_INVALID"
    r = reg.get("/v2/nobody/tags/list")
    assert r.status_code == 404 and error_code(r) == "NAME_UNKNOWN"


def test_catalog_with_pagination(reg):
    for repo in ("b/x", "a", "c"):
        reg.push_manifest(repo, "t", oci(reg, repo))
    assert reg.get("/v2/_catalog").json() == {"repositories": ["a", "b/x", "c"]}
    r = reg.get("/v2/_catalog?n=1&last=a")
    assert r.json() == {"repositories": ["b/x"]} and "last=b%2Fx" in r.headers["Link"]
    r = reg.get("/v2/_catalog?n=x")
    assert r.status_code == 400 and error_code(r) == "PAGINATION_NUMBER_INVALID"


def test_name_too_long_is_name_invalid(reg):
    name = "/".join(["abcdefghij"] * 24)  # 263 characters: matches the grammar, exceeds 255
    # neither set declares a 400 for Tags: the 255-character limit is distribution/reference's
    r = reg.get(f"/v2/{name}/tags/list", declared=False)
    assert r.status_code == 400 and error_code(r) == "NAME_INVALID"


# -- Locations: on the root the client addressed, proxies considered --------------------------------

PROXIED = [
    ({"Forwarded": "proto=https;host=registry.example"}, "https://registry.example"),
    ({"X-Forwarded-Proto": "https", "X-Forwarded-Host": "mirror.example:8443, inner.example"},
     "https://mirror.example:8443"),
    ({"Forwarded": 'for=10.0.0.1;proto=https;host="registry.example:444", proto=http',
      "X-Forwarded-Host": "ignored.example"}, "https://registry.example:444"),  # Forwarded wins
    ({"X-Forwarded-Host": "a b"}, "http://registry.test"),  # no host: the request's own root
    ({}, "http://registry.test"),
]


@pytest.mark.parametrize("headers,root", PROXIED, ids=["forwarded", "x-forwarded", "both", "bogus", "none"])
def test_locations_are_on_the_root_the_client_addressed(reg, headers, root):
    data = b"located"
    r = reg.post("/v2/lib/app/blobs/uploads/", headers=headers)
    assert r.status_code == 202 and r.headers["Location"].startswith(f"{root}/v2/lib/app/blobs/uploads/")
    upload = r.headers["Location"]
    r = reg.patch(upload, content=data[:3], headers={**headers, "Content-Range": "0-2"})
    assert r.status_code == 202 and r.headers["Location"] == upload
    assert reg.get(upload, headers=headers).headers["Location"] == upload
    r = reg.put(f"{upload}?digest={digest(data)}", content=data[3:], headers=headers)
    assert r.status_code == 201 and r.headers["Location"] == f"{root}/v2/lib/app/blobs/{digest(data)}"
    r = reg.post(f"/v2/other/blobs/uploads/?digest={digest(b'mono')}", content=b"mono", headers=headers)
    assert r.headers["Location"] == f"{root}/v2/other/blobs/{digest(b'mono')}"
    r = reg.post(f"/v2/third/blobs/uploads/?mount={digest(data)}&from=lib/app", headers=headers)
    assert r.status_code == 201 and r.headers["Location"] == f"{root}/v2/third/blobs/{digest(data)}"
    r = reg.request("PUT", "/v2/lib/app/manifests/v1", content=json.dumps(oci(reg)).encode(),
                    headers={**headers, "Content-Type": OCI_MANIFEST})
    d = r.headers["Docker-Content-Digest"]
    assert r.status_code == 201 and r.headers["Location"] == f"{root}/v2/lib/app/manifests/{d}"


# -- composition: drivers by name, routes by name ---------------------------------------------------

def test_create_app_takes_a_storage_driver_by_name_with_its_params(tmp_path, monkeypatch):
    from specgen.errors import UserError

    root = tmp_path / "by-params"
    app = create_app("oci_v1_1", driver="filesystem", driver_params={"root": str(root)})
    client = CheckedClient(app, load_set("oci_v1_1"))
    try:
        d = client.push_blob("lib/app", b"stored by the filesystem driver")
        assert (root / "blobs" / "sha256" / d[7:9] / d[7:] / "data").is_file()
    finally:
        client.close()
    with pytest.raises(UserError, match="unknown storage driver 'nope'"):
        create_app("oci_v1_1", str(tmp_path), driver="nope")

    from specgen.server.serving import app_from_env as create_app_from_env

    monkeypatch.delenv("SPECGEN_ROOT", raising=False)
    monkeypatch.setenv("SPECGEN_SET", "registry_v2")
    monkeypatch.setenv("SPECGEN_DRIVER", "filesystem")
    monkeypatch.setenv("SPECGEN_DRIVER_PARAMS", json.dumps({"root": str(tmp_path / "from-env")}))
    client = CheckedClient(create_app_from_env(), load_set("registry_v2"))
    try:
        client.push_blob("env", b"x")
        assert (tmp_path / "from-env" / "repositories" / "env").is_dir()
    finally:
        client.close()
    monkeypatch.setenv("SPECGEN_DRIVER_PARAMS", "[1]")
    with pytest.raises(UserError, match="JSON object"):
        create_app_from_env()


def test_each_route_is_served_by_the_entity_registered_for_its_name(tmp_path):
    from specgen.errors import UserError
    from specgen.registry.handlers import Registry
    from specgen.registry.storage.filesystem import FilesystemDriver
    from specgen.server.runtime import Operation, Route

    registry = Registry(FilesystemDriver(tmp_path), load_set("oci_v1_1"))
    assert type(registry.routes["manifest"]).__name__ == "Manifests"
    assert registry.routes["blob-upload"] is registry.routes["blob-upload-chunk"]

    def route(name: str, handler: str) -> Route:
        op = Operation(handler=handler, request_class=object, method="GET", name="", params=())
        return Route(name=name, doc_path="/x", path="/x", methods={"GET": (op,)})

    registry.check_routes([route("blob", "fetch_blob"), route("base", "get_base")])
    with pytest.raises(UserError, match="no handlers for route 'mystery'"):
        registry.check_routes([route("mystery", "get_base")])
    with pytest.raises(UserError, match="'get_base' of route 'blob' is not one of Blobs'"):
        registry.check_routes([route("blob", "get_base")])


# -- coverage: last, so every test above has run -----------------------------------------------------

@pytest.mark.parametrize("set_name", SETS)
def test_every_request_descriptor_was_exercised(set_name):
    missing = all_requests(load_set(set_name)) - COVERAGE[set_name]
    assert not missing, f"request descriptors of {set_name} no test exercised: {sorted(missing)}"
