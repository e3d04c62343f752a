"""``FilesystemDriver``: the registry's storage in a folder, shared by any number of worker
processes on one machine (or nodes on one POSIX filesystem with working ``flock``).

Its own optimisations stay behind the interface: blob reads are ``FileBody`` objects the server
sends with ``sendfile(2)``; large uploads are read from the socket by a thread and written with
one small buffer per upload (``ingest``). Durability: nothing is acknowledged before it is durable;
blob data, links, manifest revisions, tags and session state are fsynced, renamed into place and
their folders fsynced (``fsops``, the seam every change of the root goes through). A failing disk
(full, I/O error) is ``StorageUnavailable``, with the half-written file removed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from specgen.distribution.mediatypes import OCI_MANIFEST
from specgen.registry.hashing import Hasher
from specgen.registry.storage.driver import (
    BlobBody,
    BlobUnknown,
    DigestMismatch,
    IncomingBody,
    StorageDriver,
    UploadInfo,
)
from specgen.registry.storage.filesystem import collect, fsops
from specgen.registry.storage.filesystem.files import Layout, atomic_write, split_digest
from specgen.registry.storage.filesystem.fsops import storage_errors
from specgen.registry.storage.filesystem.ingest import in_pool
from specgen.registry.storage.filesystem.uploads import Sessions
from specgen.server.runtime import FileBody


def _after(items: list[str], last: str | None, limit: int | None) -> list[str]:
    if last:
        items = [i for i in items if i > last]
    return items if limit is None else items[:limit]


class FilesystemDriver(StorageDriver):
    """Parameters: ``root``, the folder (created when missing)."""

    name = "filesystem"

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).resolve()  # the root itself may be a symlink; nothing below it
        self.layout = Layout(self.root)
        with storage_errors():
            fsops.makedirs(self.layout.blobs)
            fsops.makedirs(self.layout.repositories)
        self.sessions = Sessions(self.layout, self._commit_file)

    def __repr__(self) -> str:
        return f"FilesystemDriver({str(self.root)!r})"

    # -- blobs ------------------------------------------------------------------------------------
    def _size(self, digest: str) -> int | None:
        try:
            return self.layout.blob(digest).stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            return None

    async def stat_blob(self, digest: str) -> int | None:
        return self._size(digest)

    async def read_blob(self, digest: str, offset: int = 0, count: int | None = None) -> BlobBody:
        size = self._size(digest)
        if size is None:
            raise BlobUnknown(digest)
        if count is None:
            count = max(size - offset, 0)
        return FileBody(self.layout.blob(digest), offset, count)

    @staticmethod
    def _check_bytes(digest: str, data: bytes) -> None:
        alg, hexd = split_digest(digest)
        hasher = Hasher(alg)
        hasher.update(data)
        if hasher.hexdigest() != hexd:
            raise DigestMismatch(digest, len(data))

    def _put_bytes(self, digest: str, data: bytes) -> None:
        self._check_bytes(digest, data)
        dest = self.layout.blob(digest)
        if not dest.exists():
            with storage_errors():
                atomic_write(dest, data)

    async def put_blob(self, digest: str, data: bytes) -> None:
        await in_pool(self._put_bytes, digest, data)

    async def delete_blob(self, digest: str) -> bool:
        return await in_pool(_remove_with_folder, self.layout.blob(digest))

    def _commit_file(self, src: Path, digest: str, name: str) -> None:
        """Move an fsynced upload into place as blob ``digest`` (kept as is if already there)."""
        dest = self.layout.blob(digest)
        link = self.layout.layer_link(name, digest)
        files: list[tuple[Path, bytes | Path]] = []
        if not dest.exists():
            files.append((dest, src))
        if not link.exists():
            files.append((link, digest.encode()))
        with storage_errors():
            fsops.publish(files)  # the blob, then the link to it, durable together

    # -- repository links -------------------------------------------------------------------------
    def _link(self, name: str, digest: str) -> None:
        link = self.layout.layer_link(name, digest)
        if not link.exists():
            with storage_errors():
                atomic_write(link, digest.encode())

    async def link_blob(self, name: str, digest: str) -> None:
        await in_pool(self._link, name, digest)

    async def unlink_blob(self, name: str, digest: str) -> bool:
        return await in_pool(_remove_with_folder, self.layout.layer_link(name, digest))

    async def repo_has_blob(self, name: str, digest: str) -> bool:
        return self.layout.layer_link(name, digest).exists() or self.layout.revision_link(name, digest).exists()

    async def repository_exists(self, name: str) -> bool:
        d = self.layout.repo(name)
        return (d / "_manifests").is_dir() or (d / "_layers").is_dir()

    async def repositories(self, last: str | None = None, limit: int | None = None) -> list[str]:
        base = self.layout.repositories
        out = []
        for dirpath, dirnames, _ in os.walk(base):
            if "_manifests" in dirnames or "_layers" in dirnames:
                out.append(Path(dirpath).relative_to(base).as_posix())
            dirnames[:] = [d for d in dirnames if not d.startswith("_")]
        return _after(sorted(out), last, limit)

    # -- manifests --------------------------------------------------------------------------------
    def _put_manifest(self, name: str, digest: str, data: bytes, media_type: str, tags: Sequence[str]) -> None:
        self._check_bytes(digest, data)
        dest = self.layout.blob(digest)
        files: list[tuple[Path, bytes | Path]] = [] if dest.exists() else [(dest, data)]
        files.append((self.layout.revision_link(name, digest), media_type.encode()))
        files += [(self.layout.tag_link(name, tag), digest.encode()) for tag in tags]
        with storage_errors():
            fsops.publish(files)  # manifest, revision, tags: in that order, durable together

    async def put_manifest(
        self, name: str, digest: str, data: bytes, media_type: str, tags: Sequence[str] = ()
    ) -> None:
        self.layout.repo(name)  # refuse a bad name before any work
        for tag in tags:
            self.layout.tag_dir(name, tag)
        await in_pool(self._put_manifest, name, digest, data, media_type, tuple(tags))

    async def manifest_media_type(self, name: str, digest: str) -> str | None:
        try:
            media_type = self.layout.revision_link(name, digest).read_text()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return media_type or _media_type_of(self.layout.blob(digest))  # emptied by a crash

    async def get_manifest(self, name: str, digest: str) -> tuple[bytes, str] | None:
        media_type = await self.manifest_media_type(name, digest)
        if media_type is None:
            return None
        try:
            return self.layout.blob(digest).read_bytes(), media_type
        except FileNotFoundError:
            return None

    async def delete_manifest(self, name: str, digest: str) -> bool:
        return await in_pool(_remove_with_folder, self.layout.revision_link(name, digest))

    async def manifests(self, name: str) -> list[str]:
        base = self.layout.revisions(name)
        out = []
        try:
            algorithms = os.listdir(base)
        except FileNotFoundError:
            return []
        for alg in algorithms:
            for hexd in os.listdir(base / alg):
                if (base / alg / hexd / "link").exists():
                    out.append(f"{alg}:{hexd}")
        return sorted(out)

    # -- tags -------------------------------------------------------------------------------------
    def _set_tag(self, name: str, tag: str, digest: str) -> None:
        with storage_errors():
            atomic_write(self.layout.tag_link(name, tag), digest.encode())

    async def set_tag(self, name: str, tag: str, digest: str) -> None:
        self.layout.tag_dir(name, tag)  # refuse a bad tag before any work
        await in_pool(self._set_tag, name, tag, digest)

    async def get_tag(self, name: str, tag: str) -> str | None:
        try:
            digest = (self.layout.tag_link(name, tag)).read_text()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return digest if ":" in digest else None  # empty after a crash: as if never tagged

    async def delete_tag(self, name: str, tag: str) -> bool:
        if not self.layout.tag_link(name, tag).exists():
            return False
        await in_pool(fsops.remove_tree, self.layout.tag_dir(name, tag))
        return True

    async def tags(self, name: str, last: str | None = None, limit: int | None = None) -> list[str]:
        d = self.layout.tags(name)
        try:
            found = sorted(t for t in os.listdir(d) if (d / t / "current" / "link").exists())
        except FileNotFoundError:
            return []
        return _after(found, last, limit)

    # -- referrers --------------------------------------------------------------------------------
    async def add_referrer(self, name: str, subject: str, digest: str, descriptor: dict) -> None:
        alg, hexd = split_digest(digest)
        path = self.layout.referrers_of(name, subject) / f"{alg}-{hexd}"
        with storage_errors():
            await in_pool(atomic_write, path, json.dumps(descriptor, sort_keys=True).encode())

    async def referrers(self, name: str, subject: str) -> list[dict]:
        d = self.layout.referrers_of(name, subject)
        try:
            entries = sorted(os.listdir(d))
        except FileNotFoundError:
            return []
        out = []
        for entry in entries:
            if entry.startswith(".tmp-"):
                continue
            try:
                out.append(json.loads((d / entry).read_bytes()))
            except (OSError, ValueError):
                continue
        return out

    async def remove_referrer(self, name: str, digest: str) -> None:
        alg, hexd = split_digest(digest)
        base = self.layout.referrers(name)
        if base.is_dir():
            for path in base.glob(f"*/*/{alg}-{hexd}"):
                fsops.remove(self.layout._c(path))

    # -- upload sessions --------------------------------------------------------------------------
    async def create_upload(self, name: str, algorithm: str = "sha256") -> UploadInfo:
        return self.sessions.create(name, algorithm)

    async def upload_status(self, name: str, upload_id: str) -> UploadInfo:
        return self.sessions.status(name, upload_id)

    async def append_upload(
        self, name: str, upload_id: str, body: IncomingBody, start: int | None = None, end: int | None = None
    ) -> UploadInfo:
        return await self.sessions.append(name, upload_id, body, start, end)

    async def commit_upload(
        self, name: str, upload_id: str, body: IncomingBody, digest: str, start: int | None = None
    ) -> int:
        split_digest(digest)
        return await self.sessions.finish(name, upload_id, body, digest, start)

    async def cancel_upload(self, name: str, upload_id: str) -> None:
        self.sessions.cancel(name, upload_id)

    async def list_uploads(self) -> list[UploadInfo]:
        return self.sessions.list()

    async def purge_uploads(self, older_than: float, now: float | None = None) -> int:
        return self.sessions.purge(older_than, now)

    # -- garbage collection (filesystem/collect.py) ---------------------------------------------------
    async def list_blobs(self) -> list[str]:
        return await in_pool(collect.list_blobs, self.layout)

    async def layers(self, name: str) -> list[str]:
        return await in_pool(collect.layers, self.layout, name)

    async def blob_modified(self, digest: str) -> float | None:
        return collect.modified(self.layout, digest)

    async def touch_blob(self, digest: str) -> bool:
        return collect.touch(self.layout, digest)

    async def collect_blob(self, digest: str, older_than: float) -> int | None:
        return await in_pool(collect.collect, self.layout, digest, older_than)


def _remove_with_folder(path: Path) -> bool:
    """Remove ``path`` and the folder that holds it (a blob's or a link's own folder); whether
    ``path`` existed."""
    if not fsops.remove(path):
        return False
    fsops.remove_tree(path.parent)
    return True


def _media_type_of(path: Path) -> str:
    """The mediaType field of a stored manifest (when its link lost the media type in a crash)."""
    try:
        doc = json.loads(path.read_bytes())
        return str(doc.get("mediaType") or OCI_MANIFEST)
    except (OSError, ValueError, AttributeError):
        return "application/octet-stream"
