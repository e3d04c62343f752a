"""The API version check (route ``base``)."""

from __future__ import annotations

from specgen.checker.context import Context
from specgen.checker.scenarios.scenario import scenario
from specgen.checker.scenarios.values import expect_value

#: What distribution sends and Docker clients look for on ``/v2/``, answered 200 or 401.
API_VERSION = ("Docker-Distribution-API-Version", "registry/2.0")


@scenario("base", "API version check", mode="both")
def base(ctx: Context) -> None:
    with ctx.check("GET /v2/ answers 200 with Docker-Distribution-API-Version: registry/2.0"):
        ex = ctx.call("GET", ctx.urls.base(), expect=200)
        expect_value(ex, *API_VERSION)
    if not ctx.credentials:
        return  # the 401 challenge can only be provoked on a registry requiring credentials
    with ctx.check("unauthenticated GET /v2/ is challenged"):
        ex = ctx.call(
            "GET", ctx.urls.base(), expect=401, auth=False, decline={200: "the registry lets anonymous clients in"}
        )
        expect_value(ex, *API_VERSION)
