"""Manifest checks: media type, JSON schema of the set, and what a manifest references.

The schema comes from the descriptor set (``specgen.bodies.manifest_schema``); without one, a
structural check of the descriptors stands in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from specgen import bodies
from specgen.distribution.digest import DigestError, parse_digest
from specgen.distribution.mediatypes import IMAGE_TYPES, INDEX_TYPES, OCI_INDEX, OCI_MANIFEST
from specgen.model import DescriptorSet

KNOWN = IMAGE_TYPES + INDEX_TYPES


class ManifestInvalid(ValueError):
    pass


@dataclass
class Parsed:
    media_type: str
    blobs: list[str]  # digests of config and layers that must be in the repository
    manifests: list[str]  # digests of child manifests that must be in the repository
    subject: dict | None
    artifact_type: str | None
    annotations: dict | None


_VALIDATORS: dict[tuple[int, str], Any] = {}


def _validator(dset: DescriptorSet, media_type: str) -> Any:
    """A compiled JSON Schema validator per (set, media type): building one costs milliseconds."""
    key = (id(dset), media_type)
    if key not in _VALIDATORS:
        schema = bodies.manifest_schema(dset, media_type)
        if schema is None:
            _VALIDATORS[key] = None
        else:
            import jsonschema

            cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            _VALIDATORS[key] = cls(schema)
    return _VALIDATORS[key]


def _check_descriptor(desc: Any, where: str) -> str:
    if not isinstance(desc, dict):
        raise ManifestInvalid(f"{where}: not an object")
    digest = desc.get("digest")
    if not isinstance(digest, str):
        raise ManifestInvalid(f"{where}: missing digest")
    try:
        parse_digest(digest)
    except DigestError as exc:
        raise ManifestInvalid(f"{where}: {exc}: {digest!r}") from None
    size = desc.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ManifestInvalid(f"{where}: size must be a non-negative integer")
    if not isinstance(desc.get("mediaType", ""), str):
        raise ManifestInvalid(f"{where}: mediaType must be a string")
    return digest


def parse(dset: DescriptorSet, data: bytes, content_type: str | None) -> Parsed:
    """Validate a pushed manifest; ``ManifestInvalid`` with the reason."""
    try:
        # UTF-8 only (RFC 8259 8.1): json.loads(bytes) would also take UTF-16/32 and a BOM,
        # which other registries' clients cannot read back
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ManifestInvalid(f"not JSON: {exc}") from None
    except RecursionError:
        raise ManifestInvalid("not JSON: nested too deeply") from None
    if not isinstance(doc, dict):
        raise ManifestInvalid("manifest is not a JSON object")
    ctype = (content_type or "").split(";")[0].strip()
    body_type = doc.get("mediaType")
    if body_type is not None and not isinstance(body_type, str):
        raise ManifestInvalid("mediaType must be a string")
    if body_type and ctype and ctype in KNOWN and body_type != ctype:
        raise ManifestInvalid(f"mediaType {body_type!r} does not match Content-Type {ctype!r}")
    media_type = body_type or (ctype if ctype in KNOWN else "")
    if not media_type:
        # OCI allows mediaType to be absent; tell image manifest and index apart by shape
        media_type = OCI_INDEX if "manifests" in doc else OCI_MANIFEST
    if media_type not in KNOWN:
        raise ManifestInvalid(f"unsupported manifest media type {media_type!r}")
    if doc.get("schemaVersion") != 2:
        raise ManifestInvalid("schemaVersion must be 2")
    validator = _validator(dset, media_type)
    if validator is not None:
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            e = errors[0]
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            raise ManifestInvalid(f"{where}: {e.message}")
    blobs: list[str] = []
    manifests: list[str] = []
    if media_type in IMAGE_TYPES:
        blobs.append(_check_descriptor(doc.get("config"), "config"))
        layers = doc.get("layers")
        if not isinstance(layers, list):
            raise ManifestInvalid("layers must be an array")
        for i, layer in enumerate(layers):
            digest = _check_descriptor(layer, f"layers/{i}")
            if (
                layer.get("urls")
                and "nondistributable" in str(layer.get("mediaType", ""))
                or (layer.get("urls") and "foreign" in str(layer.get("mediaType", "")))
            ):
                continue  # non-distributable layers live elsewhere
            blobs.append(digest)
    else:
        children = doc.get("manifests")
        if not isinstance(children, list):
            raise ManifestInvalid("manifests must be an array")
        for i, child in enumerate(children):
            manifests.append(_check_descriptor(child, f"manifests/{i}"))
    subject = doc.get("subject")
    if subject is not None:
        _check_descriptor(subject, "subject")
    artifact_type = doc.get("artifactType")
    if artifact_type is None and media_type in IMAGE_TYPES:
        cfg = doc.get("config") or {}
        artifact_type = cfg.get("mediaType")
    annotations = doc.get("annotations") if isinstance(doc.get("annotations"), dict) else None
    return Parsed(media_type, blobs, manifests, subject, artifact_type, annotations)
