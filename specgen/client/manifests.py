"""Manifests: push (bytes or a mapping), verified get, delete."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from specgen.client.connection import Connection
from specgen.client.errors import ClientError, DigestMismatch
from specgen.distribution.digest import algorithm_of, digest_of
from specgen.distribution.mediatypes import MANIFEST_TYPES


@dataclass(frozen=True)
class Manifest:
    media_type: str
    digest: str
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


class Manifests:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def push(
        self, name: str, reference: str, manifest: bytes | Mapping[str, Any], media_type: str | None = None
    ) -> str:
        """Store a manifest under a tag or digest; returns its digest.

        A mapping is serialised as JSON; ``media_type`` defaults to its ``mediaType`` field.
        """
        if isinstance(manifest, Mapping):
            media_type = media_type or manifest.get("mediaType")
            content = json.dumps(manifest, indent=3).encode()
        else:
            content = bytes(manifest)
            if media_type is None:
                try:
                    media_type = json.loads(content).get("mediaType")
                except (ValueError, AttributeError):
                    media_type = None
        if not media_type:
            raise ClientError("push_manifest needs a media type (no mediaType field to take it from)")
        res = self.conn.api.put_manifest(
            name, reference, body=content, content_type=media_type, content_length=len(content)
        )
        return res.docker_content_digest or digest_of(content)

    def get(self, name: str, reference: str, accept: tuple[str, ...] | list[str] = MANIFEST_TYPES) -> Manifest:
        """Fetch a manifest, accepting ``accept`` media types; a digest reference is verified."""
        res = self.conn.api.get_manifest(name, reference, headers={"Accept": ", ".join(accept)})
        content = res.content or b""
        media_type = res.headers.get("content-type", "").split(";")[0].strip()
        if ":" in reference:
            got = digest_of(content, algorithm_of(reference))
            if got != reference:
                raise DigestMismatch(f"manifest {name}@{reference}: the registry sent {got}")
            digest = reference
        else:
            digest = res.docker_content_digest or digest_of(content)
        return Manifest(media_type, digest, content)

    def delete(self, name: str, digest: str) -> None:
        self.conn.api.delete_manifest(name, digest)
