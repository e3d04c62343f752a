"""Building blocks of the workflows: push and fetch blobs and manifests, follow uploads and pages.

Every URL comes from ``ctx.urls`` (the set's routes) or from the registry itself (``Location``,
``Link``); none is spelled here."""

from __future__ import annotations

import json
import secrets
from urllib.parse import urljoin

from specgen.checker.context import Context, StepFailed, with_query
from specgen.checker.validate import Exchange
from specgen.distribution.digest import digest_of
from specgen.distribution.mediatypes import (
    ACCEPT_ALL,
    DOCKER_CONFIG,
    DOCKER_LAYER,
    DOCKER_MANIFEST,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
)

DELETE_DECLINED = "the registry does not allow deletes"
OCTETS = "application/octet-stream"

#: A manifest as pushed: its bytes and its media type.
Manifest = tuple[bytes, str]


def header(ex: Exchange, name: str) -> str | None:
    """A response header, whatever its case."""
    wanted = name.lower()
    return next((v for k, v in ex.response_headers.items() if k.lower() == wanted), None)


def location(ex: Exchange) -> str:
    """The absolute URL of the answer's ``Location``."""
    loc = header(ex, "Location")
    if not loc:
        raise StepFailed(f"{ex.method} answered {ex.status} without a Location")
    return urljoin(ex.url, loc)


def start_upload(ctx: Context, repo: str | None = None) -> str:
    ex = ctx.call("POST", ctx.urls.blob_upload(repo or ctx.repo), expect=202)
    return location(ex)  # observe() put it in the ledger


def finish_upload(ctx: Context, url: str, digest: str, data: bytes | None = None, repo: str | None = None) -> None:
    headers = {"Content-Type": OCTETS, "Content-Length": str(len(data or b""))}
    ctx.call("PUT", with_query(url, digest=digest), headers=headers, body=data or b"", expect=201)
    ctx.ledger.blobs.append((repo or ctx.repo, digest))


def push_blob(ctx: Context, data: bytes, algorithm: str = "sha256", repo: str | None = None) -> str:
    """POST + PUT, the upload every registry supports; returns the digest."""
    digest = digest_of(data, algorithm)
    finish_upload(ctx, start_upload(ctx, repo), digest, data, repo)
    return digest


def get_blob(ctx: Context, digest: str, data: bytes, repo: str | None = None) -> None:
    ex = ctx.call("GET", ctx.urls.blob(repo or ctx.repo, digest), expect=200)
    if ex.body != data:
        raise StepFailed(f"GET blob {digest} returned {len(ex.body)} bytes, not the {len(data)} pushed")


def patch(
    ctx: Context, url: str, chunk: bytes, start: int | None, expect: int = 202, codes: tuple[str, ...] | None = None
) -> str:
    headers = {"Content-Type": OCTETS, "Content-Length": str(len(chunk))}
    if start is not None:
        headers["Content-Range"] = f"{start}-{start + len(chunk) - 1}"
    ex = ctx.call("PATCH", url, headers=headers, body=chunk, expect=expect, codes=codes)
    return location(ex) if ex.status == 202 else url


def payload(ctx: Context, label: str, size: int = 64) -> bytes:
    """Content unique to this run and step, so digests never collide with other data."""
    seed = f"{ctx.repo} {label} ".encode()
    return (seed * (size // len(seed) + 1))[:size]


def image(ctx: Context, label: str, media_type: str = OCI_MANIFEST) -> Manifest:
    """Push a config and a layer; return a manifest of ``media_type`` referencing them."""
    docker = media_type == DOCKER_MANIFEST
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": []},
            "config": {"Labels": {"specgen.check": f"{ctx.repo} {label}"}},
        }
    ).encode()
    layer = payload(ctx, f"layer {label}", 128)
    cfg, lay = push_blob(ctx, config), push_blob(ctx, layer)
    manifest = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": {"mediaType": DOCKER_CONFIG if docker else OCI_CONFIG, "digest": cfg, "size": len(config)},
        "layers": [{"mediaType": DOCKER_LAYER if docker else OCI_LAYER, "digest": lay, "size": len(layer)}],
    }
    return json.dumps(manifest, indent=2).encode(), media_type


def index(children: list[Manifest], media_type: str = OCI_INDEX) -> Manifest:
    manifests = [
        {
            "mediaType": mt,
            "digest": digest_of(body),
            "size": len(body),
            "platform": {"architecture": arch, "os": "linux"},
        }
        for (body, mt), arch in zip(children, ("amd64", "arm64", "s390x"))
    ]
    doc = {"schemaVersion": 2, "mediaType": media_type, "manifests": manifests}
    return json.dumps(doc, indent=2).encode(), media_type


def put_manifest(
    ctx: Context,
    reference: str,
    manifest: Manifest,
    expect: int = 201,
    codes: tuple[str, ...] | None = None,
    repo: str | None = None,
) -> str:
    body, media_type = manifest
    ex = ctx.call(
        "PUT",
        ctx.urls.manifest(repo or ctx.repo, reference),
        headers={"Content-Type": media_type},
        body=body,
        expect=expect,
        codes=codes,
    )
    digest = digest_of(body)
    if ex.status == 201:
        ctx.ledger.manifests.append((repo or ctx.repo, digest))
        got = header(ex, "Docker-Content-Digest")
        if got and got != digest:
            raise StepFailed(f"PUT manifest answered Docker-Content-Digest {got}, the manifest's is {digest}")
    return digest


def get_manifest(ctx: Context, reference: str, manifest: Manifest, method: str = "GET") -> None:
    body, media_type = manifest
    ex = ctx.call(method, ctx.urls.manifest(ctx.repo, reference), headers={"Accept": ACCEPT_ALL}, expect=200)
    ctype = header(ex, "Content-Type") or ""
    if ctype.split(";")[0].strip() != media_type:
        raise StepFailed(f"{method} manifest answered Content-Type {ctype!r}, pushed as {media_type}")
    if method == "GET" and ex.body != body:
        raise StepFailed("GET manifest did not return the bytes pushed")


def random_digest() -> str:
    return digest_of(secrets.token_bytes(32))


def follow(ctx: Context, url: str, key: str, limit: int, page_size: int | None = None) -> list[str]:
    """GET a paginated list, following Link headers; returns the entries seen. Each page must hold
    at most ``page_size`` entries (the descriptors: n limits the entries in each response)."""
    seen: list[str] = []
    for _ in range(limit):
        ex = ctx.call("GET", url, expect=200)
        page = json.loads(ex.body).get(key) or []
        if page_size is not None and len(page) > page_size:
            raise StepFailed(f"a page asked with n={page_size} holds {len(page)} entries: {page[:5]}")
        seen += page
        link = header(ex, "Link")
        if not link:
            return seen
        url = urljoin(ex.url, link.split(";")[0].strip().strip("<>"))
    return seen
