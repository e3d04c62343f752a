"""DescriptorSet -> OpenAPI 3.1 document (3.0.3 by rewriting its schemas). Lossless: what OpenAPI
cannot say directly goes into the ``x-`` extensions documented in docs/openapi.md.

One path item per route (``/v2/{name}/blobs/{digest}``), one operation per method. A method's
requests become one operation: parameters are their union, responses are merged by status, and
``x-requests`` keeps each request with its own parameters, body and responses.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any, Iterable

from specgen import bodies
from specgen.build import GENERATED_NOTE
from specgen.model import (
    DescriptorSet,
    MethodDescriptor,
    ParameterDescriptor,
    RequestDescriptor,
    ResponseDescriptor,
    RouteDescriptor,
)
from specgen.paths import compile_path
from specgen.openapi.regex import Untranslatable, can_match_char, go_to_ecma
from specgen.openapi.schema30 import to_30

VERSIONS = {"3.1": "3.1.0", "3.0": "3.0.3"}
#: Descriptor parameter types that are JSON Schema types; any other becomes a string with ``x-type``.
_JSON_TYPES = {"string", "integer", "number", "boolean"}
_LOCATIONS = (("path", "path_parameters"), ("query", "query_parameters"), ("header", "headers"))
OPAQUE_TYPE = "opaque"


def camel(text: str, upper_first: bool = False) -> str:
    """``"blob-upload chunk"`` -> ``blobUploadChunk`` (``BlobUploadChunk`` with ``upper_first``)."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    out = "".join(w[:1].upper() + w[1:] for w in words)
    if not upper_first and words:
        first = words[0]
        out = (first.lower() if first.isupper() and len(first) > 1 else first[:1].lower() + first[1:]) \
            + out[len(first):]
    return out


def operation_id(route: RouteDescriptor, method: MethodDescriptor) -> str:
    return camel(f"{method.method.lower()} {route.name}")


def _join(texts: Iterable[str]) -> str:
    return "\n\n".join(dict.fromkeys(t for t in texts if t))


