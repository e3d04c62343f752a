"""One operation object per method of a route: its requests merged (parameters, body, responses),
and ``x-requests`` keeping each request with its own parameters, body and responses."""

from __future__ import annotations

from typing import Any

from specgen.compilers.openapi.content import request_body
from specgen.compilers.openapi.context import Context
from specgen.compilers.openapi.parameters import parameters
from specgen.compilers.openapi.responses import group_by_status, response
from specgen.compilers.openapi.security import requirements
from specgen.compilers.openapi.unmatched import add_unmatched_route
from specgen.model import MethodDescriptor, RequestDescriptor, RouteDescriptor
from specgen.naming import camel


def request_ids(requests: tuple[RequestDescriptor, ...]) -> list[str]:
    """A distinct id per request: its name in camel case, else ``request<n>``."""
    ids: list[str] = []
    for i, request in enumerate(requests):
        rid = camel(request.name) or f"request{i + 1}"
        while rid in ids:
            rid += f"_{i + 1}"
        ids.append(rid)
    return ids


def operation(ctx: Context, route: RouteDescriptor, method: MethodDescriptor) -> dict[str, Any]:
    requests = method.requests or (RequestDescriptor(),)
    ids = request_ids(requests)
    names = [r.name for r in requests if r.name]
    op: dict[str, Any] = {"tags": [route.entity or route.name]}
    op["summary"] = " / ".join(names) if names else f"{method.method} {route.entity or route.name}"
    if method.description:
        op["description"] = method.description
    op["operationId"] = ctx.op_ids[(route.name, method.method)]
    if ctx.schemes:
        op["security"] = requirements(ctx.schemes, requests)
    merged, own_parameters = parameters(route.name, ctx.templates[route.name], requests)
    if merged:
        op["parameters"] = merged
    body = request_body(ctx.dset, ctx.components, requests, ids)
    if body is not None:
        op["requestBody"] = body
    groups, listed_per_request = group_by_status(requests)
    oid = op["operationId"]
    op["responses"] = {str(s): response(ctx.dset, ctx.components, groups[s], f"{oid} {s}") for s in sorted(groups)} or {
        "default": {"description": "Not described."}
    }
    if ctx.templates[route.name].variables:
        add_unmatched_route(op["responses"], head=method.method == "HEAD")
    op["x-requests"] = []
    for request, rid, params, listed in zip(requests, ids, own_parameters, listed_per_request):
        entry: dict[str, Any] = {"id": rid, "name": request.name}
        if request.description:
            entry["description"] = request.description
        entry["parameters"] = params
        if request.body.content_type:
            entry["requestBody"] = {"contentType": request.body.content_type, "format": request.body.format}
        entry["responses"] = listed
        op["x-requests"].append(entry)
    if route.name in ctx.opaque_links:
        op["x-opaque-location"] = ctx.opaque_links[route.name]
    return op
