"""``x-opaque-location``: for a route whose URL a client must not build (an opaque path parameter,
such as an upload session), the responses whose ``Location`` header leads there."""

from __future__ import annotations

from typing import Any

from specgen.compilers.openapi.util import dedupe
from specgen.model import DescriptorSet
from specgen.paths import CompiledPath

#: The descriptor parameter type of a path parameter only the server understands.
OPAQUE_TYPE = "opaque"

DESCRIPTION = (
    "The URL of this operation is opaque: take it from the Location header of the response "
    "that created it (query string included), do not build it from the template; the listed "
    "parameters are opaque to clients."
)


def opaque_links(
    dset: DescriptorSet, templates: dict[str, CompiledPath], op_ids: dict[tuple[str, str], str]
) -> dict[str, dict[str, Any]]:
    """Route name → its ``x-opaque-location`` object, for each route with an opaque parameter."""
    out: dict[str, dict[str, Any]] = {}
    for route in dset.routes:
        opaque = dedupe(
            p.name
            for m in route.methods or ()
            for q in m.requests or ()
            for p in q.path_parameters or ()
            if p.type == OPAQUE_TYPE
        )
        if not opaque:
            continue
        doc_form = templates[route.name].doc_form
        sources = []
        for other in dset.routes:
            for m in other.methods or ():
                for q in m.requests or ():
                    for r in (q.successes or ()) + (q.failures or ()):
                        for h in r.headers or ():
                            if h.name.lower() == "location" and h.format.split("?")[0] == doc_form:
                                sources.append(
                                    {
                                        "operationId": op_ids[(other.name, m.method)],
                                        "request": q.name,
                                        "status": str(r.status_code),
                                        "header": h.name,
                                    }
                                )
        out[route.name] = {"parameters": opaque, "description": DESCRIPTION, "from": dedupe(sources)}
    return out
