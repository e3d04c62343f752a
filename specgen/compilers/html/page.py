"""What the HTML templates see beyond the Markdown reference's context: every anchor (``anchors``),
the responses rendered once and linked (shared), and the body schemas as field tables."""

from __future__ import annotations

from typing import Any

from specgen import bodies
from specgen.compilers.html.anchors import (
    RequestAnchors,
    anchor,
    error_anchor,
    request_anchors,
    schema_anchor,
    shared_anchor,
)
from specgen.compilers.html.schema_rows import schema_rows
from specgen.compilers.markdown import context
from specgen.model import BodyDescriptor, DescriptorSet, ResponseDescriptor

#: A named response that this many methods (or more) declare is rendered once, in "Shared responses".
SHARED_MIN_METHODS = 3


def shared_responses(dset: DescriptorSet) -> list[ResponseDescriptor]:
    """Named responses declared by at least SHARED_MIN_METHODS methods, in first-seen order."""
    seen: list[tuple[ResponseDescriptor, set[tuple[str, str]]]] = []
    for route in dset.routes:
        for method in route.methods or ():
            for request in method.requests or ():
                for r in (request.successes or ()) + (request.failures or ()):
                    for known, users in seen:
                        if known == r:
                            users.add((route.name, method.method))
                            break
                    else:
                        seen.append((r, {(route.name, method.method)}))
    return [r for r, users in seen if r.name and len(users) >= SHARED_MIN_METHODS]


def _title(dset: DescriptorSet, key: str) -> str:
    return str(dset.schemas[key].get("title") or key)


def body_schemas(dset: DescriptorSet) -> list[dict[str, Any]]:
    """Each schema of the set: title, anchor, key, description and field rows."""
    return [
        {
            "key": key,
            "title": _title(dset, key),
            "anchor": schema_anchor(_title(dset, key)),
            "description": schema.get("description", ""),
            "rows": schema_rows(schema),
        }
        for key, schema in dset.schemas.items()
    ]


def _errors_key(dset: DescriptorSet) -> str | None:
    """The set's schema of the plain errors envelope, if it has one (its ``errors`` property)."""
    for key, schema in dset.schemas.items():
        if not bodies.is_media_type(key) and "errors" in (schema.get("properties") or {}):
            return key
    return None


def page_context(dset: DescriptorSet, note: str = "") -> dict[str, Any]:
    ctx = context(dset, note)
    anchors = request_anchors(dset)
    shared = shared_responses(dset)
    errors_key = _errors_key(dset)

    def request_ids(route: str, method: str, n: int) -> RequestAnchors:
        return anchors[(route, method, n)]

    def shared_id(response: ResponseDescriptor) -> str | None:
        return shared_anchor(response) if any(s == response for s in shared) else None

    def body_links(body: BodyDescriptor, codes: Any = ()) -> list[dict[str, str]]:
        """The schemas a body may match, as (media type, title, anchor); an error body links the
        errors envelope (its codes are listed beside it)."""
        out = []
        for variant in bodies.body_variants(dset, body, [e.value for e in codes or ()]):
            key = variant.schema_key
            if key is None and variant.schema is not None and codes and errors_key:
                key = errors_key
            if key is not None:
                out.append(
                    {
                        "media": variant.media_type,
                        "title": _title(dset, key),
                        "anchor": schema_anchor(_title(dset, key)),
                    }
                )
        return out

    ctx.update(
        anchor=anchor,
        error_anchor=error_anchor,
        request_ids=request_ids,
        shared=[{"response": r, "anchor": shared_anchor(r)} for r in shared],
        shared_id=shared_id,
        schemas=body_schemas(dset),
        body_links=body_links,
    )
    return ctx
