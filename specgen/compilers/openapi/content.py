"""Media type objects (``content``) of request and response bodies, and the request body with its
examples."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from specgen import bodies
from specgen.compilers.openapi.schemas import Components
from specgen.model import DescriptorSet, RequestDescriptor

#: (variant, the error codes of its own response, the descriptor's body format)
Item = tuple[bodies.BodyVariant, list[str], str]


def media_key(variant: bodies.BodyVariant) -> str:
    """The media type a variant is listed under (a non-media-type content type falls back)."""
    if bodies.is_media_type(variant.media_type):
        return variant.media_type
    return "application/json" if variant.json else "application/octet-stream"


def content(components: Components, items: list[Item], codes: list[str], owner: str = "") -> dict[str, Any]:
    """Media type objects from (variant, its own error codes, format) items; error bodies get
    the envelope limited to ``codes`` (the codes of every response merged here)."""
    merged: dict[str, dict[str, Any]] = {}
    for variant, own_codes, fmt in items:
        key = media_key(variant)
        schema = components.variant_schema(variant, codes if own_codes else [], owner)
        media = merged.setdefault(key, {"schemas": [], "format": fmt, "content_type": variant.media_type})
        if schema not in media["schemas"]:
            media["schemas"].append(schema)
    out: dict[str, Any] = {}
    for key, media in merged.items():
        schemas = media["schemas"]
        obj: dict[str, Any] = {"schema": schemas[0] if len(schemas) == 1 else {"anyOf": schemas}}
        obj["x-format"] = media["format"]
        if media["content_type"] != key:
            obj["x-content-type"] = media["content_type"]
        out[key] = obj
    return out


def _example(
    dset: DescriptorSet, request: RequestDescriptor, rid: str, variant: bodies.BodyVariant
) -> dict[str, Any] | None:
    """An example ``value`` for one request body variant: the set's own example of that media type
    (``extensions["body_examples"]``), else the body's ``Format`` when it is JSON valid against the
    variant's schema; ``None`` when neither (binary bodies, placeholder formats: the text stays in
    ``x-format``)."""
    if not variant.json:
        return None
    given = (dset.extensions.get("body_examples") or {}).get(variant.media_type)
    candidates = [given] if given is not None else []
    try:
        candidates.append(json.loads(request.body.format))
    except ValueError:
        pass
    for value in candidates:
        if variant.schema is None or jsonschema.Draft202012Validator(variant.schema).is_valid(value):
            return {"summary": request.name or rid, "value": value}
    return None


def request_body(
    dset: DescriptorSet, components: Components, requests: tuple[RequestDescriptor, ...], ids: list[str]
) -> dict[str, Any] | None:
    """The method's request body over all its requests (required when every request has one), with
    one example per request; ``None`` when no request has a body."""
    items: list[Item] = []
    examples: dict[str, dict[str, Any]] = {}
    with_body = 0
    for request, rid in zip(requests, ids):
        variants = bodies.body_variants(dset, request.body)
        if variants:
            with_body += 1
        for variant in variants:
            items.append((variant, [], request.body.format))
            example = _example(dset, request, rid, variant)
            if example is not None:
                examples.setdefault(media_key(variant), {})[rid] = example
    if not items:
        return None
    out = content(components, items, [])
    for key, obj in out.items():
        if examples.get(key):
            obj["examples"] = examples[key]
    return {"required": with_body == len(requests), "content": out}
