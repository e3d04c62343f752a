"""Upload sessions: chunked, streamed, resumed from their status, cancelled."""

from __future__ import annotations

from specgen.checker.context import Context, StepFailed
from specgen.checker.scenarios.scenario import scenario
from specgen.checker.scenarios.steps import finish_upload, get_blob, header, location, patch, payload, start_upload
from specgen.distribution.digest import digest_of


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
        rng = header(ex, "Range")
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
        rng = header(ex, "Range") or ""
        try:
            offset = int(rng.split("-")[1]) + 1
        except (IndexError, ValueError):
            raise StepFailed(f"cannot resume from Range {rng!r}") from None
        if offset != 700:
            raise StepFailed(f"Range {rng!r} does not end at the 700 bytes sent")
        url = location(ex) if header(ex, "Location") is not None else url
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
