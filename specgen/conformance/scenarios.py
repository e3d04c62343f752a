"""Workflows for the registry descriptor sets (registry_v2 and its OCI extension).

Each scenario is a group of checks; a check is one step of a realistic client workflow. Every
request goes through ``Context.call``, so every exchange is validated against the descriptors; the
steps add what a single exchange cannot show (the blob we pushed comes back, the tag is listed...).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from specgen.conformance.context import Context, Declined, StepFailed, digest_of, with_query
from specgen.model import DescriptorSet

from specgen.distribution.mediatypes import (  # noqa: E402
    ACCEPT_ALL, DOCKER_CONFIG, DOCKER_LAYER, DOCKER_LIST, DOCKER_MANIFEST, OCI_CONFIG, OCI_INDEX, OCI_LAYER,
    OCI_MANIFEST)

DELETE_DECLINED = "the registry does not allow deletes"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    run: Callable[[Context], None]
    requires: Callable[[DescriptorSet], str | None] | None = None  # -> reason to skip, or None


SCENARIOS: list[Scenario] = []


def scenario(name: str, description: str, requires: Callable[[DescriptorSet], str | None] | None = None):
    def register(func: Callable[[Context], None]) -> Callable[[Context], None]:
        SCENARIOS.append(Scenario(name, description, func, requires))
        return func

    return register


def applies(dset: DescriptorSet) -> bool:
    """These scenarios speak the registry protocol: the set must have its routes."""
    names = {r.name for r in dset.routes}
    return {"base", "blob", "blob-upload", "blob-upload-chunk", "manifest"} <= names


# -- building blocks ------------------------------------------------------------------------------


def v2(ctx: Context, tail: str, repo: str | None = None) -> str:
    return f"/v2/{repo or ctx.repo}/{tail}"


def location(ctx: Context, ex) -> str:
    loc = ex.response_headers.get("location") or ex.response_headers.get("Location")
    if not loc:
        raise StepFailed(f"{ex.method} answered {ex.status} without a Location")
    return urljoin(ex.url, loc)


def start_upload(ctx: Context, repo: str | None = None) -> str:
    ex = ctx.call("POST", v2(ctx, "blobs/uploads/", repo), expect=202)
    return location(ctx, ex)  # observe() put it in the ledger


def finish_upload(ctx: Context, url: str, digest: str, data: bytes | None = None,
                  repo: str | None = None) -> None:
    headers = {"Content-Type": "application/octet-stream", "Content-Length": str(len(data or b""))}
    ctx.call("PUT", with_query(url, digest=digest), headers=headers, body=data or b"", expect=201)
    ctx.ledger.blobs.append((repo or ctx.repo, digest))


def push_blob(ctx: Context, data: bytes, algorithm: str = "sha256", repo: str | None = None) -> str:
    """POST + PUT, the upload every registry supports; returns the digest."""
    digest = digest_of(data, algorithm)
    finish_upload(ctx, start_upload(ctx, repo), digest, data, repo)
    return digest


def get_blob(ctx: Context, digest: str, data: bytes, repo: str | None = None) -> None:
    ex = ctx.call("GET", v2(ctx, f"blobs/{digest}", repo), expect=200)
    if ex.body != data:
        raise StepFailed(f"GET blob {digest} returned {len(ex.body)} bytes, not the {len(data)} pushed")


def patch(ctx: Context, url: str, chunk: bytes, start: int | None, expect=202, codes=None) -> str:
    headers = {"Content-Type": "application/octet-stream", "Content-Length": str(len(chunk))}
    if start is not None:
        headers["Content-Range"] = f"{start}-{start + len(chunk) - 1}"
    ex = ctx.call("PATCH", url, headers=headers, body=chunk, expect=expect, codes=codes)
    return location(ctx, ex) if ex.status == 202 else url


def payload(ctx: Context, label: str, size: int = 64) -> bytes:
    """Content unique to this run and step, so digests never collide with other data."""
    seed = f"{ctx.repo} {label} ".encode()
    return (seed * (size // len(seed) + 1))[:size]


def image(ctx: Context, label: str, media_type: str = OCI_MANIFEST) -> tuple[bytes, str]:
    """Push a config and a layer; return a manifest of ``media_type`` referencing them."""
    docker = media_type == DOCKER_MANIFEST
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                         "config": {"Labels": {"specgen.check": f"{ctx.repo} {label}"}}}).encode()
    layer = payload(ctx, f"layer {label}", 128)
    cfg, lay = push_blob(ctx, config), push_blob(ctx, layer)
    manifest = {
        "schemaVersion": 2, "mediaType": media_type,
        "config": {"mediaType": DOCKER_CONFIG if docker else OCI_CONFIG, "digest": cfg, "size": len(config)},
        "layers": [{"mediaType": DOCKER_LAYER if docker else OCI_LAYER, "digest": lay, "size": len(layer)}],
    }
    return json.dumps(manifest, indent=2).encode(), media_type


def index(children: list[tuple[bytes, str]], media_type: str = OCI_INDEX) -> tuple[bytes, str]:
    manifests = [{"mediaType": mt, "digest": digest_of(body), "size": len(body),
                  "platform": {"architecture": arch, "os": "linux"}}
                 for (body, mt), arch in zip(children, ("amd64", "arm64", "s390x"))]
    return json.dumps({"schemaVersion": 2, "mediaType": media_type, "manifests": manifests}, indent=2).encode(), media_type


def put_manifest(ctx: Context, reference: str, manifest: tuple[bytes, str], expect=201, codes=None,
                 repo: str | None = None) -> str:
    body, media_type = manifest
    ex = ctx.call("PUT", v2(ctx, f"manifests/{reference}", repo), headers={"Content-Type": media_type},
                  body=body, expect=expect, codes=codes)
    digest = digest_of(body)
    if ex.status == 201:
        ctx.ledger.manifests.append((repo or ctx.repo, digest))
        got = ex.response_headers.get("docker-content-digest") or ex.response_headers.get("Docker-Content-Digest")
        if got and got != digest:
            raise StepFailed(f"PUT manifest answered Docker-Content-Digest {got}, the manifest's is {digest}")
    return digest


def get_manifest(ctx: Context, reference: str, manifest: tuple[bytes, str], method: str = "GET") -> None:
    body, media_type = manifest
    ex = ctx.call(method, v2(ctx, f"manifests/{reference}"), headers={"Accept": ACCEPT_ALL}, expect=200)
    ctype = {k.lower(): v for k, v in ex.response_headers.items()}.get("content-type", "")
    if ctype.split(";")[0].strip() != media_type:
        raise StepFailed(f"{method} manifest answered Content-Type {ctype!r}, pushed as {media_type}")
    if method == "GET" and ex.body != body:
        raise StepFailed("GET manifest did not return the bytes pushed")


def random_digest() -> str:
    return digest_of(secrets.token_bytes(32))


# -- scenarios ------------------------------------------------------------------------------------


@scenario("base", "API version check")
def base(ctx: Context) -> None:
    with ctx.check("GET /v2/ answers 200"):
        ctx.call("GET", "/v2/", expect=200)
    if not ctx.credentials:
        return  # the 401 challenge can only be provoked on a registry requiring credentials
    with ctx.check("unauthenticated GET /v2/ is challenged"):
        ctx.call("GET", "/v2/", expect=401, auth=False,
                 decline={200: "the registry lets anonymous clients in"})


@scenario("blob-monolithic", "monolithic upload in a single POST, then HEAD and GET")
def blob_monolithic(ctx: Context) -> None:
    data = payload(ctx, "monolithic")
    digest = digest_of(data)
    with ctx.check("POST ?digest= with the whole blob answers 201"):
        ctx.call("POST", with_query(v2(ctx, "blobs/uploads/"), digest=digest), body=data,
                 headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))},
                 expect=201, decline={202: "the registry does not take a blob in one POST; it opened an upload"})
        ctx.ledger.blobs.append((ctx.repo, digest))
    with ctx.check("HEAD and GET return the blob"):
        ctx.call("HEAD", v2(ctx, f"blobs/{digest}"), expect=200)
        get_blob(ctx, digest, data)


@scenario("blob-post-put", "upload with POST then a single PUT carrying the content")
def blob_post_put(ctx: Context) -> None:
    data = payload(ctx, "post-put", 1000)
    with ctx.check("POST opens an upload session"):
        url = start_upload(ctx)
    with ctx.check("PUT ?digest= with the content completes it"):
        finish_upload(ctx, url, digest_of(data), data)
    with ctx.check("GET returns the blob"):
        get_blob(ctx, digest_of(data), data)


@scenario("blob-chunked", "chunked upload: PATCH with Content-Range, status, PUT")
def blob_chunked(ctx: Context) -> None:
    data = payload(ctx, "chunked", 3000)
    with ctx.check("POST opens an upload session"):
        url = start_upload(ctx)
    with ctx.check("PATCH first chunk"):
        url = patch(ctx, url, data[:1000], 0)
    with ctx.check("PATCH second chunk"):
        url = patch(ctx, url, data[1000:], 1000)
    with ctx.check("GET upload status reports the offset"):
        ex = ctx.call("GET", url, expect=204)
        rng = {k.lower(): v for k, v in ex.response_headers.items()}.get("range")
        if rng != f"0-{len(data) - 1}":
            raise StepFailed(f"Range is {rng!r}, expected 0-{len(data) - 1}")
    with ctx.check("PUT ?digest= without body completes it"):
        finish_upload(ctx, url, digest_of(data))
    with ctx.check("GET returns the blob"):
        get_blob(ctx, digest_of(data), data)


@scenario("blob-streamed", "streamed upload: PATCH without Content-Range")
def blob_streamed(ctx: Context) -> None:
    data = payload(ctx, "streamed", 2048)
    with ctx.check("POST opens an upload session"):
        url = start_upload(ctx)
    with ctx.check("PATCH streams the content"):
        url = patch(ctx, url, data[:1024], None)
        url = patch(ctx, url, data[1024:], None)
    with ctx.check("PUT ?digest= completes it"):
        finish_upload(ctx, url, digest_of(data))
    with ctx.check("GET returns the blob"):
        get_blob(ctx, digest_of(data), data)


@scenario("blob-resumed", "resumed upload: status tells where to go on")
def blob_resumed(ctx: Context) -> None:
    data = payload(ctx, "resumed", 1500)
    with ctx.check("POST and a first chunk"):
        url = patch(ctx, start_upload(ctx), data[:700], 0)
    with ctx.check("GET upload status gives the offset to resume from"):
        ex = ctx.call("GET", url, expect=204)
        rng = {k.lower(): v for k, v in ex.response_headers.items()}.get("range", "")
        try:
            offset = int(rng.split("-")[1]) + 1
        except (IndexError, ValueError):
            raise StepFailed(f"cannot resume from Range {rng!r}") from None
        if offset != 700:
            raise StepFailed(f"Range {rng!r} does not end at the 700 bytes sent")
        url = location(ctx, ex) if "location" in {k.lower() for k in ex.response_headers} else url
    with ctx.check("PATCH the rest from that offset and PUT"):
        url = patch(ctx, url, data[offset:], offset)
        finish_upload(ctx, url, digest_of(data))
    with ctx.check("GET returns the blob"):
        get_blob(ctx, digest_of(data), data)


@scenario("upload-cancel", "upload status and cancel")
def upload_cancel(ctx: Context) -> None:
    with ctx.check("POST opens an upload session"):
        url = start_upload(ctx)
    with ctx.check("GET upload status answers 204 at offset 0"):
        ctx.call("GET", url, expect=204)
    with ctx.check("DELETE cancels the upload"):
        ctx.call("DELETE", url, expect=204)
    with ctx.check("the cancelled upload is unknown"):
        ctx.call("GET", url, expect=404, codes=("BLOB_UPLOAD_UNKNOWN",))


@scenario("blob-mount", "cross-repository and anonymous blob mount")
def blob_mount(ctx: Context) -> None:
    source = f"{ctx.repo}/mount-source"
    data = payload(ctx, "mount", 300)
    with ctx.check("push a blob to the source repository"):
        digest = push_blob(ctx, data, repo=source)
    with ctx.check("POST ?mount=&from= mounts it"):
        ctx.call("POST", with_query(v2(ctx, "blobs/uploads/"), mount=digest, **{"from": source}),
                 expect=201, decline={202: "the registry declined the mount and opened an upload"})
        ctx.ledger.blobs.append((ctx.repo, digest))
    with ctx.check("the mounted blob is there"):
        get_blob(ctx, digest, data)
    with ctx.check("POST ?mount= without from (anonymous mount)"):
        other = f"{ctx.repo}/anonymous-mount"
        ctx.call("POST", with_query(v2(ctx, "blobs/uploads/", other), mount=digest), expect=201,
                 decline={202: "the registry declined the anonymous mount and opened an upload"})
        ctx.ledger.blobs.append((other, digest))


@scenario("blob-fetch", "blob GET, HEAD, ranged GET, unsatisfiable range")
def blob_fetch(ctx: Context) -> None:
    data = payload(ctx, "fetch", 512)
    with ctx.check("push a blob"):
        digest = push_blob(ctx, data)
    with ctx.check("HEAD answers 200 without a body"):
        ctx.call("HEAD", v2(ctx, f"blobs/{digest}"), expect=200)
    with ctx.check("GET returns the content"):
        get_blob(ctx, digest, data)
    with ctx.check("GET with Range returns the part"):
        ex = ctx.call("GET", v2(ctx, f"blobs/{digest}"), headers={"Range": "bytes=10-19"}, expect=206,
                      decline={200: "the registry ignores Range and sends the whole blob"})
        if ex.body != data[10:20]:
            raise StepFailed(f"ranged GET returned {ex.body[:40]!r}, expected bytes 10-19")
    with ctx.check("GET with an unsatisfiable Range answers 416"):
        ctx.call("GET", v2(ctx, f"blobs/{digest}"), headers={"Range": "bytes=10000-10010"}, expect=416)


@scenario("blob-digests", "sha512 digests and a zero-byte blob")
def blob_digests(ctx: Context) -> None:
    data = payload(ctx, "sha512", 200)
    with ctx.check("push and fetch a blob by sha512 digest"):
        digest = push_blob(ctx, data, "sha512")
        get_blob(ctx, digest, data)
    with ctx.check("push and fetch a zero-byte blob"):
        digest = push_blob(ctx, b"")
        get_blob(ctx, digest, b"")


def _declares_status(ctx: Context, route: str, method: str, status: int) -> bool:
    try:
        r = ctx.dset.route(route)
    except KeyError:
        return False
    return any(resp.status_code == status for m in r.methods or () if m.method == method
               for q in m.requests or () for resp in (q.successes or ()) + (q.failures or ()))


def _declares_query(ctx: Context, route: str, method: str, param: str) -> bool:
    try:
        r = ctx.dset.route(route)
    except KeyError:
        return False
    return any(p.name == param for m in r.methods or () if m.method == method
               for q in m.requests or () for p in q.query_parameters or ())


@scenario("blob-digest-algorithm", "upload asking for sha512 with digest-algorithm, where the set declares it",
          requires=lambda d: None if any(p.name == "digest-algorithm" for r in d.routes for m in r.methods or ()
                                         for q in m.requests or () for p in q.query_parameters or ())
          else "the set declares no digest-algorithm parameter")
def blob_digest_algorithm(ctx: Context) -> None:
    data = payload(ctx, "digest-algorithm", 300)
    digest = digest_of(data, "sha512")
    with ctx.check("POST ?digest-algorithm=sha512 opens an upload session"):
        ex = ctx.call("POST", with_query(v2(ctx, "blobs/uploads/"), **{"digest-algorithm": "sha512"}), expect=202)
        url = location(ctx, ex)
    with ctx.check("PATCH and PUT ?digest=sha512:... complete it"):
        url = patch(ctx, url, data, 0)
        finish_upload(ctx, url, digest)
    with ctx.check("GET returns the blob by its sha512 digest"):
        get_blob(ctx, digest, data)


@scenario("referrers", "referrers of a manifest, with and without artifactType filter",
          requires=lambda d: None if any(r.name == "referrers" for r in d.routes) else "the set has no referrers route")
def referrers(ctx: Context) -> None:
    artifact_type = "application/vnd.specgen.check.test"
    with ctx.check("push a subject image"):
        subject = image(ctx, "subject")
        subject_digest = put_manifest(ctx, "subject", subject)
    with ctx.check("push an artifact whose subject is that image"):
        empty = push_blob(ctx, b"{}")
        doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": artifact_type,
               "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
               "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2}],
               "subject": {"mediaType": OCI_MANIFEST, "digest": subject_digest, "size": len(subject[0])},
               "annotations": {"org.example.check": ctx.repo}}
        artifact = (json.dumps(doc, indent=2).encode(), OCI_MANIFEST)
        artifact_digest = put_manifest(ctx, digest_of(artifact[0]), artifact)
    with ctx.check("GET referrers lists the artifact"):
        ex = ctx.call("GET", v2(ctx, f"referrers/{subject_digest}"), expect=200)
        found = [m for m in json.loads(ex.body).get("manifests") or [] if m.get("digest") == artifact_digest]
        if not found or found[0].get("artifactType") != artifact_type:
            raise StepFailed(f"referrers of {subject_digest} lack {artifact_digest} with artifactType {artifact_type}")
    with ctx.check("GET referrers filtered by artifactType"):
        ex = ctx.call("GET", with_query(v2(ctx, f"referrers/{subject_digest}"), artifactType=artifact_type), expect=200)
        listed = json.loads(ex.body).get("manifests") or []
        applied = {k.lower(): v for k, v in ex.response_headers.items()}.get("oci-filters-applied", "")
        if applied and any(m.get("artifactType") != artifact_type for m in listed):
            raise StepFailed("OCI-Filters-Applied says artifactType, yet other types are listed")
        if artifact_digest not in {m.get("digest") for m in listed}:
            raise StepFailed("the filtered list lacks the artifact")
    with ctx.check("GET referrers of a digest nothing refers to is an empty index"):
        ex = ctx.call("GET", v2(ctx, f"referrers/{random_digest()}"), expect=200)
        if json.loads(ex.body).get("manifests") != []:
            raise StepFailed("expected an empty manifests list")
    with ctx.check("GET referrers with an invalid digest", independent=True):
        ctx.call("GET", v2(ctx, "referrers/sha256:abc"), expect=400, codes=("DIGEST_INVALID",))


@scenario("blob-delete", "blob DELETE, then it is unknown")
def blob_delete(ctx: Context) -> None:
    data = payload(ctx, "delete", 100)
    with ctx.check("push a blob"):
        digest = push_blob(ctx, data)
    with ctx.check("DELETE answers 202"):
        ctx.call("DELETE", v2(ctx, f"blobs/{digest}"), expect=202, decline={405: DELETE_DECLINED})
        ctx.ledger.blobs.remove((ctx.repo, digest))
    with ctx.check("the deleted blob is unknown"):
        ctx.call("HEAD", v2(ctx, f"blobs/{digest}"), expect=404)
        ctx.call("GET", v2(ctx, f"blobs/{digest}"), expect=404, codes=("BLOB_UNKNOWN",))
    with ctx.check("DELETE of an unknown blob answers 404"):
        ctx.call("DELETE", v2(ctx, f"blobs/{digest}"), expect=404, codes=("BLOB_UNKNOWN",))


def _manifest_roundtrip(ctx: Context, tag: str, manifest: tuple[bytes, str]) -> None:
    with ctx.check(f"PUT by tag {tag}"):
        digest = put_manifest(ctx, tag, manifest)
    with ctx.check("GET and HEAD by tag"):
        get_manifest(ctx, tag, manifest)
        get_manifest(ctx, tag, manifest, "HEAD")
    with ctx.check("GET and HEAD by digest"):
        get_manifest(ctx, digest, manifest)
        get_manifest(ctx, digest, manifest, "HEAD")
    with ctx.check("PUT by digest"):
        put_manifest(ctx, digest, manifest)


@scenario("manifest-oci-image", "OCI image manifest by tag and by digest")
def manifest_oci_image(ctx: Context) -> None:
    with ctx.check("push config and layer"):
        manifest = image(ctx, "oci-image")
    _manifest_roundtrip(ctx, "oci-image", manifest)


@scenario("manifest-docker-v2", "Docker schema 2 manifest by tag and by digest")
def manifest_docker_v2(ctx: Context) -> None:
    with ctx.check("push config and layer"):
        manifest = image(ctx, "docker-v2", DOCKER_MANIFEST)
    _manifest_roundtrip(ctx, "docker-v2", manifest)


@scenario("manifest-oci-index", "OCI image index over two image manifests")
def manifest_oci_index(ctx: Context) -> None:
    with ctx.check("push two image manifests by digest"):
        children = [image(ctx, f"index-{i}") for i in range(2)]
        for child in children:
            put_manifest(ctx, digest_of(child[0]), child)
    _manifest_roundtrip(ctx, "oci-index", index(children))


@scenario("manifest-docker-list", "Docker manifest list over two schema 2 manifests")
def manifest_docker_list(ctx: Context) -> None:
    with ctx.check("push two schema 2 manifests by digest"):
        children = [image(ctx, f"list-{i}", DOCKER_MANIFEST) for i in range(2)]
        for child in children:
            put_manifest(ctx, digest_of(child[0]), child)
    _manifest_roundtrip(ctx, "docker-list", index(children, DOCKER_LIST))


@scenario("manifest-delete", "manifest DELETE by digest, then it is unknown")
def manifest_delete(ctx: Context) -> None:
    with ctx.check("push a manifest"):
        manifest = image(ctx, "delete")
        digest = put_manifest(ctx, "to-delete", manifest)
    with ctx.check("DELETE by digest answers 202"):
        ctx.call("DELETE", v2(ctx, f"manifests/{digest}"), expect=202, decline={405: DELETE_DECLINED})
        ctx.ledger.manifests.remove((ctx.repo, digest))
    with ctx.check("the deleted manifest is unknown"):
        ctx.call("GET", v2(ctx, f"manifests/{digest}"), headers={"Accept": ACCEPT_ALL}, expect=404)
    with ctx.check("DELETE of an unknown manifest answers 404"):
        ctx.call("DELETE", v2(ctx, f"manifests/{digest}"), expect=404, codes=("MANIFEST_UNKNOWN",))


def _follow(ctx: Context, url: str, key: str, limit: int, page_size: int | None = None) -> list[str]:
    """GET a paginated list, following Link headers; returns the entries seen. Each page must hold
    at most ``page_size`` entries (the descriptors: n limits the entries in each response)."""
    seen: list[str] = []
    for _ in range(limit):
        ex = ctx.call("GET", url, expect=200)
        page = json.loads(ex.body).get(key) or []
        if page_size is not None and len(page) > page_size:
            raise StepFailed(f"a page asked with n={page_size} holds {len(page)} entries: {page[:5]}")
        seen += page
        link = {k.lower(): v for k, v in ex.response_headers.items()}.get("link")
        if not link:
            return seen
        url = urljoin(ex.url, link.split(";")[0].strip().strip("<>"))
    return seen


@scenario("tags", "tags list, paginated with n and last, following Link")
def tags(ctx: Context) -> None:
    names = ["t1", "t2", "t3"]
    with ctx.check("push a manifest under three tags"):
        manifest = image(ctx, "tags")
        for name in names:
            put_manifest(ctx, name, manifest)
    with ctx.check("tags list contains them"):
        ex = ctx.call("GET", v2(ctx, "tags/list"), expect=200)
        doc = json.loads(ex.body)
        if doc.get("name") != ctx.repo or not set(names) <= set(doc.get("tags") or []):
            raise StepFailed(f"tags list {doc} lacks {names}")
    with ctx.check("paginated with n=1, following Link"):
        seen = _follow(ctx, with_query(v2(ctx, "tags/list"), n="1"), "tags", 10, page_size=1)
        if len(seen) != len(set(seen)) or not set(names) <= set(seen):
            raise StepFailed(f"pages gave {seen}, expected each of {names} once")
    with ctx.check("paginated with n and last"):
        ex = ctx.call("GET", with_query(v2(ctx, "tags/list"), n="5", last="t1"), expect=200)
        got = json.loads(ex.body).get("tags") or []
        if "t1" in got or not {"t2", "t3"} <= set(got):
            raise StepFailed(f"last=t1 gave {got}")


@scenario("catalog", "catalog, paginated, following Link (reads only)",
          requires=lambda d: None if any(r.name == "catalog" for r in d.routes) else "the set has no catalog route")
def catalog(ctx: Context) -> None:
    with ctx.check("push a blob so the repository exists"):
        push_blob(ctx, payload(ctx, "catalog", 10))
    with ctx.check("GET /v2/_catalog"):
        ex = ctx.call("GET", "/v2/_catalog", expect=200)
        if not isinstance(json.loads(ex.body).get("repositories"), list):
            raise StepFailed("catalog has no repositories list")
    with ctx.check("paginated with n=1, following Link (3 pages at most)"):
        _follow(ctx, "/v2/_catalog?n=1", "repositories", 3, page_size=1)
    with ctx.check("paginated with n and last"):
        ctx.call("GET", with_query("/v2/_catalog", n="2", last=ctx.repo), expect=200)


@scenario("errors", "failures a client can provoke, each answered as declared")
def errors(ctx: Context) -> None:
    long_name = f"{ctx.repo}/{'n' * 256}"
    with ctx.check("set up: an image in the repository"):
        manifest = image(ctx, "errors")
        put_manifest(ctx, "errors", manifest)
    with ctx.check("invalid name (longer than 255)", independent=True):
        bad = random_digest()
        octets = {"Content-Type": "application/octet-stream"}
        for method, tail, headers, body in (
            ("GET", "manifests/latest", {"Accept": ACCEPT_ALL}, None),
            ("PUT", "manifests/latest", {"Content-Type": manifest[1]}, manifest[0]),
            ("DELETE", f"manifests/{bad}", None, None),
            ("GET", f"blobs/{bad}", None, None),
            ("GET", f"blobs/{bad}", {"Range": "bytes=0-1"}, None),
            ("DELETE", f"blobs/{bad}", None, None),
            ("POST", "blobs/uploads/", None, None),
            ("POST", f"blobs/uploads/?digest={bad}", octets, b"x"),
            ("POST", f"blobs/uploads/?mount={bad}&from={ctx.repo}", None, None),
            ("GET", f"blobs/uploads/{uuid.uuid4()}", None, None),
            ("PATCH", f"blobs/uploads/{uuid.uuid4()}", octets, b"x"),
            ("PATCH", f"blobs/uploads/{uuid.uuid4()}", {**octets, "Content-Range": "0-0"}, b"x"),
            ("PUT", f"blobs/uploads/{uuid.uuid4()}?digest={bad}", octets, b""),
            ("DELETE", f"blobs/uploads/{uuid.uuid4()}", None, None),
        ):
            ctx.call(method, v2(ctx, tail, long_name), headers=headers, body=body, expect=400,
                     codes=("NAME_INVALID",), soft=True)
    with ctx.check("invalid tag (reference neither a tag nor a digest)", independent=True):
        # which 400 code is a matter of taste (the reference is neither a tag nor a digest); validate
        # checks it is one the descriptors declare for that 400
        put_manifest(ctx, "sha256:abc", manifest, expect=400,
                     codes=("TAG_INVALID", "DIGEST_INVALID", "MANIFEST_INVALID", "NAME_INVALID"))
        ctx.call("DELETE", v2(ctx, "manifests/sha256:abc"), expect=400,
                 codes=("TAG_INVALID", "DIGEST_INVALID", "NAME_INVALID"), soft=True)
    with ctx.check("invalid digest", independent=True):
        ctx.call("GET", v2(ctx, "blobs/sha256:abc"), expect=400, codes=("DIGEST_INVALID",), soft=True)
        ctx.call("HEAD", v2(ctx, "blobs/sha256:abc"), expect=400, soft=True)
        ctx.call("HEAD", v2(ctx, "manifests/sha256:abc"), headers={"Accept": ACCEPT_ALL}, expect=400, soft=True)
        ctx.call("POST", with_query(v2(ctx, "blobs/uploads/"), mount="sha256:abc"), expect=400,
                 codes=("DIGEST_INVALID",), decline={202: "the registry ignored the bad anonymous mount"}, soft=True)
        ctx.call("GET", v2(ctx, "blobs/sha256:abc"), headers={"Range": "bytes=0-1"}, expect=400,
                 codes=("DIGEST_INVALID",), soft=True)
        ctx.call("DELETE", v2(ctx, "blobs/sha256:abc"), expect=400, codes=("DIGEST_INVALID",), soft=True)
        ctx.call("POST", with_query(v2(ctx, "blobs/uploads/"), digest="sha256:abc"), body=b"x",
                 headers={"Content-Type": "application/octet-stream"}, expect=400, codes=("DIGEST_INVALID",),
                 soft=True)
        ctx.call("POST", with_query(v2(ctx, "blobs/uploads/"), mount="sha256:abc", **{"from": ctx.repo}),
                 expect=400, codes=("DIGEST_INVALID",), decline={202: "the registry ignored the bad mount"},
                 soft=True)
        url = start_upload(ctx)
        ctx.call("PUT", with_query(url, digest="sha256:abc"), body=b"", expect=400, codes=("DIGEST_INVALID",))
    with ctx.check("unknown repository", independent=True):
        never = f"{ctx.repo}/never-pushed"
        some = random_digest()
        for method, tail, headers, codes in (
            ("GET", "tags/list", None, ("NAME_UNKNOWN",)),
            ("GET", "tags/list?n=1", None, ("NAME_UNKNOWN",)),
            ("GET", "manifests/latest", {"Accept": ACCEPT_ALL}, ("NAME_UNKNOWN", "MANIFEST_UNKNOWN")),
            ("HEAD", "manifests/latest", {"Accept": ACCEPT_ALL}, ()),
            ("DELETE", f"manifests/{some}", None, ("NAME_UNKNOWN", "MANIFEST_UNKNOWN")),
            ("GET", f"blobs/{some}", None, ("NAME_UNKNOWN", "BLOB_UNKNOWN")),
            ("GET", f"blobs/{some}", {"Range": "bytes=0-1"}, ("NAME_UNKNOWN", "BLOB_UNKNOWN")),
            ("HEAD", f"blobs/{some}", None, ()),
            ("DELETE", f"blobs/{some}", None, ("NAME_UNKNOWN", "BLOB_UNKNOWN")),
            ("GET", f"blobs/uploads/{uuid.uuid4()}", None, ("NAME_UNKNOWN", "BLOB_UPLOAD_UNKNOWN")),
            ("PATCH", f"blobs/uploads/{uuid.uuid4()}", {"Content-Type": "application/octet-stream"},
             ("NAME_UNKNOWN", "BLOB_UPLOAD_UNKNOWN")),
            ("PATCH", f"blobs/uploads/{uuid.uuid4()}", {"Content-Type": "application/octet-stream",
                                                        "Content-Range": "0-0"}, ("NAME_UNKNOWN", "BLOB_UPLOAD_UNKNOWN")),
            ("PUT", f"blobs/uploads/{uuid.uuid4()}?digest={some}", None, ("NAME_UNKNOWN", "BLOB_UPLOAD_UNKNOWN")),
            ("DELETE", f"blobs/uploads/{uuid.uuid4()}", None, ("NAME_UNKNOWN", "BLOB_UPLOAD_UNKNOWN")),
        ) + ((("GET", f"referrers/{some}", None, ("NAME_UNKNOWN",)),)
             if any(r.name == "referrers" for r in ctx.dset.routes) else ()):
            body = b"x" if method in ("PATCH", "PUT") else None
            ctx.call(method, v2(ctx, tail, never), headers=headers, body=body,
                     expect=(200, 404) if tail.startswith("referrers/") else 404, codes=codes or None, soft=True)
    with ctx.check("unknown blob", independent=True):
        ctx.call("GET", v2(ctx, f"blobs/{random_digest()}"), expect=404, codes=("BLOB_UNKNOWN",), soft=True)
        ctx.call("GET", v2(ctx, f"blobs/{random_digest()}"), headers={"Range": "bytes=0-1"}, expect=404,
                 codes=("BLOB_UNKNOWN",), soft=True)
    with ctx.check("unknown manifest", independent=True):
        ctx.call("GET", v2(ctx, "manifests/no-such-tag"), headers={"Accept": ACCEPT_ALL}, expect=404,
                 codes=("MANIFEST_UNKNOWN", "NAME_UNKNOWN"))  # registry_v2 declares only NAME_UNKNOWN here
    with ctx.check("unknown upload (cancelled)", independent=True):
        gone = start_upload(ctx)
        ctx.call("DELETE", gone, expect=204)
        ctx.call("GET", gone, expect=404, codes=("BLOB_UPLOAD_UNKNOWN",), soft=True)
        ctx.call("PATCH", gone, body=b"x", headers={"Content-Type": "application/octet-stream"}, expect=404,
                 codes=("BLOB_UPLOAD_UNKNOWN",), soft=True)
        ctx.call("PATCH", gone, body=b"x", headers={"Content-Type": "application/octet-stream",
                 "Content-Range": "0-0", "Content-Length": "1"}, expect=404, codes=("BLOB_UPLOAD_UNKNOWN",),
                 soft=True)
        ctx.call("PUT", with_query(gone, digest=digest_of(b"x")), body=b"x", expect=404,
                 codes=("BLOB_UPLOAD_UNKNOWN",), soft=True)
        ctx.call("DELETE", gone, expect=404, codes=("BLOB_UPLOAD_UNKNOWN",), soft=True)
    with ctx.check("unknown upload (id never issued)", independent=True):
        ctx.call("GET", v2(ctx, f"blobs/uploads/{uuid.uuid4()}"), expect=404, codes=("BLOB_UPLOAD_UNKNOWN",))
    with ctx.check("digest mismatch", independent=True):
        data = payload(ctx, "mismatch", 50)
        url = start_upload(ctx)
        ctx.call("PUT", with_query(url, digest=digest_of(data + b"!")), body=data, expect=400,
                 headers={"Content-Type": "application/octet-stream"}, codes=("DIGEST_INVALID",))
    with ctx.check("out-of-order chunk", independent=True):
        url = start_upload(ctx)
        patch(ctx, url, b"0123456789", 5, expect=416)
        url = patch(ctx, start_upload(ctx), b"0123456789", 0)
        if _declares_status(ctx, "blob-upload-chunk", "PUT", 416):  # a closing chunk out of order
            ctx.call("PUT", with_query(url, digest=digest_of(b"0123456789" * 2)), body=b"0123456789",
                     headers={"Content-Type": "application/octet-stream", "Content-Range": "20-29"},
                     expect=416, soft=True)
    with ctx.check("manifest referencing a missing blob", independent=True):
        body, media_type = manifest
        doc = json.loads(body)
        doc["layers"][0]["digest"] = random_digest()
        put_manifest(ctx, "missing-blob", (json.dumps(doc).encode(), media_type), expect=400,
                     codes=("BLOB_UNKNOWN", "MANIFEST_BLOB_UNKNOWN"))
    with ctx.check("bad pagination number", independent=True):
        ctx.call("GET", with_query(v2(ctx, "tags/list"), n="-1"), expect=400, codes=("PAGINATION_NUMBER_INVALID",), soft=True)
        if any(r.name == "catalog" for r in ctx.dset.routes):
            ctx.call("GET", "/v2/_catalog?n=-1", expect=400, codes=("PAGINATION_NUMBER_INVALID",), soft=True)


#: Why a declared response cannot be provoked by a client from outside (keyed on status code).
UNPROVOKABLE = {
    401: "only a registry requiring authentication answers it (checked when --user/--token is given)",
    403: "needs an access policy that denies the checker's own credentials",
    429: "needs a rate-limited registry",
    307: "only a registry whose storage redirects blob downloads answers it",
    405: "only a registry that disables the operation answers it (reported as Skip when it does)",
    413: "a registry may accept manifests of any size; only one with a limit the checker does not know answers it",
}


def unprovokable_reason(route: str, method: str, request: str, status: int, name: str,
                       shares_status: bool = False) -> str:
    """Why the scenarios leave a declared response unexercised (empty when they should not)."""
    if route == "base" and status == 404:
        return "a registry implementing V2 never answers it"
    if status in UNPROVOKABLE:
        return UNPROVOKABLE[status]
    if name == "No Such Repository Error" and (route == "blob-upload" or (route == "manifest" and method == "PUT")):
        return "a push creates the repository; only a registry forbidding that answers it"
    if name == "No Such Repository Error" and route == "blob-upload-chunk":
        return "an upload lives in its repository: the registry answered the upload's own 404 instead"
    if name == "No Such Repository Error":
        return "the registry answered this request's other 404 (unknown blob/manifest), which is equally declared"
    if route == "blob-upload" and status == 202:
        return "only a registry declining the operation answers it (reported as Skip when it does)"
    if method == "HEAD" and shares_status:
        return "a HEAD answer has no body, so it cannot be told from the other response with this status"
    if name == "Missing Layer(s)":
        return "the registry reported the missing blob under the other 400 (its codes include the one it sent)"
    return ""


def observe(ctx: Context, ex) -> None:
    """Follow upload sessions through every exchange (even ones meant to fail), so the ledger
    holds each open session's latest URL and cleanup can cancel it."""
    uploads = ctx.ledger.uploads
    path = urlsplit(ex.url).path
    same = [u for u in uploads if urlsplit(u).path == path]
    loc = {k.lower(): v for k, v in ex.response_headers.items()}.get("location")
    if ex.method == "POST" and ex.status == 202 and loc:
        uploads.append(urljoin(ex.url, loc))
    elif ex.method == "PATCH" and ex.status == 202 and loc:
        for u in same:
            uploads.remove(u)
        uploads.append(urljoin(ex.url, loc))
    elif (ex.method == "PUT" and ex.status == 201) or (ex.method == "DELETE" and ex.status in (204, 404)):
        for u in same:
            uploads.remove(u)


def cleanup(ctx: Context) -> None:
    """Delete what the run pushed: manifests first, then blobs, then cancel open uploads."""
    with ctx.check("delete pushed manifests, blobs and open uploads"):
        for repo, digest in reversed(list(dict.fromkeys(ctx.ledger.manifests))):
            try:
                ctx.call("DELETE", v2(ctx, f"manifests/{digest}", repo), expect=(202, 404),
                         decline={405: DELETE_DECLINED})
            except (StepFailed, Declined) as exc:
                ctx.note(str(exc))
        for repo, digest in reversed(list(dict.fromkeys(ctx.ledger.blobs))):
            try:
                ctx.call("DELETE", v2(ctx, f"blobs/{digest}", repo), expect=(202, 404),
                         decline={405: DELETE_DECLINED})
            except (StepFailed, Declined) as exc:
                ctx.note(str(exc))
        for url in list(dict.fromkeys(ctx.ledger.uploads)):
            try:
                ctx.call("DELETE", url, expect=(204, 404))
            except StepFailed as exc:
                ctx.note(str(exc))
        ctx.ledger.manifests.clear()
        ctx.ledger.blobs.clear()
        ctx.ledger.uploads.clear()
