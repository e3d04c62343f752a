"""A read-only run (``specgen check --read-only REPO:TAG``): check an image the registry already
holds, pushing and deleting nothing. The manifest by its reference and by digest, every manifest
and blob it reaches (digests recomputed from the bytes, lengths from the bodies), the tags list and
catalog (order and pagination), its referrers, and the failures a read can provoke."""

from __future__ import annotations

import json

from specgen.checker.context import Context, Declined, StepFailed
from specgen.checker.scenarios.scenario import has_route, scenario
from specgen.checker.scenarios.steps import follow, header, random_digest
from specgen.checker.scenarios.values import expect_length, expect_value
from specgen.distribution.digest import ALGORITHMS, digest_of
from specgen.distribution.mediatypes import ACCEPT_ALL, INDEX_TYPES
from specgen.distribution.routenames import CATALOG, REFERRERS

#: Blobs larger than this are checked by HEAD and a ranged GET, not downloaded whole.
WHOLE_BLOB = 16 << 20
#: At most this many manifests and blobs are visited under an index.
MOST_VISITED = 200


def image_of(ctx: Context) -> tuple[str, str]:
    assert ctx.image is not None, "a pull scenario outside a read-only run"
    return ctx.image


def _get_manifest(ctx: Context, repo: str, reference: str, expected: str | None = None) -> tuple[dict, str, bytes]:
    """GET and HEAD a manifest: the digest answered is the bytes' (and ``expected`` when known),
    HEAD agrees with GET. Returns (document, digest, bytes)."""
    ex = ctx.call("GET", ctx.urls.manifest(repo, reference), headers={"Accept": ACCEPT_ALL}, expect=200)
    sent = header(ex, "Docker-Content-Digest")
    algorithm = (expected or sent or "sha256").partition(":")[0]
    digest = digest_of(ex.body, algorithm if algorithm in ALGORITHMS else "sha256")
    if expected and digest != expected:
        raise StepFailed(f"GET manifest {reference}: its bytes' digest is {digest}, the reference named {expected}")
    try:
        doc = json.loads(ex.body)
    except ValueError:
        raise StepFailed(f"GET manifest {reference}: the body is not JSON") from None
    media_type = (header(ex, "Content-Type") or "").split(";")[0].strip()
    if isinstance(doc, dict) and doc.get("mediaType") and doc["mediaType"] != media_type:
        raise StepFailed(
            f"GET manifest {reference}: Content-Type {media_type!r}, the manifest says {doc['mediaType']!r}"
        )
    head = ctx.call("HEAD", ctx.urls.manifest(repo, reference), headers={"Accept": ACCEPT_ALL}, expect=200)
    expect_length(head, len(ex.body))
    expect_value(head, "Docker-Content-Digest", sent or digest, required=False)
    expect_value(head, "Content-Type", header(ex, "Content-Type") or "", required=False)
    return doc, digest, ex.body


def _check_blob(ctx: Context, repo: str, descriptor: dict) -> None:
    digest, size = descriptor.get("digest"), descriptor.get("size")
    if not isinstance(digest, str) or not isinstance(size, int):
        raise StepFailed(f"a descriptor without digest or size: {descriptor}")
    url = ctx.urls.blob(repo, digest)
    head = ctx.call("HEAD", url, expect=200)
    expect_length(head, size)
    expect_value(head, "Docker-Content-Digest", digest, required=False)
    if size <= WHOLE_BLOB:
        ex = ctx.call("GET", url, expect=200)
        if len(ex.body) != size or digest_of(ex.body, digest.partition(":")[0]) != digest:
            raise StepFailed(f"GET blob {digest} returned {len(ex.body)} bytes that are not the blob")
    elif size > 1:
        ex = ctx.call("GET", url, headers={"Range": "bytes=0-1"}, expect=(200, 206))
        if ex.status == 206:
            expect_value(ex, "Content-Range", f"bytes 0-1/{size}")


