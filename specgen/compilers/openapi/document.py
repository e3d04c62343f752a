"""The whole document: info, tags, one path item per route, ``x-errors`` and the components; and
its OpenAPI 3.0.3 form, with every schema rewritten (``schema30``)."""

from __future__ import annotations

from typing import Any

from specgen.compilers.note import GENERATED_NOTE
from specgen.compilers.openapi.context import Context
from specgen.compilers.openapi.operations import operation
from specgen.compilers.openapi.schema30 import to_30
from specgen.compilers.openapi.security import security_schemes
from specgen.compilers.openapi.util import join
from specgen.model import DescriptorSet

VERSIONS = {"3.1": "3.1.0", "3.0": "3.0.3"}

#: The generated documents are specgen's output, under specgen's licence (3.0 has no SPDX field).
LICENSE_31 = {"name": "Apache-2.0", "identifier": "Apache-2.0"}
LICENSE_30 = {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"}


def _paths(ctx: Context) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for route in ctx.dset.routes:
        template = ctx.templates[route.name]
        if template.openapi_template in paths:
            raise ValueError(f"two routes share the OpenAPI path {template.openapi_template}")
        item: dict[str, Any] = {"summary": route.entity}
        if route.description:
            item["description"] = route.description
        item["x-route"] = route.name
        item["x-path-template"] = route.path
        for method in route.methods or ():
            item[method.method.lower()] = operation(ctx, route, method)
        paths[template.openapi_template] = item
    return paths


def document(ctx: Context) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``ctx.dset`` as plain data."""
    dset = ctx.dset
    doc: dict[str, Any] = {"openapi": VERSIONS["3.1"], "x-generated": GENERATED_NOTE}
    info: dict[str, Any] = {"title": dset.title, "version": dset.version}
    if dset.intro:
        info["description"] = dset.intro
    doc["info"] = info
    info["license"] = LICENSE_31
    # "/" (the document's own origin) is what OpenAPI assumes without servers; said explicitly
    doc["servers"] = [{"url": ctx.server or "/"}]
    tags: dict[str, list[str]] = {}
    for route in dset.routes:
        tags.setdefault(route.entity or route.name, []).append(route.description)
    doc["tags"] = [{"name": n, **({"description": join(d)} if join(d) else {})} for n, d in tags.items()]
    doc["paths"] = _paths(ctx)
    if dset.errors:
        doc["x-errors"] = [
            {
                "code": e.value,
                "group": e.group,
                "message": e.message,
                "description": e.description,
                "httpStatusCode": e.http_status_code,
            }
            for _, group in dset.error_groups()
            for e in group
        ]
    doc["components"] = {"schemas": ctx.components.sorted()}
    if ctx.components.unused():
        doc["x-schemas"] = ctx.components.unused()
    if ctx.schemes:
        doc["components"]["securitySchemes"] = security_schemes(ctx.schemes)
    return doc


def _downgrade(node: Any) -> Any:
    """Every schema of a 3.1 document rewritten for 3.0 (``schema`` values and components)."""
    if isinstance(node, list):
        return [_downgrade(x) for x in node]
    if not isinstance(node, dict):
        return node
    return {k: (to_30(v) if k == "schema" else _downgrade(v)) for k, v in node.items()}


def compile_openapi(dset: DescriptorSet, version: str = "3.1", server: str | None = None) -> dict[str, Any]:
    """The OpenAPI document of ``dset`` as plain data; ``version`` is "3.1" or "3.0".

    Raises ``ValueError`` for an unknown version or a set OpenAPI cannot express (two operations
    or two routes that would share a name or path)."""
    if version not in VERSIONS:
        raise ValueError(f"unsupported OpenAPI version {version!r} (choose {', '.join(VERSIONS)})")
    doc = document(Context.of(dset, server))
    if version == "3.0":
        doc = _to_30(doc)
    return doc


def _to_30(doc: dict[str, Any]) -> dict[str, Any]:
    """The 3.1 document as 3.0.3: every schema rewritten (``schema30``), the licence by URL."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "components":
            out[key] = {**value, "schemas": {k: to_30(v) for k, v in value["schemas"].items()}}
        elif key == "x-schemas":
            out[key] = {k: to_30(v) for k, v in value.items()}
        else:
            out[key] = _downgrade(value)
    out["openapi"] = VERSIONS["3.0"]
    out["info"]["license"] = LICENSE_30
    return out
