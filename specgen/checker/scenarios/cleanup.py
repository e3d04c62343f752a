"""Follow what a run leaves on the registry, and remove it at the end."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from specgen.checker.context import Context, Declined, StepFailed
from specgen.checker.scenarios.steps import DELETE_DECLINED, header
from specgen.checker.validate import Exchange


def observe(ctx: Context, ex: Exchange) -> None:
    """Follow upload sessions through every exchange (even ones meant to fail), so the ledger
    holds each open session's latest URL and cleanup can cancel it."""
    uploads = ctx.ledger.uploads
    path = urlsplit(ex.url).path
    same = [u for u in uploads if urlsplit(u).path == path]
    loc = header(ex, "Location")
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
                ctx.call("DELETE", ctx.urls.manifest(repo, digest), expect=(202, 404), decline={405: DELETE_DECLINED})
            except (StepFailed, Declined) as exc:
                ctx.note(str(exc))
        for repo, digest in reversed(list(dict.fromkeys(ctx.ledger.blobs))):
            try:
                ctx.call("DELETE", ctx.urls.blob(repo, digest), expect=(202, 404), decline={405: DELETE_DECLINED})
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
