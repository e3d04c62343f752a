"""Building blocks of the workflows: push and fetch blobs and manifests, follow uploads and pages.

Every URL comes from ``ctx.urls`` (the set's routes) or from the registry itself (``Location``,
``Link``); none is spelled here."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from urllib.parse import unquote, urljoin, urlsplit

from specgen.checker.context import Context, StepFailed, with_query
from specgen.checker.scenarios.values import expect_length, expect_range, expect_value, header, location_route
from specgen.checker.validate import Exchange, match_route
from specgen.distribution.digest import ALGORITHMS, digest_of
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
from specgen.distribution.routenames import BLOB, BLOB_UPLOAD_CHUNK, MANIFEST

DELETE_DECLINED = "the registry does not allow deletes"
OCTETS = "application/octet-stream"

#: A manifest as pushed: its bytes and its media type.
Manifest = tuple[bytes, str]


def location(ex: Exchange) -> str:
    """The absolute URL of the answer's ``Location``."""
    loc = header(ex, "Location")
    if not loc:
        raise StepFailed(f"{ex.method} answered {ex.status} without a Location")
    return urljoin(ex.url, loc)


def start_upload(ctx: Context, repo: str | None = None) -> str:
    """POST an upload; its Location must be an upload of the repository, its Range ``0-0``."""
    repo = repo or ctx.repo
    ex = ctx.call("POST", ctx.urls.blob_upload(repo), expect=202)
    url = location_route(ex, ctx.dset, BLOB_UPLOAD_CHUNK, name=repo)  # observe() put it in the ledger
    if header(ex, "Range") is not None:
        expect_range(ex, -1)
    note_chunk_min(ctx, ex)
    return url


def note_chunk_min(ctx: Context, ex: Exchange) -> None:
    """Keep the registry's OCI-Chunk-Min-Length (a positive decimal) for the chunked uploads."""
    value = header(ex, "OCI-Chunk-Min-Length")
    if value is None:
        return
    if not value.strip().isdigit() or int(value) < 1:
        raise StepFailed(f"OCI-Chunk-Min-Length: {value!r} is not a positive number of bytes")
    ctx.chunk_min = int(value)


def finish_upload(ctx: Context, url: str, digest: str, data: bytes | None = None, repo: str | None = None) -> None:
    """The closing PUT: 201 whose Docker-Content-Digest is the digest asked for (validate) and whose
    Location leads to the blob (a HEAD there answers that digest, and the size when known)."""
    headers = {"Content-Type": OCTETS, "Content-Length": str(len(data or b""))}
    ex = ctx.call("PUT", with_query(url, digest=digest), headers=headers, body=data or b"", expect=201)
    ctx.ledger.blobs.append((repo or ctx.repo, digest))
    blob_at_location(ctx, ex, digest, repo or ctx.repo)


def blob_at_location(ctx: Context, ex: Exchange, digest: str, repo: str) -> None:
    """A 201's Location is the blob: a blob URL of ``repo`` and ``digest``."""
    location_route(ex, ctx.dset, BLOB, name=repo, digest=digest)


def push_blob(ctx: Context, data: bytes, algorithm: str = "sha256", repo: str | None = None) -> str:
    """POST + PUT, the upload every registry supports; returns the digest."""
    digest = digest_of(data, algorithm)
    finish_upload(ctx, start_upload(ctx, repo), digest, data, repo)
    return digest


def get_blob(ctx: Context, digest: str, data: bytes, repo: str | None = None) -> None:
    """GET returns the bytes (its Docker-Content-Digest and Content-Length are checked by validate);
    HEAD answers the same digest and length without them."""
    url = ctx.urls.blob(repo or ctx.repo, digest)
    ex = ctx.call("GET", url, expect=200)
    if ex.body != data:
        raise StepFailed(f"GET blob {digest} returned {len(ex.body)} bytes, not the {len(data)} pushed")
    head_blob(ctx, digest, len(data), repo)


def head_blob(ctx: Context, digest: str, size: int, repo: str | None = None) -> None:
    ex = ctx.call("HEAD", ctx.urls.blob(repo or ctx.repo, digest), expect=200)
    expect_length(ex, size)
    expect_value(ex, "Docker-Content-Digest", digest, required=False)


def patch(
    ctx: Context,
    url: str,
    chunk: bytes,
    start: int | None,
    expect: int = 202,
    codes: tuple[str, ...] | None = None,
    sent: int | None = None,
) -> str:
    """PATCH ``chunk`` (with Content-Range from ``start``, or streamed when None). On 202 the
    Range must end at the last byte received: ``sent`` (default ``start``) bytes before plus the
    chunk; the Location must be an upload of the same repository."""
    headers = {"Content-Type": OCTETS, "Content-Length": str(len(chunk))}
    if start is not None:
        headers["Content-Range"] = f"{start}-{start + len(chunk) - 1}"
    ex = ctx.call("PATCH", url, headers=headers, body=chunk, expect=expect, codes=codes)
    if ex.status != 202:
        return url
    before = sent if sent is not None else start
    if before is not None:
        expect_range(ex, before + len(chunk) - 1)
    return location_route(ex, ctx.dset, BLOB_UPLOAD_CHUNK, name=_upload_repo(ctx, urlsplit(url).path))


def _upload_repo(ctx: Context, path: str) -> str:
    found = match_route(ctx.dset, path)
    return unquote(found[1].get("name", "")) if found else ctx.repo


