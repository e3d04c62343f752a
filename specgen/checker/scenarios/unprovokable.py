"""Why a declared response is left unexercised by the scenarios: one table, keyed on the response's
status and declared error codes (narrowed to a route or method where the reason depends on it),
plus the responses scenarios declare they get only when a registry declines (``Scenario.declines``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from specgen.checker.scenarios.scenario import Scenario
from specgen.distribution.routenames import BASE, BLOB_UPLOAD, BLOB_UPLOAD_CHUNK, MANIFEST
from specgen.model import ResponseDescriptor


@dataclass(frozen=True)
class Reason:
    """Responses with ``status`` (and, when given, exactly the error codes ``codes``; on ``route``;
    for ``method``) cannot be provoked from outside, because ``why``."""

    status: int
    why: str
    codes: frozenset[str] | None = None
    route: str | None = None
    method: str | None = None

    def applies(self, route: str, method: str, response: ResponseDescriptor) -> bool:
        if response.status_code != self.status:
            return False
        if self.codes is not None and frozenset(e.value for e in response.error_codes or ()) != self.codes:
            return False
        return (self.route is None or self.route == route) and (self.method is None or self.method == method)


NAME_UNKNOWN = frozenset({"NAME_UNKNOWN"})

#: First match wins.
REASONS: tuple[Reason, ...] = (
    Reason(404, "a registry implementing V2 never answers it", route=BASE),
    Reason(401, "only a registry requiring authentication answers it (checked when --user/--token is given)"),
    Reason(403, "needs an access policy that denies the checker's own credentials"),
    Reason(429, "needs a rate-limited registry"),
    Reason(503, "only a registry whose storage fails (a full disk, an object store down) answers it"),
    Reason(307, "only a registry whose storage redirects blob downloads answers it"),
    Reason(405, "only a registry that disables the operation answers it (reported as Skip when it does)"),
    Reason(
        413, "a registry may accept manifests of any size; only one with a limit the checker does not know answers it"
    ),
    Reason(
        404,
        "a push creates the repository; only a registry forbidding that answers it",
        codes=NAME_UNKNOWN,
        route=BLOB_UPLOAD,
    ),
    Reason(
        404,
        "a push creates the repository; only a registry forbidding that answers it",
        codes=NAME_UNKNOWN,
        route=MANIFEST,
        method="PUT",
    ),
    Reason(
        404,
        "an upload lives in its repository: the registry answered the upload's own 404 instead",
        codes=NAME_UNKNOWN,
        route=BLOB_UPLOAD_CHUNK,
    ),
    Reason(
        404,
        "the registry answered this request's other 404 (unknown blob/manifest), which is equally declared",
        codes=NAME_UNKNOWN,
    ),
)

DECLINED = "only a registry declining the operation answers it (reported as Skip when it does)"
HEAD_SHARED = "a HEAD answer has no body, so it cannot be told from the other response with this status"
#: After the HEAD rule: a 400 declaring only BLOB_UNKNOWN (a manifest's missing layer).
MISSING_BLOB = Reason(
    400,
    "the registry reported the missing blob under the other 400 (its codes include the one it sent)",
    codes=frozenset({"BLOB_UNKNOWN"}),
)


def unprovokable_reason(
    route: str, method: str, response: ResponseDescriptor, shares_status: bool, scenarios: Iterable[Scenario]
) -> str:
    """Why ``scenarios`` leave ``response`` of ``route``/``method`` unexercised (empty when they
    should not). ``shares_status``: another response of the same request has its status."""
    for reason in REASONS:
        if reason.applies(route, method, response):
            return reason.why
    if any(
        d.route == route and d.method == method and d.status == response.status_code
        for sc in scenarios
        for d in sc.declines
    ):
        return DECLINED
    if method == "HEAD" and shares_status:
        return HEAD_SHARED
    return MISSING_BLOB.why if MISSING_BLOB.applies(route, method, response) else ""