@scenario("pull-image", "the image by its reference and by digest, every manifest and blob it reaches", mode="pull")
def pull_image(ctx: Context) -> None:
    repo, reference = image_of(ctx)
    named = reference if ":" in reference else None
    with ctx.check(f"GET and HEAD manifest {reference}"):
        doc, digest, _ = _get_manifest(ctx, repo, reference, named)
    with ctx.check("GET and HEAD it by digest"):
        _get_manifest(ctx, repo, digest, digest)
    ctx.pulled = digest
    queue, seen = [doc], 0
    with ctx.check("every manifest an index names, every config and layer: bytes match digests and sizes"):
        while queue and seen < MOST_VISITED:
            doc = queue.pop(0)
            if doc.get("mediaType") in INDEX_TYPES or "manifests" in doc:
                for child in doc.get("manifests") or []:
                    seen += 1
                    child_doc, _, body = _get_manifest(ctx, repo, child["digest"], child["digest"])
                    if len(body) != child.get("size"):
                        raise StepFailed(
                            f"manifest {child['digest']} has {len(body)} bytes, the index says {child.get('size')}"
                        )
                    queue.append(child_doc)
                continue
            for blob in [doc.get("config"), *(doc.get("layers") or [])]:
                if isinstance(blob, dict) and not blob.get("urls"):  # non-distributable: elsewhere
                    seen += 1
                    _check_blob(ctx, repo, blob)


@scenario("pull-tags", "the repository's tags list: lexical order, pagination", mode="pull")
def pull_tags(ctx: Context) -> None:
    repo, reference = image_of(ctx)
    with ctx.check("tags list in lexical order"):
        ex = ctx.call("GET", ctx.urls.tags(repo), expect=200)
        tags = json.loads(ex.body).get("tags") or []
        if tags != sorted(tags):
            raise StepFailed("the tags list is not in lexical order")
        if ":" not in reference and reference not in tags:
            raise StepFailed(f"the tags list lacks {reference!r}")
    with ctx.check("paginated with n=1, following Link (10 pages at most)", independent=True):
        follow(ctx, ctx.urls.tags(repo, {"n": "1"}), "tags", 10, 1, tags[:10])
    if len(tags) > 1:
        with ctx.check("paginated with n and last", independent=True):
            ex = ctx.call("GET", ctx.urls.tags(repo, [("n", "1"), ("last", tags[0])]), expect=200)
            if (json.loads(ex.body).get("tags") or []) != tags[1:2]:
                raise StepFailed(f"n=1&last={tags[0]} did not give {tags[1:2]}")


@scenario("pull-catalog", "the catalog: lexical order, pagination", requires=has_route(CATALOG), mode="pull")
def pull_catalog(ctx: Context) -> None:
    repo, _ = image_of(ctx)
    with ctx.check("paginated with n=1 from before the repository, following Link", independent=True):
        seen = follow(ctx, ctx.urls.catalog({"n": "1"}), "repositories", 3, 1)
        if seen and repo < seen[0]:
            raise StepFailed(f"the catalog starts at {seen[0]!r}, after {repo!r}")


@scenario("pull-referrers", "the image's referrers", requires=has_route(REFERRERS), mode="pull")
def pull_referrers(ctx: Context) -> None:
    repo, _ = image_of(ctx)
    with ctx.check("GET referrers of the image is an index of its referrers"):
        digest = ctx.pulled
        if digest is None:
            raise Declined("not checked: pull-image could not pull the image")
        ex = ctx.call("GET", ctx.urls.referrers(repo, digest), expect=200)
        if header(ex, "OCI-Filters-Applied") is not None:
            raise StepFailed("OCI-Filters-Applied on a request with no filter")
        for entry in json.loads(ex.body).get("manifests") or []:
            child, _, body = _get_manifest(ctx, repo, entry["digest"], entry["digest"])
            if (child.get("subject") or {}).get("digest") != digest:
                raise StepFailed(f"referrer {entry['digest']} has no subject {digest}")


@scenario("pull-errors", "failures a read can provoke", mode="pull")
def pull_errors(ctx: Context) -> None:
    repo, _ = image_of(ctx)
    with ctx.check("unknown tag, unknown blob", independent=True):
        ctx.call(
            "GET",
            ctx.urls.manifest(repo, "specgen-no-such-tag"),
            headers={"Accept": ACCEPT_ALL},
            expect=404,
            codes=("MANIFEST_UNKNOWN", "NAME_UNKNOWN"),
            soft=True,
        )
        ctx.call("GET", ctx.urls.blob(repo, random_digest()), expect=404, codes=("BLOB_UNKNOWN",), soft=True)
        ctx.call("HEAD", ctx.urls.blob(repo, random_digest()), expect=404, soft=True)
    with ctx.check("invalid digest", independent=True):
        ctx.call("GET", ctx.urls.blob(repo, "sha256:abc"), expect=400, codes=("DIGEST_INVALID",), soft=True)
    with ctx.check("bad pagination number", independent=True):
        ctx.call("GET", ctx.urls.tags(repo, {"n": "-1"}), expect=400, codes=("PAGINATION_NUMBER_INVALID",), soft=True)
