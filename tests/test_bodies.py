"""Body schemas: real-shaped manifests and API bodies validate, broken ones do not, and the
resolution rules of ``specgen.bodies`` pick schemas from content types and formats alone."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from jsonschema import Draft202012Validator

from specgen import bodies
from specgen.descriptors import BUNDLED, load_set
from specgen.descriptors.registry_v2.schemas import SCHEMAS
from specgen.model import BodyDescriptor, ResponseDescriptor
from specgen.server.serving import is_registry

D1 = "sha256:" + "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
D2 = "sha256:" + "0b8a5d3d6f8f4e3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a"
D3 = "sha512:" + "ab" * 64

OCI_MANIFEST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": D1, "size": 1470},
    "layers": [
        {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": D2, "size": 3370706},
        {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": D3, "size": 12,
         "annotations": {"org.opencontainers.image.title": "hello.txt"}},
    ],
    "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"},
}
OCI_ARTIFACT = {  # an OCI 1.1 artifact with a subject, as oras pushes it
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "artifactType": "application/vnd.example.sbom.v1",
    "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": D1, "size": 2, "data": "e30="},
    "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": D1, "size": 2}],
    "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D2, "size": 527},
}
OCI_INDEX = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D1, "size": 7143,
         "platform": {"architecture": "amd64", "os": "linux"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D2, "size": 7682,
         "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
    ],
}
DOCKER_MANIFEST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023, "digest": D1},
    "layers": [
        {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654, "digest": D2},
        {"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "size": 16724,
         "digest": D3, "urls": ["https://example.invalid/layer"]},
    ],
}
DOCKER_LIST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests": [
        {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 7143, "digest": D1,
         "platform": {"architecture": "ppc64le", "os": "linux"}},
        {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 7682, "digest": D2,
         "platform": {"architecture": "amd64", "os": "linux", "features": ["sse4"]}},
    ],
}
REFERRERS = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D1, "size": 1234,
                   "artifactType": "application/vnd.example.sbom.v1",
                   "annotations": {"org.example.sbom.format": "json"}}],
}

VALID = [
    ("application/vnd.oci.image.manifest.v1+json", OCI_MANIFEST),
    ("application/vnd.oci.image.manifest.v1+json", OCI_ARTIFACT),
    ("application/vnd.oci.image.index.v1+json", OCI_INDEX),
    ("application/vnd.docker.distribution.manifest.v2+json", DOCKER_MANIFEST),
    ("application/vnd.docker.distribution.manifest.list.v2+json", DOCKER_LIST),
    ("referrers", REFERRERS),
    ("referrers", {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": []}),
    ("tags", {"name": "library/ubuntu", "tags": ["latest", "22.04"]}),
    ("tags", {"name": "library/ubuntu", "tags": None}),
    ("catalog", {"repositories": ["a", "library/ubuntu"]}),
    ("catalog", {"repositories": []}),
    ("errors", {"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known to registry",
                            "detail": {"name": "x"}}]}),
]


def _broken(doc, path, value=..., drop=False):
    doc = copy.deepcopy(doc)
    *parents, last = path
    target = doc
    for p in parents:
        target = target[p]
    if drop:
        del target[last]
    else:
        target[last] = value
    return doc


INVALID = [
    ("application/vnd.oci.image.manifest.v1+json", _broken(OCI_MANIFEST, ["config"], drop=True)),
    ("application/vnd.oci.image.manifest.v1+json", _broken(OCI_MANIFEST, ["schemaVersion"], 1)),
    ("application/vnd.oci.image.manifest.v1+json", _broken(OCI_MANIFEST, ["layers", 0, "digest"], "sha256")),
    ("application/vnd.oci.image.manifest.v1+json", _broken(OCI_MANIFEST, ["layers", 0, "size"], -1)),
    ("application/vnd.oci.image.manifest.v1+json", _broken(OCI_MANIFEST, ["layers", 1, "mediaType"], "gzip")),
    ("application/vnd.oci.image.manifest.v1+json",
     _broken(OCI_MANIFEST, ["mediaType"], "application/vnd.oci.image.index.v1+json")),
    ("application/vnd.oci.image.manifest.v1+json", _broken(OCI_MANIFEST, ["annotations", "n"], 1)),
    ("application/vnd.oci.image.manifest.v1+json", _broken(OCI_ARTIFACT, ["subject", "size"], "527")),
    ("application/vnd.oci.image.index.v1+json", _broken(OCI_INDEX, ["manifests"], drop=True)),
    ("application/vnd.oci.image.index.v1+json", _broken(OCI_INDEX, ["manifests", 1, "platform", "os"], drop=True)),
    ("application/vnd.docker.distribution.manifest.v2+json", _broken(DOCKER_MANIFEST, ["mediaType"], drop=True)),
    ("application/vnd.docker.distribution.manifest.v2+json",
     _broken(DOCKER_MANIFEST, ["config", "digest"], "a3ed95caeb02")),
    ("application/vnd.docker.distribution.manifest.list.v2+json",
     _broken(DOCKER_LIST, ["manifests", 0, "platform"], drop=True)),
    ("application/vnd.docker.distribution.manifest.list.v2+json", OCI_INDEX),
    ("referrers", _broken(REFERRERS, ["mediaType"], drop=True)),
    ("tags", {"name": "x"}),
    ("tags", {"name": "x", "tags": [1]}),
    ("catalog", {"repositories": "a"}),
    ("errors", {"errors": [{"message": "no code"}]}),
    ("errors", {"error": []}),
]


@pytest.mark.parametrize("key,doc", VALID, ids=[f"{k}-{i}" for i, (k, _) in enumerate(VALID)])
def test_real_bodies_validate(key, doc):
    Draft202012Validator.check_schema(SCHEMAS[key])
    assert list(Draft202012Validator(SCHEMAS[key]).iter_errors(doc)) == []


@pytest.mark.parametrize("key,doc", INVALID, ids=[f"{k}-{i}" for i, (k, _) in enumerate(INVALID)])
def test_broken_bodies_do_not_validate(key, doc):
    assert not Draft202012Validator(SCHEMAS[key]).is_valid(doc)


def test_errors_schema_limits_codes():
    schema = bodies.errors_schema(["NAME_UNKNOWN", "BLOB_UNKNOWN"])
    Draft202012Validator.check_schema(schema)
    ok = {"errors": [{"code": "BLOB_UNKNOWN", "message": "m"}, {"code": "NAME_UNKNOWN"}]}
    assert Draft202012Validator(schema).is_valid(ok)
    assert not Draft202012Validator(schema).is_valid({"errors": [{"code": "DENIED", "message": "m"}]})
    assert Draft202012Validator(bodies.errors_schema([])).is_valid({"errors": [{"code": "DENIED"}]})


def test_manifest_schema_by_media_type(synthetic_set):
    dset = dataclasses.replace(synthetic_set, schemas=SCHEMAS)
    for media_type, doc in VALID[:5]:
        schema = bodies.manifest_schema(dset, media_type + "; charset=utf-8")
        assert Draft202012Validator(schema).is_valid(doc)
    assert bodies.manifest_schema(dset, "application/x-unknown") is None
    assert bodies.manifest_schema(synthetic_set, "application/vnd.oci.image.manifest.v1+json") is None


def test_format_keys():
    assert bodies.format_keys('{\n    "name": <name>,\n    "tags": [\n        <tag>,\n    ],\n}') == {"name", "tags"}
    assert bodies.format_keys('{"errors": [{"code": "X", "detail": {"digest": "<d>"}}]}') == {"errors"}
    assert bodies.format_keys("<binary data>") is None


def _variants(dset, ctype, fmt="", codes=()):
    return bodies.body_variants(dset, BodyDescriptor(ctype, fmt), codes)


def test_resolution_rules(synthetic_set):
    dset = dataclasses.replace(synthetic_set, schemas=SCHEMAS)
    assert _variants(dset, "") == []
    # error codes on a JSON body: the envelope limited to them
    (v,) = _variants(dset, "application/json", '{"errors": [...]}', ["DENIED"])
    assert v.schema["properties"]["errors"]["items"]["properties"]["code"]["enum"] == ["DENIED"]
    # a media type the set has a schema for
    (v,) = _variants(dset, "application/vnd.oci.image.index.v1+json")
    assert v.schema_key == "application/vnd.oci.image.index.v1+json"
    # a placeholder: every media-typed schema, each under its media type
    vs = _variants(dset, "<media type of manifest>", '{"name": <name>}')
    assert [v.media_type for v in vs] == [k for k in SCHEMAS if "/" in k]
    # JSON by the top-level keys of its format
    assert _variants(dset, "application/json", '{"name": <name>, "tags": [<tag>]}')[0].schema_key == "tags"
    assert _variants(dset, "application/json", '{"repositories": [], "next": "<url>"}')[0].schema_key == "catalog"
    unknown = _variants(dset, "application/json", '{"widgets": []}')[0]
    assert unknown.json and unknown.schema is None
    binary = _variants(dset, "application/octet-stream", "<binary data>")[0]
    assert not binary.json and binary.schema is None
    # an explicit mapping wins
    mapped = dataclasses.replace(dset, extensions={"body_schemas": {"application/json": "catalog"}})
    assert _variants(mapped, "application/json", '{"name": <name>, "tags": []}')[0].schema_key == "catalog"


def test_request_and_response_schema(synthetic_set):
    dset = dataclasses.replace(synthetic_set, schemas=SCHEMAS)
    route = dset.routes[0]
    method = route.methods[0]
    request = method.requests[0]
    assert bodies.request_schema(dset, route, method, request) is None  # GET, no body
    bad_shelf = request.failures[0]
    schema = bodies.response_schema(dset, route, method, request, bad_shelf)
    assert Draft202012Validator(schema).is_valid({"errors": [{"code": "SHELF_INVALID", "message": "m"}]})
    assert not Draft202012Validator(schema).is_valid({"errors": [{"code": "BUSY", "message": "m"}]})
    manifest_put = dataclasses.replace(request, body=BodyDescriptor("<media type of manifest>", "{}"))
    schema = bodies.request_schema(dset, route, method, manifest_put)
    assert Draft202012Validator(schema).is_valid(DOCKER_LIST)
    assert not Draft202012Validator(schema).is_valid({"schemaVersion": 2})
    plain = ResponseDescriptor(status_code=200, body=BodyDescriptor("application/octet-stream", "<bytes>"))
    assert bodies.response_schema(dset, route, method, request, plain) is None


@pytest.mark.parametrize("name", BUNDLED)
def test_every_json_body_of_the_bundled_sets_has_a_schema(name):
    """No JSON (or placeholder) body of a bundled set is left without a schema."""
    dset = load_set(name)
    keys = set()
    for route in dset.routes:
        for method in route.methods or ():
            for request in method.requests or ():
                found = [(request.body, [])] + [
                    (r.body, [e.value for e in r.error_codes or ()])
                    for r in (request.successes or ()) + (request.failures or ())]
                for body, codes in found:
                    for variant in bodies.body_variants(dset, body, codes):
                        if variant.json:
                            assert variant.schema is not None, (route.name, method.method, body)
                            Draft202012Validator.check_schema(variant.schema)
                            keys.add(variant.schema_key)
    if not is_registry(dset):
        assert keys, "a set without the registry routes still has JSON bodies with schemas"
    elif name == "registry_v2_0_0":  # no catalog, schema 1 manifests only
        assert {"tags", "manifest-schema1", None} <= keys
    else:  # the manifests, tags and catalog bodies were all recognised
        assert {"tags", "catalog", "application/vnd.oci.image.manifest.v1+json",
                "application/vnd.docker.distribution.manifest.list.v2+json", None} <= keys
