"""The body schemas of v2.0.0: registry_v2's, plus the only manifest v2.0.0 knew, Docker's image
manifest schema 1 (declared as `application/json; charset=utf-8` at that release)."""

from __future__ import annotations

from typing import Any

from specgen.descriptors.registry_v2.schemas import DIALECT
from specgen.descriptors.registry_v2.schemas import SCHEMAS as LATER_SCHEMAS

SCHEMA1_MANIFEST: dict[str, Any] = {
    "$schema": DIALECT,
    "title": "Docker image manifest, schema 1",
    "description": "A signed manifest listing the image's layers by tarsum (docker image manifest v2, schema 1).",
    "type": "object",
    "properties": {
        "schemaVersion": {"type": "integer", "const": 1},
        "name": {"type": "string"},
        "tag": {"type": "string"},
        "architecture": {"type": "string"},
        "fsLayers": {
            "type": "array",
            "items": {"type": "object", "properties": {"blobSum": {"type": "string"}}, "required": ["blobSum"]},
        },
        "history": {"type": "array", "items": {"type": "object"}},
        "signatures": {"type": "array", "items": {"type": "object"}},
        "signature": {},
    },
    "required": ["name", "tag", "fsLayers"],
}

SCHEMAS: dict[str, Any] = {**LATER_SCHEMAS, "manifest-schema1": SCHEMA1_MANIFEST}
