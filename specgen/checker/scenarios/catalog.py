"""The catalog, whole and paginated (reads only: other repositories are not ours)."""

from __future__ import annotations

import json

from specgen.checker.context import Context, StepFailed
from specgen.checker.scenarios.scenario import has_route, scenario
from specgen.checker.scenarios.steps import follow, payload, push_blob
from specgen.distribution.routenames import CATALOG


@scenario("catalog", "catalog, paginated, following Link (reads only)", requires=has_route(CATALOG))
def catalog(ctx: Context) -> None:
    with ctx.check("push a blob so the repository exists"):
        push_blob(ctx, payload(ctx, "catalog", 10))
    with ctx.check("GET /v2/_catalog"):
        ex = ctx.call("GET", ctx.urls.catalog(), expect=200)
        if not isinstance(json.loads(ex.body).get("repositories"), list):
            raise StepFailed("catalog has no repositories list")
    with ctx.check("paginated with n=1, following Link (3 pages at most)"):
        follow(ctx, ctx.urls.catalog({"n": "1"}), "repositories", 3, page_size=1)
    with ctx.check("paginated with n and last"):
        ctx.call("GET", ctx.urls.catalog([("n", "2"), ("last", ctx.repo)]), expect=200)
