"""Response objects: a method's responses grouped by status over its requests, each group merged
into one object (``x-responses`` keeps the originals when several are merged)."""

from __future__ import annotations

from typing import Any

from specgen import bodies
from specgen.compilers.openapi.content import Item, content
from specgen.compilers.openapi.parameters import header_object
from specgen.compilers.openapi.schemas import Components
from specgen.compilers.openapi.util import dedupe, join, status_text
from specgen.model import DescriptorSet, RequestDescriptor, ResponseDescriptor

#: A response descriptor and the names of the requests that declare it.
Original = tuple[ResponseDescriptor, list[str]]


def group_by_status(
    requests: tuple[RequestDescriptor, ...],
) -> tuple[dict[int, list[Original]], list[list[dict[str, Any]]]]:
    """Distinct responses by status (with the requests declaring each), and each request's own
    list of ``{"status", "name", "kind"}`` for ``x-requests``."""
    groups: dict[int, list[Original]] = {}
    listed_per_request: list[list[dict[str, Any]]] = []
    for request in requests:
        listed = []
        for kind, responses in (("success", request.successes), ("failure", request.failures)):
            for r in responses or ():
                group = groups.setdefault(r.status_code, [])
                for original, users in group:
                    if original == r:
                        if request.name not in users:
                            users.append(request.name)
                        break
                else:
                    group.append((r, [request.name]))
                listed.append({"status": str(r.status_code), "name": r.name, "kind": kind})
        listed_per_request.append(listed)
    return groups, listed_per_request


def _headers(responses: list[ResponseDescriptor]) -> dict[str, dict[str, Any]]:
    headers: dict[str, dict[str, Any]] = {}
    for r in responses:
        for h in r.headers or ():
            header = header_object(h)
            name = next((n for n in headers if n.lower() == h.name.lower()), h.name)
            if name in headers:
                joined = join([headers[name].get("description", ""), header.get("description", "")])
                if joined:
                    headers[name]["description"] = joined
            else:
                headers[name] = header
    return headers


def response(dset: DescriptorSet, components: Components, originals: list[Original], owner: str = "") -> dict[str, Any]:
    """One response object from the responses of one status (``owner``: operationId and status,
    which names the error envelope it may create)."""
    responses = [r for r, _ in originals]
    codes = dedupe(e.value for r in responses for e in r.error_codes or ())
    description = (
        join(r.description for r in responses)
        or "; ".join(dedupe(r.name for r in responses if r.name))
        or status_text(responses[0].status_code)
    )
    obj: dict[str, Any] = {"description": description}
    headers = _headers(responses)
    if headers:
        obj["headers"] = headers
    items: list[Item] = []
    for r in responses:
        own = [e.value for e in r.error_codes or ()]
        for variant in bodies.body_variants(dset, r.body, own):
            items.append((variant, own, r.body.format))
    if items:
        obj["content"] = content(components, items, codes, owner)
    if codes:
        obj["x-error-codes"] = codes
    if len(originals) == 1:
        ((r, _),) = originals
        if r.name:
            obj["x-name"] = r.name
        if r.fields:
            obj["x-fields"] = {f.name: header_object(f) for f in r.fields}
    else:
        obj["x-responses"] = [_original(r, requests) for r, requests in originals]
    return obj


def _original(r: ResponseDescriptor, requests: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": r.name, "description": r.description, "requests": requests}
    if r.headers:
        out["headers"] = {h.name: header_object(h) for h in r.headers}
    if r.error_codes:
        out["errorCodes"] = [e.value for e in r.error_codes]
    if r.body.content_type:
        out["body"] = {"contentType": r.body.content_type, "format": r.body.format}
    if r.fields:
        out["fields"] = {f.name: header_object(f) for f in r.fields}
    return out
