"""The API version check (route ``base``)."""

from __future__ import annotations

from specgen.checker.context import Context
from specgen.checker.scenarios.scenario import scenario


@scenario("base", "API version check")
def base(ctx: Context) -> None:
    with ctx.check("GET /v2/ answers 200"):
        ctx.call("GET", ctx.urls.base(), expect=200)
    if not ctx.credentials:
        return  # the 401 challenge can only be provoked on a registry requiring credentials
    with ctx.check("unauthenticated GET /v2/ is challenged"):
        ctx.call(
            "GET", ctx.urls.base(), expect=401, auth=False, decline={200: "the registry lets anonymous clients in"}
        )
