"""The tags list, whole and paginated: lexical order, and Link on every page but the last."""

from __future__ import annotations

import json

from specgen.checker.context import Context, StepFailed
from specgen.checker.scenarios.scenario import scenario
from specgen.checker.scenarios.steps import follow, header, image, put_manifest

#: Pushed out of order, listed in lexical order (byte order: digits, then upper, then lower case).
TAGS = ["t3", "t1", "T2", "t10", "t2"]


@scenario("tags", "tags list in lexical order, paginated with n and last, following Link")
def tags(ctx: Context) -> None:
    ordered = sorted(TAGS)
    repo = f"{ctx.repo}/tags"  # a repository of its own: other groups tag in ctx.repo
    with ctx.check("push a manifest under five tags"):
        manifest = image(ctx, "tags", repo=repo)
        for name in TAGS:
            put_manifest(ctx, name, manifest, repo=repo)
    with ctx.check("tags list holds them in lexical order", independent=True):
        ex = ctx.call("GET", ctx.urls.tags(repo), expect=200)
        doc = json.loads(ex.body)
        got = doc.get("tags") or []
        if doc.get("name") != repo:
            raise StepFailed(f"tags list names repository {doc.get('name')!r}, not {repo!r}")
        if sorted(got) != ordered:
            raise StepFailed(f"tags list holds {got}, expected {ordered}")
        if got != ordered:
            raise StepFailed(f"tags list is not in lexical order: {got}, expected {ordered}")
    for n in (1, 2):
        with ctx.check(f"paginated with n={n}, following Link", independent=True):
            seen = follow(ctx, ctx.urls.tags(repo, {"n": str(n)}), "tags", len(TAGS) + 2, n, ordered)
            if seen != ordered:
                raise StepFailed(f"pages gave {seen}, expected {ordered}")
    with ctx.check("paginated with n and last", independent=True):
        after = [t for t in ordered if t > ordered[1]]
        ex = ctx.call("GET", ctx.urls.tags(repo, [("n", "2"), ("last", ordered[1])]), expect=200)
        got = json.loads(ex.body).get("tags") or []
        if got != after[:2]:
            raise StepFailed(f"n=2&last={ordered[1]} gave {got}, expected {after[:2]}")
    with ctx.check("paginated with last after every tag: no tags, no Link", independent=True):
        ex = ctx.call("GET", ctx.urls.tags(repo, [("n", "2"), ("last", ordered[-1])]), expect=200)
        got = json.loads(ex.body).get("tags") or []
        if got:
            raise StepFailed(f"n=2&last={ordered[-1]} (the last tag) gave {got}")
        if header(ex, "Link") is not None:
            raise StepFailed(f"n=2&last={ordered[-1]} gave no tags, yet a Link")