def payload(ctx: Context, label: str, size: int = 64) -> bytes:
    """Content unique to this run and step, so digests never collide with other data."""
    seed = f"{ctx.repo} {label} ".encode()
    return (seed * (size // len(seed) + 1))[:size]


def image(ctx: Context, label: str, media_type: str = OCI_MANIFEST, repo: str | None = None) -> Manifest:
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
    cfg, lay = push_blob(ctx, config, repo=repo), push_blob(ctx, layer, repo=repo)
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
    decline: dict[int, str] | None = None,
) -> str:
    """PUT a manifest; on 201 its Docker-Content-Digest is the manifest's digest (in the algorithm
    of a digest reference, else sha256), its Location the manifest by that digest, and, when the
    manifest has a subject, an OCI-Subject sent is the subject's digest. Returns the digest."""
    body, media_type = manifest
    repo = repo or ctx.repo
    ex = ctx.call(
        "PUT",
        ctx.urls.manifest(repo, reference),
        headers={"Content-Type": media_type},
        body=body,
        expect=expect,
        codes=codes,
        decline=decline,
    )
    algorithm = reference.partition(":")[0] if ":" in reference else "sha256"
    digest = digest_of(body, algorithm if algorithm in ALGORITHMS else "sha256")
    if ex.status == 201:
        ctx.ledger.manifests.append((repo, digest))
        got = header(ex, "Docker-Content-Digest")
        if got and got != digest:
            raise StepFailed(f"PUT manifest answered Docker-Content-Digest {got}, the manifest's is {digest}")
        location_route(ex, ctx.dset, MANIFEST, name=repo)
        subject = _subject_of(body)
        if subject is not None:
            sent = header(ex, "OCI-Subject")
            if sent is None:
                ctx.unannounced_subjects.append(digest)
            elif sent.strip() != subject:
                raise StepFailed(f"PUT manifest answered OCI-Subject: {sent}, the manifest's subject is {subject}")
    return digest


def _subject_of(body: bytes) -> str | None:
    try:
        subject = json.loads(body).get("subject")
    except (ValueError, AttributeError):
        return None
    return subject.get("digest") if isinstance(subject, dict) else None


def get_manifest(
    ctx: Context, reference: str, manifest: Manifest, method: str = "GET", repo: str | None = None
) -> None:
    """GET or HEAD: the media type pushed, the bytes pushed (GET), and a Docker-Content-Digest and
    Content-Length that are the manifest's (sha256 by tag; the reference's algorithm by digest)."""
    body, media_type = manifest
    ex = ctx.call(method, ctx.urls.manifest(repo or ctx.repo, reference), headers={"Accept": ACCEPT_ALL}, expect=200)
    ctype = header(ex, "Content-Type") or ""
    if ctype.split(";")[0].strip() != media_type:
        raise StepFailed(f"{method} manifest answered Content-Type {ctype!r}, pushed as {media_type}")
    if method == "GET" and ex.body != body:
        raise StepFailed("GET manifest did not return the bytes pushed")
    algorithm = reference.partition(":")[0] if ":" in reference else "sha256"
    expect_value(ex, "Docker-Content-Digest", digest_of(body, algorithm), required=False)
    expect_length(ex, len(body))


def random_digest() -> str:
    return digest_of(secrets.token_bytes(32))


def follow(
    ctx: Context,
    url: str,
    key: str,
    limit: int,
    page_size: int | None = None,
    must_see: Iterable[str] = (),
) -> list[str]:
    """GET a paginated list, following Link headers; returns the entries seen. Checks the
    invariants across pages: each page holds at most ``page_size`` entries; entries are in lexical
    order within and across pages (each page starts after the previous one ended); every page but
    the last carries a Link (while an entry of ``must_see`` is still to come, the list is not over);
    a page with fewer than ``page_size`` entries is the last, so carries none, and a Link never
    leads to an empty page."""
    pending = set(must_see)
    seen: list[str] = []
    for number in range(1, limit + 1):
        ex = ctx.call("GET", url, expect=200)
        page = json.loads(ex.body).get(key) or []
        where = f"page {number} ({_brief(page)})"
        if page_size is not None and len(page) > page_size:
            raise StepFailed(f"{where} holds {len(page)} entries, more than n={page_size}")
        if page != sorted(page):
            raise StepFailed(f"{where} is not in lexical order")
        if seen and page and page[0] <= seen[-1]:
            raise StepFailed(f"{where} starts with {page[0]!r}, not after the previous page's last {seen[-1]!r}")
        if number > 1 and not page:
            raise StepFailed(
                f"the Link of page {number - 1} leads to an empty page {number}: page {number - 1} was the last"
            )
        seen += page
        pending -= set(page)
        link = header(ex, "Link")
        if not link:
            if pending:
                raise StepFailed(f"{where} has no Link, yet {_brief(sorted(pending))} are still to come")
            return seen
        if page_size is not None and len(page) < page_size:
            raise StepFailed(f"{where} holds fewer than n={page_size} entries, so is the last, yet carries a Link")
        url = urljoin(ex.url, link.split(";")[0].strip().strip("<>"))
    return seen


def _brief(entries: list[str], most: int = 4) -> str:
    """``entries`` for a message: how many, and the first few."""
    if not entries:
        return "no entries"
    shown = ", ".join(repr(e) for e in entries[:most])
    return f"{len(entries)} entries: {shown}{', ...' if len(entries) > most else ''}"
