"""A JSON Schema as the rows of a field table: dotted path, type, required, description.

>>> schema_rows({"type": "object", "required": ["a"], "properties": {
...     "a": {"type": "integer", "minimum": 0}, "b": {"type": "array", "items": {"type": "string"}}}})
[Row(path='a', type='integer ≥ 0', required=True, description=''), Row(path='b', type='array of string', required=False, description='')]
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple


class Row(NamedTuple):
    path: str
    type: str
    required: bool
    description: str


def type_text(schema: dict[str, Any]) -> str:
    """A short reading of a schema's type and constraints."""
    if "const" in schema:
        return f"{json.dumps(schema['const'])}"
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    types = schema.get("type")
    text = " | ".join(types) if isinstance(types, list) else (types or "any")
    items = schema.get("items")
    if "array" in (types if isinstance(types, list) else [types]) and isinstance(items, dict):
        inner = "object" if items.get("properties") else type_text(items)
        text = text.replace("array", f"array of {inner}", 1)
    if "anyOf" in schema:
        text = " | ".join(type_text(s) for s in schema["anyOf"])
    if "minimum" in schema:
        text += f" ≥ {schema['minimum']}"
    if schema.get("pattern"):
        text += f" matching {schema['pattern']}"
    if schema.get("contentEncoding"):
        text += f" ({schema['contentEncoding']})"
    if isinstance(schema.get("additionalProperties"), dict) and not schema.get("properties"):
        text = f"map of string to {type_text(schema['additionalProperties'])}"
    return text


def schema_rows(schema: dict[str, Any], prefix: str = "") -> list[Row]:
    """One row per property, nested objects and arrays of objects flattened (``config.digest``,
    ``layers[].digest``)."""
    rows: list[Row] = []
    required = set(schema.get("required", ()))
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        rows.append(Row(path, type_text(sub), name in required, sub.get("description", "")))
        if sub.get("properties"):
            rows.extend(schema_rows(sub, f"{path}."))
        items = sub.get("items")
        if isinstance(items, dict) and items.get("properties"):
            rows.extend(schema_rows(items, f"{path}[]."))
    return rows
