"""Where an image is read from or written to: a repository of a registry, or an OCI image layout.

A store answers for manifests (get by tag or digest, put under a tag or digest), tells whether it
has a blob, and lists referrers. Moving a blob between two stores is ``move_blob``, which picks
the fastest way the pair allows: a cross-repository mount inside one registry, the socket path
between file and registry, a relay from one registry's response into the other's upload.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import Protocol

from specgen.client import RegistryClient
from specgen.client.errors import APIError
from specgen.client.runtime import Progress
from specgen.distribution.mediatypes import MANIFEST_TYPES
from specgen.image.graph import Descriptor, media_type_of
from specgen.image.layout import OCILayout


class Store(Protocol):
    def get_manifest(self, reference: str | None) -> tuple[Descriptor, bytes]: ...
    def has_blob(self, desc: Descriptor) -> bool: ...
    def put_manifest(self, desc: Descriptor, content: bytes, reference: str | None, *, root: bool) -> None: ...
    def referrers(self, digest: str) -> list[Descriptor]: ...


class RegistryStore:
    """Repository ``repo`` of the registry ``client`` talks to."""

    def __init__(self, client: RegistryClient, repo: str) -> None:
        self.client = client
        self.repo = repo

    def __repr__(self) -> str:
        return f"{self.client.transport.base_url}/{self.repo}"

    def get_manifest(self, reference: str | None) -> tuple[Descriptor, bytes]:
        m = self.client.get_manifest(self.repo, reference or "latest", MANIFEST_TYPES)
        media_type = m.media_type if m.media_type in MANIFEST_TYPES else media_type_of(m.content)
        return Descriptor(media_type, m.digest, len(m.content), {"mediaType": media_type}), m.content

    def has_blob(self, desc: Descriptor) -> bool:
        return self.client.blob_exists(self.repo, desc.digest) is not None

    def put_manifest(self, desc: Descriptor, content: bytes, reference: str | None, *, root: bool) -> None:
        self.client.push_manifest(self.repo, reference or desc.digest, content, desc.media_type)

    def referrers(self, digest: str) -> list[Descriptor]:
        try:
            found = self.client.referrers(self.repo, digest)
        except APIError as exc:
            if exc.status == 404:  # a registry without the referrers API
                return []
            raise
        return [Descriptor.of(d) for d in found]


class LayoutStore:
    """An OCI image layout directory (created when writing to a directory that has none)."""

    def __init__(self, layout: OCILayout | str | os.PathLike[str], *, create: bool = False) -> None:
        self.layout = layout if isinstance(layout, OCILayout) else OCILayout(layout, create=create)

    def __repr__(self) -> str:
        return f"oci:{self.layout.path}"

    def get_manifest(self, reference: str | None) -> tuple[Descriptor, bytes]:
        desc = self.layout.resolve(reference)
        content = self.layout.read_blob(desc.digest)
        media_type = desc.media_type or media_type_of(content)
        return Descriptor(media_type, desc.digest, len(content), desc.raw), content

    def has_blob(self, desc: Descriptor) -> bool:
        return self.layout.has_blob(desc)

    def put_manifest(self, desc: Descriptor, content: bytes, reference: str | None, *, root: bool) -> None:
        """Every manifest is a blob; the root (tagged or not) and referrers get an ``index.json`` entry."""
        self.layout.write_blob(content, desc.digest)
        if root:
            self.layout.add(desc, reference if reference and ":" not in reference else None)

    def referrers(self, digest: str) -> list[Descriptor]:
        return self.layout.referrers(digest)


def move_blob(src: Store, dst: Store, desc: Descriptor, progress: Progress | None) -> str:
    """Put ``desc`` from ``src`` into ``dst``; returns "copied" or "mounted"."""
    if isinstance(src, LayoutStore) and isinstance(dst, RegistryStore):
        with open(src.layout.blob_path(desc.digest), "rb") as f:
            dst.client.push_blob(dst.repo, f, digest=desc.digest, progress=progress)
        return "copied"
    if isinstance(src, RegistryStore) and isinstance(dst, LayoutStore):
        target = dst.layout.blob_path(desc.digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        src.client.pull_blob_to(src.repo, desc.digest, target, progress=progress)
        return "copied"
    if isinstance(src, RegistryStore) and isinstance(dst, RegistryStore):
        if same_registry(src.client, dst.client) and src.repo != dst.repo:
            if dst.client.mount_blob(dst.repo, desc.digest, src.repo):
                if progress is not None:
                    progress(desc.size, desc.size)
                return "mounted"
        relay_blob(src, dst, desc, progress)
        return "copied"
    if isinstance(src, LayoutStore) and isinstance(dst, LayoutStore):
        target = dst.layout.blob_path(desc.digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(src.layout.blob_path(desc.digest), partial)
        os.replace(partial, target)
        if progress is not None:
            progress(desc.size, desc.size)
        return "copied"
    raise TypeError(f"cannot move blobs from {type(src).__name__} to {type(dst).__name__}")


def same_registry(a: RegistryClient, b: RegistryClient) -> bool:
    return a is b or a.transport.base_url == b.transport.base_url


def relay_blob(src: RegistryStore, dst: RegistryStore, desc: Descriptor, progress: Progress | None) -> None:
    """Stream a blob from one registry into another without landing it on disk; the destination
    checks the digest (it is named in the closing PUT)."""
    from specgen.client.streams import Streams

    if src.client.transport.wire is not None and dst.client.transport.wire is not None:
        Streams(dst.client.connection).relay(
            Streams(src.client.connection), src.repo, dst.repo, desc.digest, desc.size, progress
        )
        return
    pieces: Callable[[], object] = lambda: src.client.iter_blob(src.repo, desc.digest)  # noqa: E731
    dst.client.push_blob(dst.repo, pieces(), digest=desc.digest, progress=progress)  # type: ignore[arg-type]
