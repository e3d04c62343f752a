"""Parameter and header objects: a descriptor parameter's schema, pattern and ``x-`` fields, and a
method's parameters merged over its requests."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from specgen.compilers.openapi.regex import Untranslatable, can_match_char, go_to_ecma
from specgen.compilers.openapi.util import dedupe, join
from specgen.model import ParameterDescriptor, RequestDescriptor
from specgen.paths import CompiledPath

#: Descriptor parameter types that are JSON Schema types; any other becomes a string with ``x-type``.
JSON_TYPES = {"string", "integer", "number", "boolean"}
LOCATIONS = (("path", "path_parameters"), ("query", "query_parameters"), ("header", "headers"))

#: (location, name) of a parameter; header names are compared lower-cased.
Key = tuple[str, str]

#: Request headers that are HTTP metadata, not operation parameters: OpenAPI ignores header
#: parameters named Accept, Content-Type and Authorization (the media types and security schemes
#: say them), and Host and Content-Length belong to the connection and the body. They stay in
#: ``x-requests``, whole.
HTTP_METADATA = frozenset({"accept", "authorization", "content-length", "content-type", "host"})

#: Go patterns that admit only unsigned decimal numbers: an integer parameter with one is >= 0.
#: Prose saying an integer parameter is a count (``n``: "Limit the number of entries"): >= 0.
_COUNT = re.compile(r"\bnumber of\b", re.IGNORECASE)
_DIGITS_ONLY = re.compile(r"^\^?(?:\[0-9\]|\\d)[+]\$?$")


def is_http_metadata(where: str, name: str) -> bool:
    """Whether a request parameter is HTTP metadata rather than an operation parameter."""
    return where == "header" and name.lower() in HTTP_METADATA


def pattern_fields(go_pattern: str) -> dict[str, Any]:
    """``pattern`` (ECMA-262) when the Go regexp translates, ``x-go-regexp`` when it does not or
    when the translation differs from the plain anchored pattern."""
    try:
        ecma = go_to_ecma(go_pattern)
    except Untranslatable:
        return {"x-go-regexp": go_pattern}
    out: dict[str, Any] = {"pattern": ecma}
    if ecma != f"^(?:{go_pattern})$":
        out["x-go-regexp"] = go_pattern
    return out


def _schema(p: ParameterDescriptor, go_pattern: str | None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": p.type if p.type in JSON_TYPES else "string"}
    if go_pattern:
        fields = pattern_fields(go_pattern)
        if "pattern" in fields:
            schema["pattern"] = fields["pattern"]
        if schema["type"] == "integer" and _DIGITS_ONLY.match(go_pattern):
            schema["minimum"] = 0  # a pattern does not constrain a number; digits only is a bound
    if schema["type"] == "integer" and _COUNT.search(p.description):
        schema["minimum"] = 0  # "the number of entries": a count
    return schema


def param_fields(p: ParameterDescriptor, go_pattern: str | None) -> dict[str, Any]:
    """The fields a parameter and a header object share."""
    out: dict[str, Any] = {}
    if p.description:
        out["description"] = p.description
    out["schema"] = _schema(p, go_pattern)
    if go_pattern and "x-go-regexp" in pattern_fields(go_pattern):
        out["x-go-regexp"] = go_pattern
    if p.format:
        out["x-format"] = p.format
    if p.type not in JSON_TYPES:
        out["x-type"] = p.type
    if p.examples:
        out["examples"] = {f"example{i + 1}": {"value": ex} for i, ex in enumerate(p.examples)}
    return out


def header_object(p: ParameterDescriptor) -> dict[str, Any]:
    """A response header (or body field) as an OpenAPI header object."""
    obj = param_fields(p, p.regexp.go_pattern if p.regexp is not None else None)
    if p.required:
        obj["required"] = True
    return obj


def _go_pattern(template: CompiledPath, where: str, p: ParameterDescriptor) -> str | None:
    if p.regexp is not None:
        return p.regexp.go_pattern
    if where == "path":
        return dict(zip(template.variables, template.patterns)).get(p.name)
    return None


def parameter(template: CompiledPath, where: str, p: ParameterDescriptor) -> dict[str, Any]:
    """One parameter object; a path parameter without a regexp takes its template's pattern."""
    go_pattern = _go_pattern(template, where, p)
    obj: dict[str, Any] = {"name": p.name, "in": where}
    obj.update(param_fields(p, go_pattern))
    obj["required"] = True if where == "path" else p.required
    if where == "path" and go_pattern and can_match_char(go_pattern, "/"):
        obj["x-multi-segment"] = True
    return obj


def path_aliases(template: CompiledPath, request: RequestDescriptor) -> dict[str, str]:
    """A path parameter descriptor whose name is no variable of the template, when exactly one
    variable is left undescribed, describes that variable (v2.0.0 describes ``{reference}`` as
    ``tag``): descriptor name → variable."""
    names = [p.name for p in request.path_parameters or ()]
    strays = [n for n in names if n not in template.variables]
    missing = [v for v in template.variables if v not in names]
    return {strays[0]: missing[0]} if len(strays) == 1 and len(missing) == 1 else {}


def parameters(
    route_name: str,
    template: CompiledPath,
    requests: tuple[RequestDescriptor, ...],
) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """The union of the requests' parameters, and each request's own view of them (the fields in
    which it differs from the union, for ``x-requests``)."""
    merged: dict[Key, dict[str, Any]] = {}
    own: list[dict[Key, dict[str, Any]]] = []
    for name in template.variables:
        merged[("path", name)] = {}
    for request in requests:
        mine: dict[Key, dict[str, Any]] = {}
        alias = path_aliases(template, request)
        for where, attr in LOCATIONS:
            for p in getattr(request, attr) or ():
                if where == "path" and p.name in alias:  # distribution v2.0.0: {reference} described as `tag`
                    p = replace(p, name=alias[p.name])
                key = (where, p.name.lower() if where == "header" else p.name)
                mine[key] = parameter(template, where, p)
                if where == "path" and p.name in alias.values():
                    mine[key]["x-descriptor-name"] = next(k for k, v in alias.items() if v == p.name)
        own.append(mine)
        for key in mine:
            merged.setdefault(key, {})
    variables = set(template.variables)
    declared = {name for where, name in merged if where == "path"}
    if declared != variables:
        raise ValueError(
            f"route {route_name}: path parameters {sorted(declared)} do not match "
            f"the template's variables {sorted(variables)}"
        )
    order = [where for where, _ in LOCATIONS]
    out: list[dict[str, Any]] = []
    for key in sorted(merged, key=lambda k: order.index(k[0])):  # stable: first-seen order within
        views = [m[key] for m in own if key in m]
        if not views:  # a template variable no request describes
            views = [parameter(template, "path", ParameterDescriptor(name=key[1], type="string", required=True))]
        obj = dict(views[0])
        obj["required"] = len(views) == len(own) and all(v["required"] for v in views) or key[0] == "path"
        description = join(v.get("description", "") for v in views)
        if description:
            obj["description"] = description
        if is_http_metadata(*key):
            merged[key] = {}  # not an operation parameter: x-requests keeps every field
            continue
        merged[key] = obj
        out.append(obj)
    per_request = []
    for mine in own:
        entries = []
        for key, view in mine.items():
            entry = {"in": key[0], "name": view["name"], "required": view["required"]}
            fields = dedupe([*view, *merged[key]])
            entry.update(
                {
                    k: view.get(k)
                    for k in fields
                    if k not in ("in", "name", "required") and merged[key].get(k) != view.get(k)
                }
            )
            entries.append(entry)
        per_request.append(entries)
    return out, per_request
