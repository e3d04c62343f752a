"""JSON Schema 2020-12 (as OpenAPI 3.1 takes it) rewritten as an OpenAPI 3.0 Schema Object.

    >>> to_30({"type": ["array", "null"], "items": {"const": 2}})
    {'type': 'array', 'items': {'enum': [2]}, 'nullable': True}

Only the subset our schemas use is mapped: ``const`` becomes a one-value ``enum``, a type list with
``null`` becomes ``nullable``, ``examples`` becomes ``example``, binary content annotations become
``format: binary``; keywords 3.0 does not know (``$schema``, ``$id``, ``contentEncoding``...) are
dropped. ``x-`` extensions are kept.
"""

from __future__ import annotations

from typing import Any

#: Schema Object fields of OpenAPI 3.0.3 (besides ``x-`` extensions).
KEYWORDS_30 = {
    "title",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
    "$ref",
}
_SUBSCHEMA = {"items", "not", "additionalProperties"}
_SUBSCHEMA_LISTS = {"allOf", "oneOf", "anyOf"}


def to_30(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "const":
            out["enum"] = [value]
        elif key == "type" and isinstance(value, list):
            types = [t for t in value if t != "null"]
            if len(types) != 1:
                raise ValueError(f"type {value!r} has no OpenAPI 3.0 spelling")
            out["type"] = types[0]
            if "null" in value:
                out["nullable"] = True
        elif key == "examples" and isinstance(value, list):
            if value:
                out["example"] = value[0]
        elif key == "contentMediaType":
            out["format"] = "binary"
        elif key == "properties":
            out[key] = {name: to_30(sub) for name, sub in value.items()}
        elif key in _SUBSCHEMA:
            out[key] = to_30(value)
        elif key in _SUBSCHEMA_LISTS:
            out[key] = [to_30(sub) for sub in value]
        elif key in KEYWORDS_30 or key.startswith("x-"):
            out[key] = value
    if "nullable" in out:  # keep 'nullable' after the keywords it qualifies, for readability
        out["nullable"] = out.pop("nullable")
    return out
