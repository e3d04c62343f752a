"""Example bodies of the manifest media types, for the OpenAPI documents' request examples
(``DescriptorSet.extensions["body_examples"]``: media type → a JSON value valid against that media
type's schema). The digests and sizes are those of the content named (computed here, not typed in):
the OCI empty JSON ``{}`` as config, and a one-file layer."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from specgen.distribution.mediatypes import (
    DOCKER_CONFIG,
    DOCKER_LAYER,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
)

EMPTY_CONFIG = b"{}"
LAYER = b"an example layer\n"  # stands for a gzipped tar; only its digest and size matter here


def _descriptor(media_type: str, content: bytes) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": "sha256:" + hashlib.sha256(content).hexdigest(), "size": len(content)}


OCI_MANIFEST_EXAMPLE: dict[str, Any] = {
    "schemaVersion": 2,
    "mediaType": OCI_MANIFEST,
    "config": _descriptor(OCI_EMPTY, EMPTY_CONFIG),
    "layers": [_descriptor(OCI_LAYER, LAYER)],
    "annotations": {"org.opencontainers.image.title": "example"},
}

OCI_INDEX_EXAMPLE: dict[str, Any] = {
    "schemaVersion": 2,
    "mediaType": OCI_INDEX,
    "manifests": [],
}

DOCKER_MANIFEST_EXAMPLE: dict[str, Any] = {
    "schemaVersion": 2,
    "mediaType": DOCKER_MANIFEST,
    "config": _descriptor(DOCKER_CONFIG, EMPTY_CONFIG),
    "layers": [_descriptor(DOCKER_LAYER, LAYER)],
}

DOCKER_LIST_EXAMPLE: dict[str, Any] = {
    "schemaVersion": 2,
    "mediaType": DOCKER_LIST,
    "manifests": [],
}


def _compact(value: dict[str, Any]) -> bytes:
    """The manifest as the compact JSON a client would push (what an index entry's digest names)."""
    return json.dumps(value, separators=(",", ":")).encode()


OCI_INDEX_EXAMPLE["manifests"] = [
    {**_descriptor(OCI_MANIFEST, _compact(OCI_MANIFEST_EXAMPLE)), "platform": {"architecture": "amd64", "os": "linux"}}
]
DOCKER_LIST_EXAMPLE["manifests"] = [
    {**_descriptor(DOCKER_MANIFEST, _compact(DOCKER_MANIFEST_EXAMPLE)), "platform": {"architecture": "amd64", "os": "linux"}}
]

BODY_EXAMPLES: dict[str, Any] = {
    OCI_MANIFEST: OCI_MANIFEST_EXAMPLE,
    OCI_INDEX: OCI_INDEX_EXAMPLE,
    DOCKER_MANIFEST: DOCKER_MANIFEST_EXAMPLE,
    DOCKER_LIST: DOCKER_LIST_EXAMPLE,
}
