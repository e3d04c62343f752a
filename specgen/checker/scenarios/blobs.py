"""Blobs: pushed whole, mounted, fetched (ranges too), by other digests, deleted."""

from __future__ import annotations

from specgen.checker.context import Context, StepFailed
from specgen.checker.scenarios.scenario import Decline, declares_query, scenario
from specgen.checker.scenarios.steps import (
    DELETE_DECLINED,
    OCTETS,
    blob_at_location,
    finish_upload,
    get_blob,
    head_blob,
    location,
    patch,
    payload,
    push_blob,
    random_digest,
    start_upload,
)
from specgen.checker.scenarios.values import expect_value, location_route
from specgen.distribution.digest import digest_of
from specgen.distribution.routenames import BLOB, BLOB_UPLOAD, BLOB_UPLOAD_CHUNK


@scenario(
    "blob-monolithic",
    "monolithic upload in a single POST, then HEAD and GET",
    declines=(Decline(BLOB_UPLOAD, "POST", 202),),
)
def blob_monolithic(ctx: Context) -> None:
    data = payload(ctx, "monolithic")
    digest = digest_of(data)
    with ctx.check("POST ?digest= with the whole blob answers 201"):
        ex = ctx.call(
            "POST",
            ctx.urls.blob_upload(ctx.repo, {"digest": digest}),
            body=data,
            headers={"Content-Type": OCTETS, "Content-Length": str(len(data))},
            expect=201,
            decline={202: "the registry does not take a blob in one POST; it opened an upload"},
        )
        ctx.ledger.blobs.append((ctx.repo, digest))
        blob_at_location(ctx, ex, digest, ctx.repo)
    with ctx.check("HEAD and GET return the blob"):
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
    with ctx.check("the completed upload is unknown", independent=True):
        ctx.call("GET", url, expect=404, codes=("BLOB_UPLOAD_UNKNOWN",))


@scenario("blob-mount", "cross-repository and anonymous blob mount", declines=(Decline(BLOB_UPLOAD, "POST", 202),))
def blob_mount(ctx: Context) -> None:
    source = f"{ctx.repo}/mount-source"
    data = payload(ctx, "mount", 300)
    with ctx.check("push a blob to the source repository"):
        digest = push_blob(ctx, data, repo=source)
    with ctx.check("POST ?mount=&from= mounts it"):
        ex = ctx.call(
            "POST",
            ctx.urls.blob_upload(ctx.repo, {"mount": digest, "from": source}),
            expect=201,
            decline={202: "the registry declined the mount and opened an upload"},
        )
        ctx.ledger.blobs.append((ctx.repo, digest))
        blob_at_location(ctx, ex, digest, ctx.repo)
    with ctx.check("the mounted blob is there"):
        get_blob(ctx, digest, data)
    with ctx.check("POST ?mount= without from (anonymous mount)"):
        other = f"{ctx.repo}/anonymous-mount"
        ex = ctx.call(
            "POST",
            ctx.urls.blob_upload(other, {"mount": digest}),
            expect=201,
            decline={202: "the registry declined the anonymous mount and opened an upload"},
        )
        ctx.ledger.blobs.append((other, digest))
        blob_at_location(ctx, ex, digest, other)
        get_blob(ctx, digest, data, other)
    if not _mount_may_open_upload(ctx):
        return  # the set (registry_v2) declares no answer for a mount that cannot be done
    with ctx.check("POST ?mount=&from= a repository lacking the blob opens an upload instead"):
        ex = ctx.call("POST", ctx.urls.blob_upload(ctx.repo, {"mount": random_digest(), "from": source}), expect=202)
        location_route(ex, ctx.dset, BLOB_UPLOAD_CHUNK, name=ctx.repo)


