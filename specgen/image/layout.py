"""An OCI image layout directory (image-spec ``image-layout.md``), as skopeo's ``oci:`` transport
and oras read and write it: ``oci-layout``, ``index.json`` and ``blobs/<alg>/<hex>``.

Tags are ``org.opencontainers.image.ref.name`` annotations of ``index.json`` entries. Blobs are
written through a ``.partial`` file and renamed once verified, so a blob file under ``blobs/`` is
always whole; ``index.json`` is replaced atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from specgen.distribution.digest import algorithm_of, digest_of, parse_digest
from specgen.errors import UserError
from specgen.image.graph import Descriptor

REF_NAME = "org.opencontainers.image.ref.name"
LAYOUT_FILE = "oci-layout"
LAYOUT_VERSION = {"imageLayoutVersion": "1.0.0"}
INDEX_FILE = "index.json"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"


class LayoutError(UserError):
    """Not an OCI image layout, or it has no such tag."""


class OCILayout:
    """The layout at ``path``; ``create=True`` makes an empty one when the directory has none."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        marker = self.path / LAYOUT_FILE
        if not marker.exists():
            if not create:
                raise LayoutError(f"{self.path} is not an OCI image layout (no {LAYOUT_FILE} file)")
            (self.path / "blobs").mkdir(parents=True, exist_ok=True)
            marker.write_text(json.dumps(LAYOUT_VERSION))
            if not (self.path / INDEX_FILE).exists():
                self._write_index({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": []})

    # -- blobs -----------------------------------------------------------------------------------

    def blob_path(self, digest: str) -> Path:
        try:
            algorithm, encoded = parse_digest(digest)
        except ValueError as exc:
            raise LayoutError(f"bad digest {digest!r}: {exc}") from None
        return self.path / "blobs" / algorithm / encoded

    def has_blob(self, desc: Descriptor) -> bool:
        """The blob is there with the descriptor's size (files appear only once verified)."""
        try:
            return self.blob_path(desc.digest).stat().st_size == desc.size
        except OSError:
            return False

    def read_blob(self, digest: str) -> bytes:
        try:
            data = self.blob_path(digest).read_bytes()
        except FileNotFoundError:
            raise LayoutError(f"{self.path}: blob {digest} is missing") from None
        if digest_of(data, algorithm_of(digest)) != digest:
            raise LayoutError(f"{self.path}: blob {digest} does not match its digest")
        return data

    def write_blob(self, data: bytes, digest: str | None = None) -> str:
        """Store bytes (a manifest, a config) as a blob; returns its digest."""
        digest = digest or digest_of(data)
        target = self.blob_path(digest)
        if digest_of(data, algorithm_of(digest)) != digest:
            raise LayoutError(f"content does not match {digest}")
        if target.exists() and target.stat().st_size == len(data):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(data)
        os.replace(partial, target)
        return digest

    # -- index.json ------------------------------------------------------------------------------

    def index(self) -> dict[str, Any]:
        try:
            doc = json.loads((self.path / INDEX_FILE).read_text())
        except FileNotFoundError:
            raise LayoutError(f"{self.path}: no {INDEX_FILE}") from None
        except ValueError as exc:
            raise LayoutError(f"{self.path}/{INDEX_FILE} is not JSON: {exc}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("manifests", []), list):
            raise LayoutError(f"{self.path}/{INDEX_FILE} is not an image index")
        return doc

    def _write_index(self, doc: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".index-")
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.path / INDEX_FILE)

    def tags(self) -> list[str]:
        return [
            d["annotations"][REF_NAME]
            for d in self.index().get("manifests", [])
            if isinstance(d.get("annotations"), dict) and REF_NAME in d["annotations"]
        ]

    def resolve(self, reference: str | None) -> Descriptor:
        """The ``index.json`` entry tagged ``reference``, the one with that digest, or (``None``)
        the only entry there is."""
        entries = [Descriptor.of(d) for d in self.index().get("manifests", [])]
        if reference is None:
            if len(entries) == 1:
                return entries[0]
            raise LayoutError(f"{self.path} holds {len(entries)} manifests: name a tag (one of {self.tags()})")
        for e in entries:
            if e.raw.get("annotations", {}).get(REF_NAME) == reference or e.digest == reference:
                return e
        if ":" in reference and self.blob_path(reference).exists():
            data = self.read_blob(reference)
            from specgen.image.graph import media_type_of

            return Descriptor(media_type_of(data), reference, len(data))
        raise LayoutError(f"{self.path} has no manifest tagged {reference!r} (tags: {self.tags()})")

    def add(self, desc: Descriptor, tag: str | None) -> None:
        """Record a manifest in ``index.json``, under ``tag`` (moved from any entry that had it) or
        untagged (once)."""
        with self._lock:
            doc = self.index()
            entries = doc.setdefault("manifests", [])
            raw = {k: v for k, v in desc.raw.items() if k not in ("annotations",)}
            raw.update({"mediaType": desc.media_type, "digest": desc.digest, "size": desc.size})
            if tag is not None:
                entries[:] = [e for e in entries if (e.get("annotations") or {}).get(REF_NAME) != tag]
                raw["annotations"] = {REF_NAME: tag}
            elif any(e.get("digest") == desc.digest for e in entries):
                return
            entries.append(raw)
            self._write_index(doc)

    def referrers(self, digest: str) -> list[Descriptor]:
        """Manifests of ``index.json`` whose ``subject`` is ``digest``."""
        out = []
        for d in self.index().get("manifests", []):
            try:
                doc = json.loads(self.read_blob(d["digest"]))
            except (LayoutError, ValueError, KeyError):
                continue
            if isinstance(doc, dict) and (doc.get("subject") or {}).get("digest") == digest:
                out.append(Descriptor.of(d))
        return out
