"""Upload sessions: chunked, streamed, resumed from their status, cancelled.

Chunks are sized to the registry's ``OCI-Chunk-Min-Length`` when it sends one (the last chunk may
be shorter); every 202 must say exactly how far the upload got (``Range: 0-<last byte>``)."""

from __future__ import annotations

from specgen.checker.context import Context, Declined, StepFailed
from specgen.checker.scenarios.scenario import scenario
from specgen.checker.scenarios.steps import finish_upload, get_blob, header, patch, payload, start_upload
from specgen.checker.scenarios.values import expect_range, location_route
from specgen.distribution.digest import digest_of
from specgen.distribution.routenames import BLOB_UPLOAD_CHUNK

#: A registry asking for chunks larger than this is not checked chunk by chunk (Skip, with why).
LARGEST_CHUNK = 16 << 20


def chunk_size(ctx: Context, wanted: int) -> int:
    """``wanted``, or the registry's minimum chunk length when larger."""
    if ctx.chunk_min > LARGEST_CHUNK:
        raise Declined(f"the registry asks for chunks of at least {ctx.chunk_min} bytes (OCI-Chunk-Min-Length)")
    return max(wanted, ctx.chunk_min)


@scenario("blob-chunked", "chunked upload: PATCH with Content-Range, status, PUT")
def blob_chunked(ctx: Context) -> None:
    with ctx.check("POST opens an upload session"):
        url = start_upload(ctx)
    size = chunk_size(ctx, 1000)
    data = payload(ctx, "chunked", 2 * size + size // 2)
    with ctx.check("PATCH first chunk"):
        url = patch(ctx, url, data[:size], 0)
    with ctx.check("PATCH second chunk"):
        url = patch(ctx, url, data[size:], size)
    with ctx.check("GET upload status reports the offset"):
        ex = ctx.call("GET", url, expect=204)
        expect_range(ex, len(data) - 1)
    with ctx.check("PUT ?digest= without body completes it"):
        finish_upload(ctx, url, digest_of(data))
    with ctx.check("GET returns the blob"):
        get_blob(ctx, digest_of(data), data)


@scenario("blob-streamed", "streamed upload: PATCH without Content-Range")
def blob_streamed(ctx: Context) -> None:
    with ctx.check("POST opens an upload session"):
        url = start_upload(ctx)
    size = chunk_size(ctx, 1024)
    data = payload(ctx, "streamed", 2 * size)
    with ctx.check("PATCH streams the content"):
        url = patch(ctx, url, data[:size], None, sent=0)
        url = patch(ctx, url, data[size:], None, sent=size)
    with ctx.check("PUT ?digest= completes it"):
        finish_upload(ctx, url, digest_of(data))
    with ctx.check("GET returns the blob"):
        get_blob(ctx, digest_of(data), data)


@scenario("blob-resumed", "resumed upload: status tells where to go on")
def blob_resumed(ctx: Context) -> None:
    with ctx.check("POST and a first chunk"):
        url = start_upload(ctx)
        size = chunk_size(ctx, 700)
        data = payload(ctx, "resumed", 2 * size + 100)
        url = patch(ctx, url, data[:size], 0)
    with ctx.check("GET upload status gives the offset to resume from"):
        ex = ctx.call("GET", url, expect=204)
        rng = header(ex, "Range") or ""
        try:
            offset = int(rng.split("-")[1]) + 1
        except (IndexError, ValueError):
            raise StepFailed(f"cannot resume from Range {rng!r}") from None
        if offset != size:
            raise StepFailed(f"Range {rng!r} does not end at the {size} bytes sent")
        if header(ex, "Location") is not None:
            url = location_route(ex, ctx.dset, BLOB_UPLOAD_CHUNK, name=ctx.repo)
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
        ex = ctx.call("GET", url, expect=204)
        if header(ex, "Range") is not None:
            expect_range(ex, -1)
    with ctx.check("DELETE cancels the upload"):
        ctx.call("DELETE", url, expect=204)
    with ctx.check("the cancelled upload is unknown"):
        ctx.call("GET", url, expect=404, codes=("BLOB_UPLOAD_UNKNOWN",))