def _dedupe(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


class Compiler:
    """Compiles one set; ``document()`` returns the OpenAPI 3.1 document as plain data."""

    def __init__(self, dset: DescriptorSet, server: str | None = None) -> None:
        self.dset = dset
        self.server = server
        self.components: dict[str, Any] = {}
        self._key_names: dict[str, str] = {}
        self.templates = {r.name: compile_path(r.path) for r in dset.routes}
        self.op_ids: dict[tuple[str, str], str] = {}
        for route in dset.routes:
            for method in route.methods or ():
                oid = operation_id(route, method)
                if oid in self.op_ids.values():
                    raise ValueError(f"two operations would be called {oid!r} ({route.name} {method.method})")
                self.op_ids[(route.name, method.method)] = oid
        self._register_set_schemas()
        self.opaque_links = self._opaque_links()

    # ---- schemas -------------------------------------------------------------------------------

    def _register_set_schemas(self) -> None:
        for key, schema in self.dset.schemas.items():
            name = camel(schema.get("title") or key, upper_first=True) or "Schema"
            if name in self.components:
                name = f"{name}_{re.sub(r'[^A-Za-z0-9._-]', '_', key)}"
            body = {k: v for k, v in schema.items() if k != "$schema"}
            self.components[name] = {**body, "x-schema-key": key}
            self._key_names[key] = name

    def _errors_ref(self, codes: list[str]) -> dict[str, Any]:
        codes = sorted(set(codes))
        name = "Errors_" + "_".join(re.sub(r"[^A-Za-z0-9]", "_", c) for c in codes)
        if name not in self.components:
            schema = bodies.errors_schema(codes)
            schema.pop("$schema", None)
            self.components[name] = {
                "description": "The errors envelope limited to the codes " + ", ".join(codes) + ".",
                **schema,
            }
        return {"$ref": f"#/components/schemas/{name}"}

    def _variant_schema(self, variant: bodies.BodyVariant, codes: list[str]) -> dict[str, Any]:
        if variant.schema_key is not None:
            return {"$ref": f"#/components/schemas/{self._key_names[variant.schema_key]}"}
        if variant.schema is not None and codes:
            return self._errors_ref(codes)
        if variant.schema is not None:
            return {k: v for k, v in variant.schema.items() if k != "$schema"}
        if variant.json:
            return {}
        media = variant.media_type if bodies.is_media_type(variant.media_type) else "application/octet-stream"
        return {"type": "string", "contentMediaType": media}

    @staticmethod
    def _media_key(variant: bodies.BodyVariant) -> str:
        if bodies.is_media_type(variant.media_type):
            return variant.media_type
        return "application/json" if variant.json else "application/octet-stream"

    # ---- parameters ----------------------------------------------------------------------------

    def _pattern_fields(self, go_pattern: str) -> dict[str, Any]:
        try:
            ecma = go_to_ecma(go_pattern)
        except Untranslatable:
            return {"x-go-regexp": go_pattern}
        out: dict[str, Any] = {"pattern": ecma}
        if ecma != f"^(?:{go_pattern})$":
            out["x-go-regexp"] = go_pattern
        return out

    def _schema(self, p: ParameterDescriptor, go_pattern: str | None) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": p.type if p.type in _JSON_TYPES else "string"}
        if go_pattern:
            fields = self._pattern_fields(go_pattern)
            if "pattern" in fields:
                schema["pattern"] = fields["pattern"]
        return schema

    def _param_fields(self, p: ParameterDescriptor, go_pattern: str | None) -> dict[str, Any]:
        """The fields a parameter and a header object share."""
        out: dict[str, Any] = {}
        if p.description:
            out["description"] = p.description
        out["schema"] = self._schema(p, go_pattern)
        if go_pattern and "x-go-regexp" in self._pattern_fields(go_pattern):
            out["x-go-regexp"] = go_pattern
        if p.format:
            out["x-format"] = p.format
        if p.type not in _JSON_TYPES:
            out["x-type"] = p.type
        if p.examples:
            out["examples"] = {f"example{i + 1}": {"value": ex} for i, ex in enumerate(p.examples)}
        return out

    def _go_pattern(self, route: RouteDescriptor, where: str, p: ParameterDescriptor) -> str | None:
        if p.regexp is not None:
            return p.regexp.go_pattern
        if where == "path":
            template = self.templates[route.name]
            return dict(zip(template.variables, template.patterns)).get(p.name)
        return None

    def _parameter(self, route: RouteDescriptor, where: str, p: ParameterDescriptor) -> dict[str, Any]:
        go_pattern = self._go_pattern(route, where, p)
        obj: dict[str, Any] = {"name": p.name, "in": where}
        obj.update(self._param_fields(p, go_pattern))
        obj["required"] = True if where == "path" else p.required
        if where == "path" and go_pattern and can_match_char(go_pattern, "/"):
            obj["x-multi-segment"] = True
        return obj

    def _parameters(self, route: RouteDescriptor, requests: tuple[RequestDescriptor, ...]):
        """The union of the requests' parameters, and each request's own view of them."""
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        own: list[dict[tuple[str, str], dict[str, Any]]] = []
        for name in self.templates[route.name].variables:
            merged[("path", name)] = {}
        for request in requests:
            mine: dict[tuple[str, str], dict[str, Any]] = {}
            for where, attr in _LOCATIONS:
                for p in getattr(request, attr) or ():
                    key = (where, p.name.lower() if where == "header" else p.name)
                    mine[key] = self._parameter(route, where, p)
            own.append(mine)
            for key in mine:
                merged.setdefault(key, {})
        variables = set(self.templates[route.name].variables)
        declared = {name for where, name in merged if where == "path"}
        if declared != variables:
            raise ValueError(f"route {route.name}: path parameters {sorted(declared)} do not match "
                             f"the template's variables {sorted(variables)}")
        order = [where for where, _ in _LOCATIONS]
        out: list[dict[str, Any]] = []
        for key in sorted(merged, key=lambda k: order.index(k[0])):  # stable: first-seen order within
            views = [m[key] for m in own if key in m]
            if not views:  # a template variable no request describes
                views = [self._parameter(route, "path", ParameterDescriptor(name=key[1], type="string",
                                                                             required=True))]
            obj = dict(views[0])
            obj["required"] = len(views) == len(own) and all(v["required"] for v in views) or key[0] == "path"
            description = _join(v.get("description", "") for v in views)
            if description:
                obj["description"] = description
            merged[key] = obj
            out.append(obj)
        per_request = []
        for mine in own:
            entries = []
            for key, view in mine.items():
                entry = {"in": key[0], "name": view["name"], "required": view["required"]}
                fields = _dedupe([*view, *merged[key]])
                entry.update({k: view.get(k) for k in fields
                              if k not in ("in", "name", "required") and merged[key].get(k) != view.get(k)})
                entries.append(entry)
            per_request.append(entries)
        return out, per_request

    # ---- bodies and responses ------------------------------------------------------------------

    def _content(self, items: list[tuple[bodies.BodyVariant, list[str], str]],
                 codes: list[str]) -> dict[str, Any]:
        """Media type objects from (variant, its own error codes, format) items; error bodies get
        the envelope limited to ``codes`` (the codes of every response merged here)."""
        content: dict[str, dict[str, Any]] = {}
        for variant, own_codes, fmt in items:
            key = self._media_key(variant)
            schema = self._variant_schema(variant, codes if own_codes else [])
            media = content.setdefault(key, {"schemas": [], "format": fmt, "content_type": variant.media_type})
            if schema not in media["schemas"]:
                media["schemas"].append(schema)
        out: dict[str, Any] = {}
        for key, media in content.items():
            schemas = media["schemas"]
            obj: dict[str, Any] = {"schema": schemas[0] if len(schemas) == 1 else {"anyOf": schemas}}
            obj["x-format"] = media["format"]
            if media["content_type"] != key:
                obj["x-content-type"] = media["content_type"]
            out[key] = obj
        return out

    def _request_body(self, requests: tuple[RequestDescriptor, ...], ids: list[str]) -> dict[str, Any] | None:
        items = []
        examples: dict[str, dict[str, Any]] = {}
        with_body = 0
        for request, rid in zip(requests, ids):
            variants = bodies.body_variants(self.dset, request.body)
            if variants:
                with_body += 1
            for variant in variants:
                items.append((variant, [], request.body.format))
                example: dict[str, Any] = {"summary": request.name or rid}
                if variant.json:
                    try:
                        example["value"] = json.loads(request.body.format)
                    except ValueError:
                        example["description"] = request.body.format
                else:
                    example["value"] = request.body.format
                examples.setdefault(self._media_key(variant), {})[rid] = example
        if not items:
            return None
        content = self._content(items, [])
        for key, obj in content.items():
            obj["examples"] = examples.get(key, {})
        return {"required": with_body == len(requests), "content": content}

    def _header_object(self, p: ParameterDescriptor) -> dict[str, Any]:
        obj = self._param_fields(p, p.regexp.go_pattern if p.regexp is not None else None)
        if p.required:
            obj["required"] = True
        return obj

    def _response(self, originals: list[tuple[ResponseDescriptor, list[str]]]) -> dict[str, Any]:
        responses = [r for r, _ in originals]
        codes = _dedupe(e.value for r in responses for e in r.error_codes or ())
        description = _join(r.description for r in responses) or "; ".join(
            _dedupe(r.name for r in responses if r.name)) or _status_text(responses[0].status_code)
        obj: dict[str, Any] = {"description": description}
        headers: dict[str, dict[str, Any]] = {}
        for r in responses:
            for h in r.headers or ():
                header = self._header_object(h)
                name = next((n for n in headers if n.lower() == h.name.lower()), h.name)
                if name in headers:
                    joined = _join([headers[name].get("description", ""), header.get("description", "")])
                    if joined:
                        headers[name]["description"] = joined
                else:
                    headers[name] = header
        if headers:
            obj["headers"] = headers
        items = []
        for r in responses:
            own = [e.value for e in r.error_codes or ()]
            for variant in bodies.body_variants(self.dset, r.body, own):
                items.append((variant, own, r.body.format))
        if items:
            obj["content"] = self._content(items, codes)
        if codes:
            obj["x-error-codes"] = codes
        if len(originals) == 1:
            (r, _), = originals
            if r.name:
                obj["x-name"] = r.name
            if r.fields:
                obj["x-fields"] = {f.name: self._header_object(f) for f in r.fields}
        else:
            obj["x-responses"] = [self._original(r, requests) for r, requests in originals]
        return obj

    def _original(self, r: ResponseDescriptor, requests: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"name": r.name, "description": r.description, "requests": requests}
        if r.headers:
            out["headers"] = {h.name: self._header_object(h) for h in r.headers}
        if r.error_codes:
            out["errorCodes"] = [e.value for e in r.error_codes]
        if r.body.content_type:
            out["body"] = {"contentType": r.body.content_type, "format": r.body.format}
        if r.fields:
            out["fields"] = {f.name: self._header_object(f) for f in r.fields}
        return out

    # ---- operations ----------------------------------------------------------------------------

    def _request_ids(self, requests: tuple[RequestDescriptor, ...]) -> list[str]:
        ids: list[str] = []
        for i, request in enumerate(requests):
            rid = camel(request.name) or f"request{i + 1}"
            while rid in ids:
                rid += f"_{i + 1}"
            ids.append(rid)
        return ids

    def _operation(self, route: RouteDescriptor, method: MethodDescriptor) -> dict[str, Any]:
        requests = method.requests or (RequestDescriptor(),)
        ids = self._request_ids(requests)
        names = [r.name for r in requests if r.name]
        op: dict[str, Any] = {"tags": [route.entity or route.name]}
        op["summary"] = " / ".join(names) if names else f"{method.method} {route.entity or route.name}"
        if method.description:
            op["description"] = method.description
        op["operationId"] = self.op_ids[(route.name, method.method)]
        parameters, own_parameters = self._parameters(route, requests)
        if parameters:
            op["parameters"] = parameters
        body = self._request_body(requests, ids)
        if body is not None:
            op["requestBody"] = body
        groups: dict[int, list[tuple[ResponseDescriptor, list[str]]]] = {}
        variant_responses: list[list[dict[str, Any]]] = []
        for request, rid in zip(requests, ids):
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
            variant_responses.append(listed)
        op["responses"] = {str(s): self._response(groups[s]) for s in sorted(groups)} or {
            "default": {"description": "Not described."}}
        op["x-requests"] = []
        for request, rid, params, listed in zip(requests, ids, own_parameters, variant_responses):
            entry: dict[str, Any] = {"id": rid, "name": request.name}
            if request.description:
                entry["description"] = request.description
            entry["parameters"] = params
            if request.body.content_type:
                entry["requestBody"] = {"contentType": request.body.content_type,
                                        "format": request.body.format}
            entry["responses"] = listed
            op["x-requests"].append(entry)
        if route.name in self.opaque_links:
            op["x-opaque-location"] = self.opaque_links[route.name]
        return op

    def _opaque_links(self) -> dict[str, dict[str, Any]]:
        """For each route with an opaque path parameter: the responses whose Location leads there."""
        out: dict[str, dict[str, Any]] = {}
        for route in self.dset.routes:
            opaque = _dedupe(p.name for m in route.methods or () for q in m.requests or ()
                             for p in q.path_parameters or () if p.type == OPAQUE_TYPE)
            if not opaque:
                continue
            doc_form = self.templates[route.name].doc_form
            sources = []
            for other in self.dset.routes:
                for m in other.methods or ():
                    for q in m.requests or ():
                        for r in (q.successes or ()) + (q.failures or ()):
                            for h in r.headers or ():
                                if h.name.lower() == "location" and h.format.split("?")[0] == doc_form:
                                    sources.append({"operationId": self.op_ids[(other.name, m.method)],
                                                    "request": q.name, "status": str(r.status_code),
                                                    "header": h.name})
            out[route.name] = {
                "parameters": opaque,
                "description": "The URL of this operation is opaque: take it from the Location header "
                "of the response that created it (query string included), do not build it from the "
                "template; the listed parameters are opaque to clients.",
                "from": _dedupe(sources),
            }
        return out

    # ---- document ------------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        dset = self.dset
        doc: dict[str, Any] = {"openapi": VERSIONS["3.1"], "x-generated": GENERATED_NOTE}
        info: dict[str, Any] = {"title": dset.title, "version": dset.version}
        if dset.intro:
            info["description"] = dset.intro
        doc["info"] = info
        if self.server:
            doc["servers"] = [{"url": self.server}]
        tags: dict[str, list[str]] = {}
        for route in dset.routes:
            tags.setdefault(route.entity or route.name, []).append(route.description)
        doc["tags"] = [{"name": n, **({"description": _join(d)} if _join(d) else {})} for n, d in tags.items()]
        paths: dict[str, Any] = {}
        for route in dset.routes:
            template = self.templates[route.name]
            if template.openapi_template in paths:
                raise ValueError(f"two routes share the OpenAPI path {template.openapi_template}")
            item: dict[str, Any] = {"summary": route.entity}
            if route.description:
                item["description"] = route.description
            item["x-route"] = route.name
            item["x-path-template"] = route.path
            for method in route.methods or ():
                item[method.method.lower()] = self._operation(route, method)
            paths[template.openapi_template] = item
        doc["paths"] = paths
        if dset.errors:
            doc["x-errors"] = [
                {"code": e.value, "group": e.group, "message": e.message, "description": e.description,
                 "httpStatusCode": e.http_status_code}
                for _, group in dset.error_groups() for e in group
            ]
        doc["components"] = {"schemas": dict(sorted(self.components.items()))}
        return doc


def _downgrade(node: Any) -> Any:
    """Every schema of a 3.1 document rewritten for 3.0 (``schema`` values and components)."""
    if isinstance(node, list):
        return [_downgrade(x) for x in node]
    if not isinstance(node, dict):
        return node
    return {k: (to_30(v) if k == "schema" else _downgrade(v)) for k, v in node.items()}


def compile_openapi(dset: DescriptorSet, version: str = "3.1", server: str | None = None) -> dict[str, Any]:
    """The OpenAPI document of ``dset`` as plain data; ``version`` is "3.1" or "3.0"."""
    if version not in VERSIONS:
        raise ValueError(f"unsupported OpenAPI version {version!r} (choose {', '.join(VERSIONS)})")
    doc = Compiler(dset, server).document()
    if version == "3.0":
        doc["openapi"] = VERSIONS["3.0"]
        schemas = doc["components"]["schemas"]
        doc = _downgrade({k: v for k, v in doc.items() if k != "components"})
        doc["components"] = {"schemas": {k: to_30(v) for k, v in schemas.items()}}
    return doc