@scenario("blob-fetch", "blob GET, HEAD, ranged GET, unsatisfiable range")
def blob_fetch(ctx: Context) -> None:
    data = payload(ctx, "fetch", 512)
    with ctx.check("push a blob"):
        digest = push_blob(ctx, data)
    url = ctx.urls.blob(ctx.repo, digest)
    with ctx.check("HEAD answers 200 without a body, with the blob's length and digest"):
        head_blob(ctx, digest, len(data))
    with ctx.check("GET returns the content"):
        get_blob(ctx, digest, data)
    with ctx.check("GET with Range returns the part"):
        ex = ctx.call(
            "GET",
            url,
            headers={"Range": "bytes=10-19"},
            expect=206,
            decline={200: "the registry ignores Range and sends the whole blob"},
        )
        if ex.body != data[10:20]:
            raise StepFailed(f"ranged GET returned {ex.body[:40]!r}, expected bytes 10-19")
        expect_value(ex, "Content-Range", f"bytes 10-19/{len(data)}")
    with ctx.check("the blob is unknown in a repository it was never pushed to", independent=True):
        ctx.call("HEAD", ctx.urls.blob(f"{ctx.repo}/never-pushed", digest), expect=404)
    with ctx.check("GET with an unsatisfiable Range answers 416"):
        ctx.call("GET", url, headers={"Range": "bytes=10000-10010"}, expect=416)


@scenario("blob-digests", "sha512 digests and a zero-byte blob")
def blob_digests(ctx: Context) -> None:
    data = payload(ctx, "sha512", 200)
    with ctx.check("push and fetch a blob by sha512 digest"):
        digest = push_blob(ctx, data, "sha512")
        get_blob(ctx, digest, data)
    with ctx.check("push and fetch a zero-byte blob"):
        digest = push_blob(ctx, b"")
        get_blob(ctx, digest, b"")


@scenario(
    "blob-digest-algorithm",
    "upload asking for sha512 with digest-algorithm, where the set declares it",
    requires=lambda d: (
        None if declares_query(d, "digest-algorithm") else "the set declares no digest-algorithm parameter"
    ),
)
def blob_digest_algorithm(ctx: Context) -> None:
    data = payload(ctx, "digest-algorithm", 300)
    digest = digest_of(data, "sha512")
    with ctx.check("POST ?digest-algorithm=sha512 opens an upload session"):
        ex = ctx.call("POST", ctx.urls.blob_upload(ctx.repo, {"digest-algorithm": "sha512"}), expect=202)
        url = location(ex)
    with ctx.check("PATCH and PUT ?digest=sha512:... complete it"):
        url = patch(ctx, url, data, 0)
        finish_upload(ctx, url, digest)
    with ctx.check("GET returns the blob by its sha512 digest"):
        get_blob(ctx, digest, data)


@scenario("blob-delete", "blob DELETE, then it is unknown", declines=(Decline(BLOB, "DELETE", 405),))
def blob_delete(ctx: Context) -> None:
    data = payload(ctx, "delete", 100)
    with ctx.check("push a blob"):
        digest = push_blob(ctx, data)
    url = ctx.urls.blob(ctx.repo, digest)
    with ctx.check("DELETE answers 202"):
        ctx.call("DELETE", url, expect=202, decline={405: DELETE_DECLINED})  # its digest: validate
        ctx.ledger.blobs.remove((ctx.repo, digest))
    with ctx.check("the deleted blob is unknown"):
        ctx.call("HEAD", url, expect=404)
        ctx.call("GET", url, expect=404, codes=("BLOB_UNKNOWN",))
    with ctx.check("DELETE of an unknown blob answers 404"):
        ctx.call("DELETE", url, expect=404, codes=("BLOB_UNKNOWN",))


def _mount_may_open_upload(ctx: Context) -> bool:
    """Whether the set declares a 202 (an upload opened instead) for a mount with ``from``."""
    methods = next((r.methods or () for r in ctx.dset.routes if r.name == BLOB_UPLOAD), ())
    return any(
        resp.status_code == 202
        for m in methods
        if m.method == "POST"
        for q in m.requests or ()
        if {p.name for p in q.query_parameters or ()} >= {"mount", "from"}
        for resp in q.successes or ()
    )
