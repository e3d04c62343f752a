"""The filesystem driver's layout under its root, and crash-safe file writes.

Layout (the same as distribution's, trimmed)::

    blobs/<alg>/<hex[:2]>/<hex>/data                            every blob (and manifest) once
    repositories/<name>/_layers/<alg>/<hex>/link                  blob linked into a repository
    repositories/<name>/_manifests/revisions/<alg>/<hex>/link     manifest (content: media type)
    repositories/<name>/_manifests/tags/<tag>/current/link        tag (content: digest)
    repositories/<name>/_referrers/<alg>/<hex>/<alg>-<hex>        referrer descriptor (JSON) of a subject
    repositories/<name>/_uploads/<id>/{data,state.json,lock}      upload session

Every file is written to a temporary name, fsynced and renamed (its folder fsynced after), so a
crash leaves either the old state or the new one, never a partial blob, link or state file, and a
write acknowledged is a write kept (``fsops``).

Root confinement: every path ``Layout`` hands out is checked to have no symlink between the root and
it (``confined``), so a symlink planted in the root never leads a read, a write or the upload purger
outside it; such a path is ``StorageUnavailable`` (the server answers 503 and logs where).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from specgen.registry.storage.driver import InvalidName, StorageUnavailable
from specgen.registry.storage.filesystem import fsops
from specgen.registry.storage.names import component, split_digest


def atomic_write(path: Path, data: bytes) -> None:
    """Publish ``data`` as ``path`` durably (``fsops.write_file``)."""
    fsops.write_file(path, data)


def fsync_dir(path: Path) -> None:
    fsops.ops.fsync_dir(path)


def confined(root: Path, path: Path) -> Path:
    """``path`` (under ``root``) if none of its existing components below ``root`` is a symlink."""
    cur = root
    for part in path.relative_to(root).parts:
        cur = cur / part
        try:
            mode = os.lstat(cur).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return path  # nothing further exists: nothing further to follow
        if stat.S_ISLNK(mode):
            raise StorageUnavailable(f"symlink in the storage root, not followed: {cur}")
    return path


class Layout:
    """Paths of everything under ``root``; names are checked so none leaves its place, and no
    path goes through a symlink (``confined``)."""

    def __init__(self, root: Path):
        self.root = root
        self.blobs = root / "blobs"
        self.repositories = root / "repositories"

    def _c(self, path: Path) -> Path:
        return confined(self.root, path)

    def blob(self, digest: str) -> Path:
        alg, hexd = split_digest(digest)
        return self._c(self.blobs / alg / hexd[:2] / hexd / "data")

    def repo(self, name: str) -> Path:
        # names follow the reference grammar, whose components never start with "." or "_"
        # (so no "..", and no clash with the "_layers"-style folders); the driver re-checks
        if not name or "\0" in name or any(not p or p[0] in "._" for p in name.split("/")):
            raise InvalidName(f"invalid repository name: {name!r}")
        return self._c(self.repositories / name)

    def layer_link(self, name: str, digest: str) -> Path:
        alg, hexd = split_digest(digest)
        return self._c(self.repo(name) / "_layers" / alg / hexd / "link")

    def revisions(self, name: str) -> Path:
        return self._c(self.repo(name) / "_manifests" / "revisions")

    def revision_link(self, name: str, digest: str) -> Path:
        alg, hexd = split_digest(digest)
        return self._c(self.revisions(name) / alg / hexd / "link")

    def tags(self, name: str) -> Path:
        return self._c(self.repo(name) / "_manifests" / "tags")

    def tag_dir(self, name: str, tag: str) -> Path:
        return self._c(self.tags(name) / component(tag, "tag"))

    def tag_link(self, name: str, tag: str) -> Path:
        """The file holding the digest a tag points at."""
        return self._c(self.tag_dir(name, tag) / "current" / "link")

    def referrers(self, name: str) -> Path:
        return self._c(self.repo(name) / "_referrers")

    def referrers_of(self, name: str, subject: str) -> Path:
        alg, hexd = split_digest(subject)
        return self._c(self.referrers(name) / alg / hexd)

    def uploads(self, name: str) -> Path:
        return self._c(self.repo(name) / "_uploads")

    def upload(self, name: str, upload_id: str) -> Path:
        return self._c(self.uploads(name) / component(upload_id, "upload id"))
