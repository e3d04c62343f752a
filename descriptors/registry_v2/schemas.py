"""JSON Schemas (Draft 2020-12) of the registry's JSON bodies, written from the public specifications.

Keys are how ``specgen.bodies`` finds them (see its docstring):

- media types of the manifests a registry must accept: the OCI image manifest and index (OCI Image
  Format Specification, manifest.md and image-index.md, descriptor.md) and the Docker image manifest
  V2 schema 2 and manifest list (Docker's "Image Manifest Version 2, Schema 2");
- names of the API's own bodies: ``errors`` (the errcode envelope), ``tags`` (tag list),
  ``catalog`` (repository list) and ``referrers`` (the OCI Distribution Specification's referrers
  response, an image index).

Each schema stands alone (no ``$ref`` between entries, nothing fetched), so a validator can use it
as it is. Shared pieces are Python constants embedded where they are used. The schemas only use
keywords that also have an OpenAPI 3.0 rendering (``const`` becomes a one-value ``enum`` there).
Unknown fields are allowed everywhere, as the specifications tell consumers to ignore them.
"""

from __future__ import annotations

from typing import Any

from specgen.bodies import errors_schema
from specgen.distribution.mediatypes import DOCKER_LIST as DOCKER_MANIFEST_LIST
from specgen.distribution.mediatypes import DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST

DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: RFC 6838 type/subtype, as the descriptor's ``mediaType`` must be.
MEDIA_TYPE: dict[str, Any] = {
    "type": "string",
    "pattern": "^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$",
}
#: ``<algorithm>:<encoded>`` as descriptor.md's digest grammar says.
DIGEST: dict[str, Any] = {
    "type": "string",
    "pattern": "^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$",
}
SIZE: dict[str, Any] = {"type": "integer", "minimum": 0}
ANNOTATIONS: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "string"}}
URLS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
SCHEMA_VERSION_2: dict[str, Any] = {"type": "integer", "const": 2}

#: The platform an index entry targets (image-index.md; Docker's manifest list uses the same fields).
PLATFORM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "architecture": {"type": "string"},
        "os": {"type": "string"},
        "os.version": {"type": "string"},
        "os.features": {"type": "array", "items": {"type": "string"}},
        "variant": {"type": "string"},
        "features": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["architecture", "os"],
}


def _oci_descriptor(**extra: Any) -> dict[str, Any]:
    """An OCI content descriptor (descriptor.md), with extra properties for the index entries."""
    return {
        "type": "object",
        "properties": {
            "mediaType": MEDIA_TYPE,
            "digest": DIGEST,
            "size": SIZE,
            "urls": URLS,
            "annotations": ANNOTATIONS,
            "data": {"type": "string", "contentEncoding": "base64"},
            "artifactType": MEDIA_TYPE,
            **extra,
        },
        "required": ["mediaType", "digest", "size"],
    }


OCI_DESCRIPTOR = _oci_descriptor()
OCI_INDEX_ENTRY = _oci_descriptor(platform=PLATFORM)


def _media_type_field(media_type: str) -> dict[str, Any]:
    return {"type": "string", "const": media_type}


OCI_MANIFEST_SCHEMA: dict[str, Any] = {
    "$schema": DIALECT,
    "title": "OCI image manifest",
    "description": "An image or artifact: its configuration and layers (OCI image-spec manifest.md).",
    "type": "object",
    "properties": {
        "schemaVersion": SCHEMA_VERSION_2,
        "mediaType": _media_type_field(OCI_MANIFEST),
        "artifactType": MEDIA_TYPE,
        "config": OCI_DESCRIPTOR,
        # The spec says layers SHOULD have one entry at least; registries accept an empty list.
        "layers": {"type": "array", "items": OCI_DESCRIPTOR},
        "subject": OCI_DESCRIPTOR,
        "annotations": ANNOTATIONS,
    },
    "required": ["schemaVersion", "config", "layers"],
}

