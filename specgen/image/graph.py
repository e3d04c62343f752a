"""Descriptors and the graph of an image: which blobs and manifests a manifest or index points to."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from specgen.distribution.mediatypes import IMAGE_TYPES, INDEX_TYPES, MANIFEST_TYPES


@dataclass(frozen=True)
class Descriptor:
    """An OCI content descriptor; ``raw`` keeps every field (platform, annotations, ...)."""

    media_type: str
    digest: str
    size: int
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Descriptor:
        try:
            return cls(str(raw.get("mediaType", "")), str(raw["digest"]), int(raw["size"]), dict(raw))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a content descriptor: {json.dumps(raw)[:200]}") from exc

    @property
    def is_manifest(self) -> bool:
        return self.media_type in MANIFEST_TYPES


def media_type_of(content: bytes, fallback: str = "") -> str:
    """The ``mediaType`` field of a manifest, else ``fallback`` (an OCI manifest may omit it)."""
    try:
        value = json.loads(content).get("mediaType")
    except (ValueError, AttributeError):
        value = None
    if isinstance(value, str) and value:
        return value
    if fallback:
        return fallback
    try:
        doc = json.loads(content)
    except ValueError:
        return ""
    if isinstance(doc, dict) and "manifests" in doc:
        return INDEX_TYPES[0]
    return IMAGE_TYPES[0]


def children(media_type: str, content: bytes) -> tuple[list[Descriptor], list[Descriptor]]:
    """``(manifests, blobs)`` a manifest points to: the child manifests of an index, or the config
    and layers of an image manifest (the ``subject`` is not a child: it is pushed before)."""
    doc = json.loads(content)
    if media_type in INDEX_TYPES or (not media_type and "manifests" in doc):
        return [Descriptor.of(d) for d in doc.get("manifests") or []], []
    blobs = []
    if isinstance(doc.get("config"), dict):
        blobs.append(Descriptor.of(doc["config"]))
    blobs += [Descriptor.of(d) for d in doc.get("layers") or [] if isinstance(d, dict)]
    if isinstance(doc.get("blobs"), list):  # an OCI artifact manifest (draft) lists blobs
        blobs += [Descriptor.of(d) for d in doc["blobs"] if isinstance(d, dict)]
    return [], blobs
