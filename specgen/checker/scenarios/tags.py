"""The tags list, whole and paginated."""

from __future__ import annotations

import json

from specgen.checker.context import Context, StepFailed
from specgen.checker.scenarios.scenario import scenario
from specgen.checker.scenarios.steps import follow, image, put_manifest


@scenario("tags", "tags list, paginated with n and last, following Link")
def tags(ctx: Context) -> None:
    names = ["t1", "t2", "t3"]
    with ctx.check("push a manifest under three tags"):
        manifest = image(ctx, "tags")
        for name in names:
            put_manifest(ctx, name, manifest)
    with ctx.check("tags list contains them"):
        ex = ctx.call("GET", ctx.urls.tags(ctx.repo), expect=200)
        doc = json.loads(ex.body)
        if doc.get("name") != ctx.repo or not set(names) <= set(doc.get("tags") or []):
            raise StepFailed(f"tags list {doc} lacks {names}")
    with ctx.check("paginated with n=1, following Link"):
        seen = follow(ctx, ctx.urls.tags(ctx.repo, {"n": "1"}), "tags", 10, page_size=1)
        if len(seen) != len(set(seen)) or not set(names) <= set(seen):
            raise StepFailed(f"pages gave {seen}, expected each of {names} once")
    with ctx.check("paginated with n and last"):
        ex = ctx.call("GET", ctx.urls.tags(ctx.repo, [("n", "5"), ("last", "t1")]), expect=200)
        got = json.loads(ex.body).get("tags") or []
        if "t1" in got or not {"t2", "t3"} <= set(got):
            raise StepFailed(f"last=t1 gave {got}")
