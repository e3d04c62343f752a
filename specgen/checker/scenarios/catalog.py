"""The catalog, whole and paginated (reads only: other repositories are not ours)."""

from __future__ import annotations

import json

from specgen.checker.context import Context, StepFailed
from specgen.checker.scenarios.scenario import has_route, scenario
from specgen.checker.scenarios.steps import follow, header, payload, push_blob
from specgen.distribution.routenames import CATALOG


@scenario("catalog", "catalog in lexical order, paginated, following Link (reads only)", requires=has_route(CATALOG))
def catalog(ctx: Context) -> None:
    ours = [f"{ctx.repo}/catalog-{i}" for i in range(3)]
    with ctx.check("push a blob to three repositories so they exist"):
        for repo in ours:
            push_blob(ctx, payload(ctx, f"catalog {repo}", 10), repo=repo)
    with ctx.check("GET /v2/_catalog in lexical order", independent=True):
        ex = ctx.call("GET", ctx.urls.catalog(), expect=200)
        listed = json.loads(ex.body).get("repositories")
        if not isinstance(listed, list):
            raise StepFailed("catalog has no repositories list")
        if listed != sorted(listed):
            raise StepFailed("catalog is not in lexical order")
    with ctx.check("paginated with n=1, following Link (3 pages at most)", independent=True):
        follow(ctx, ctx.urls.catalog({"n": "1"}), "repositories", 3, page_size=1)
    with ctx.check("paginated with n=1 and last, through this run's repositories", independent=True):
        # the repositories after ``ctx.repo`` begin with ours ("<repo>/..." sorts right after it)
        url = ctx.urls.catalog([("n", "1"), ("last", ctx.repo)])
        seen = follow(ctx, url, "repositories", len(ours) + 3, 1, ours)
        missing = [r for r in ours if r not in seen]
        if missing:
            raise StepFailed(f"the pages after {ctx.repo!r} lack {missing}")
    with ctx.check("paginated with n and last", independent=True):
        ex = ctx.call("GET", ctx.urls.catalog([("n", "2"), ("last", ours[0])]), expect=200)
        got = json.loads(ex.body).get("repositories") or []
        if got[:2] != ours[1:3]:
            raise StepFailed(f"n=2&last={ours[0]} gave {got}, expected {ours[1:3]}")
    with ctx.check("paginated with last after every repository: none, and no Link", independent=True):
        beyond = "z" * 64  # no repository name sorts after it, save ones of z's
        ex = ctx.call("GET", ctx.urls.catalog([("n", "1"), ("last", beyond)]), expect=200)
        got = [r for r in json.loads(ex.body).get("repositories") or [] if r > beyond]
        if not got and header(ex, "Link") is not None:
            raise StepFailed(f"n=1&last={beyond[:8]}... gave no repositories, yet a Link")
