"""Which JSON Schema a request or response body must match, decided from the descriptors alone.

A body descriptor has a content type and a ``Format`` (an example in prose). A descriptor set's
``schemas`` maps keys to JSON Schemas (Draft 2020-12); a key is either a media type
(``application/vnd.oci.image.manifest.v1+json``) or a name (``tags``). ``body_variants`` resolves a
body, first rule that applies:

1. no content type: no body;
2. ``dset.extensions["body_schemas"]`` maps the content type to a schema key or a list of keys: those
   (each under its own media type when the key is one, else under the body's content type);
3. the response declares error codes and the content type is JSON: the errcode envelope with
   ``errors[].code`` limited to those codes (``errors_schema``);
4. the content type is a key of ``dset.schemas``: that schema;
5. the content type is a placeholder, not a ``type/subtype`` media type (``<media type of
   manifest>``): every schema of the set keyed by a media type, each under its own media type;
6. the content type is JSON: the named schema (not keyed by a media type) whose properties fit the
   top-level keys of the ``Format`` example (every required property present, no key unknown),
   when exactly one fits; else JSON without a known schema;
7. anything else: binary, no schema.

No route or request name is ever consulted, so any descriptor set works the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from specgen.model import (
    BodyDescriptor,
    DescriptorSet,
    MethodDescriptor,
    RequestDescriptor,
    ResponseDescriptor,
    RouteDescriptor,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: RFC 6838 ``type/subtype`` (parameters after ``;`` are stripped before matching).
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}")


class BodyVariant(NamedTuple):
    """One concrete shape a body descriptor stands for."""

    media_type: str  # what goes over the wire (or the placeholder when nothing better)
    schema_key: str | None  # key in ``dset.schemas`` it came from, None when built or absent
    schema: dict[str, Any] | None  # JSON Schema, None when the body is not JSON or unknown JSON
    json: bool  # whether the body is JSON at all


def errors_schema(codes: Iterable[str]) -> dict[str, Any]:
    """The errcode envelope; ``errors[].code`` limited to ``codes`` unless it is empty."""
    codes = list(dict.fromkeys(codes))
    code: dict[str, Any] = {"type": "string"}
    if codes:
        code["enum"] = codes
    return {
        "$schema": DIALECT,
        "type": "object",
        "properties": {
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"code": code, "message": {"type": "string"}, "detail": {}},
                    "required": ["code"],
                },
            },
        },
        "required": ["errors"],
    }


def base_media_type(content_type: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


def is_media_type(text: str) -> bool:
    return _MEDIA_TYPE.fullmatch(base_media_type(text)) is not None


def is_json(content_type: str) -> bool:
    media = base_media_type(content_type)
    return media.endswith("/json") or media.endswith("+json")


def format_keys(fmt: str) -> set[str] | None:
    """Top-level keys of a prose JSON example (``{"name": <name>, ...}``); None if not an object."""
    text = fmt.strip()
    if not text.startswith("{"):
        return None
    keys: set[str] = set()
    depth, i = 0, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            end = text.find('"', i + 1)
            while end != -1 and text[end - 1] == "\\":
                end = text.find('"', end + 1)
            if end == -1:
                break
            if depth == 1 and re.match(r"\s*:", text[end + 1 :]):
                keys.add(text[i + 1 : end])
            i = end + 1
            continue
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        i += 1
    return keys


def _standalone(schema: dict[str, Any]) -> dict[str, Any]:
    return schema if "$schema" in schema else {"$schema": DIALECT, **schema}


def _fits(schema: dict[str, Any], keys: set[str]) -> bool:
    props = schema.get("properties")
    if schema.get("type") != "object" or not isinstance(props, dict):
        return False
    return set(schema.get("required", ())) <= keys <= set(props)


def _keyed(dset: DescriptorSet, key: str, content_type: str) -> BodyVariant:
    if key not in dset.schemas:
        raise ValueError(f"extensions['body_schemas'] names {key!r}, which is not in the set's schemas")
    media = key if is_media_type(key) else content_type
    return BodyVariant(media, key, _standalone(dset.schemas[key]), True)


def body_variants(dset: DescriptorSet, body: BodyDescriptor, error_codes: Iterable[str] = ()) -> list[BodyVariant]:
    """The concrete bodies ``body`` stands for (empty when there is none); rules in the module doc."""
    ctype = body.content_type
    if not ctype:
        return []
    mapping = dset.extensions.get("body_schemas") or {}
    if ctype in mapping:
        keys = mapping[ctype]
        return [_keyed(dset, k, ctype) for k in ([keys] if isinstance(keys, str) else keys)]
    codes = list(error_codes)
    if codes and is_json(ctype):
        return [BodyVariant(ctype, None, errors_schema(codes), True)]
    if ctype in dset.schemas:
        return [_keyed(dset, ctype, ctype)]
    if not is_media_type(ctype):
        variants = [_keyed(dset, k, ctype) for k in dset.schemas if is_media_type(k)]
        return variants or [BodyVariant(ctype, None, None, False)]
    if is_json(ctype):
        keys = format_keys(body.format)
        if keys is not None:
            fitting = [k for k, s in dset.schemas.items() if not is_media_type(k) and _fits(s, keys)]
            if len(fitting) == 1:
                return [_keyed(dset, fitting[0], ctype)]
        return [BodyVariant(ctype, None, None, True)]
    return [BodyVariant(ctype, None, None, False)]


def _one(variants: list[BodyVariant]) -> dict[str, Any] | None:
    schemas = [v.schema for v in variants if v.schema is not None]
    if not schemas:
        return None
    if len(schemas) == 1:
        return schemas[0]
    return {"$schema": DIALECT, "anyOf": [{k: v for k, v in s.items() if k != "$schema"} for s in schemas]}


def request_schema(
    dset: DescriptorSet, route: RouteDescriptor, method: MethodDescriptor, request: RequestDescriptor
) -> dict[str, Any] | None:
    """The schema the request body must match (``anyOf`` when it may be one of several types)."""
    return _one(body_variants(dset, request.body))


def response_schema(
    dset: DescriptorSet,
    route: RouteDescriptor,
    method: MethodDescriptor,
    request: RequestDescriptor,
    response: ResponseDescriptor,
) -> dict[str, Any] | None:
    """The schema the response body must match; error bodies are limited to the declared codes."""
    codes = [e.value for e in response.error_codes or ()]
    return _one(body_variants(dset, response.body, codes))


def manifest_schema(dset: DescriptorSet, media_type: str) -> dict[str, Any] | None:
    """The schema of a body sent or received as ``media_type`` (e.g. a manifest), if the set has one."""
    schema = dset.schemas.get(base_media_type(media_type))
    return None if schema is None else _standalone(schema)