OCI_INDEX_SCHEMA: dict[str, Any] = {
    "$schema": DIALECT,
    "title": "OCI image index",
    "description": "A list of manifests, typically one per platform (OCI image-spec image-index.md).",
    "type": "object",
    "properties": {
        "schemaVersion": SCHEMA_VERSION_2,
        "mediaType": _media_type_field(OCI_INDEX),
        "artifactType": MEDIA_TYPE,
        "manifests": {"type": "array", "items": OCI_INDEX_ENTRY},
        "subject": OCI_DESCRIPTOR,
        "annotations": ANNOTATIONS,
    },
    "required": ["schemaVersion", "manifests"],
}

#: A Docker schema 2 descriptor: no annotations or data, but ``urls`` for foreign layers.
DOCKER_DESCRIPTOR: dict[str, Any] = {
    "type": "object",
    "properties": {"mediaType": MEDIA_TYPE, "size": SIZE, "digest": DIGEST, "urls": URLS},
    "required": ["mediaType", "size", "digest"],
}

DOCKER_MANIFEST_SCHEMA: dict[str, Any] = {
    "$schema": DIALECT,
    "title": "Docker image manifest V2 schema 2",
    "description": "A single-platform image: its configuration and layers (Docker manifest V2, schema 2).",
    "type": "object",
    "properties": {
        "schemaVersion": SCHEMA_VERSION_2,
        "mediaType": _media_type_field(DOCKER_MANIFEST),
        "config": DOCKER_DESCRIPTOR,
        "layers": {"type": "array", "items": DOCKER_DESCRIPTOR},
    },
    "required": ["schemaVersion", "mediaType", "config", "layers"],
}

DOCKER_MANIFEST_LIST_SCHEMA: dict[str, Any] = {
    "$schema": DIALECT,
    "title": "Docker manifest list",
    "description": "Manifests of one image for several platforms (Docker manifest V2, schema 2, manifest list).",
    "type": "object",
    "properties": {
        "schemaVersion": SCHEMA_VERSION_2,
        "mediaType": _media_type_field(DOCKER_MANIFEST_LIST),
        "manifests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {**DOCKER_DESCRIPTOR["properties"], "platform": PLATFORM},
                "required": ["mediaType", "size", "digest", "platform"],
            },
        },
    },
    "required": ["schemaVersion", "mediaType", "manifests"],
}

TAGS_SCHEMA: dict[str, Any] = {
    "$schema": DIALECT,
    "title": "Tag list",
    "description": "The tags of one repository. A repository whose tags were all deleted may list "
    "`null` (distribution encodes an empty Go slice that way).",
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "tags": {"type": ["array", "null"], "items": {"type": "string"}},
    },
    "required": ["name", "tags"],
}

CATALOG_SCHEMA: dict[str, Any] = {
    "$schema": DIALECT,
    "title": "Repository catalog",
    "description": "Repository names, in lexical order; `next` as the descriptors document it "
    "(registries send the next page's URL in the `Link` header).",
    "type": "object",
    "properties": {
        "repositories": {"type": "array", "items": {"type": "string"}},
        "next": {"type": "string"},
    },
    "required": ["repositories"],
}

REFERRERS_SCHEMA: dict[str, Any] = {
    **OCI_INDEX_SCHEMA,
    "title": "Referrers",
    "description": "The manifests that name a given manifest as their subject: an image index whose "
    "entries carry the referrer's artifactType and annotations (OCI distribution-spec, "
    "Listing Referrers).",
    "required": ["schemaVersion", "mediaType", "manifests"],
}

ERRORS_SCHEMA: dict[str, Any] = {**errors_schema(()), "title": "Errors"}

SCHEMAS: dict[str, Any] = {
    OCI_MANIFEST: OCI_MANIFEST_SCHEMA,
    OCI_INDEX: OCI_INDEX_SCHEMA,
    DOCKER_MANIFEST: DOCKER_MANIFEST_SCHEMA,
    DOCKER_MANIFEST_LIST: DOCKER_MANIFEST_LIST_SCHEMA,
    "errors": ERRORS_SCHEMA,
    "tags": TAGS_SCHEMA,
    "catalog": CATALOG_SCHEMA,
    "referrers": REFERRERS_SCHEMA,
}
