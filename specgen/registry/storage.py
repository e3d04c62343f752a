"""Content-addressed filesystem storage shared by any number of worker processes.

Layout under the root::

    blobs/<alg>/<hex[:2]>/<hex>/data                       every blob (and manifest) once
    repositories/<name>/_layers/<alg>/<hex>/link             blob linked into a repository
    repositories/<name>/_manifests/revisions/<alg>/<hex>/link   manifest (content: media type)
    repositories/<name>/_manifests/tags/<tag>/current/link   tag (content: digest)
    repositories/<name>/_referrers/<alg>/<hex>/<alg>-<hex>  referrer descriptor (JSON) of a subject
    repositories/<name>/_uploads/<id>/{data,state.json,lock} upload session

Every file is written to a temporary name, fsynced and renamed, so a crash leaves either the old
state or the new one, never a partial blob, link or state file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator


def atomic_write(path: Path, data: bytes, fsync: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fdatasync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Storage:
    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        (self.root / "blobs").mkdir(parents=True, exist_ok=True)
        (self.root / "repositories").mkdir(parents=True, exist_ok=True)

    # -- paths ---------------------------------------------------------------------------------
    def blob_path(self, alg: str, hexd: str) -> Path:
        return self.root / "blobs" / alg / hexd[:2] / hexd / "data"

    def repo_dir(self, name: str) -> Path:
        return self.root / "repositories" / name

    def layer_link(self, name: str, alg: str, hexd: str) -> Path:
        return self.repo_dir(name) / "_layers" / alg / hexd / "link"

    def revision_link(self, name: str, alg: str, hexd: str) -> Path:
        return self.repo_dir(name) / "_manifests" / "revisions" / alg / hexd / "link"

    def tag_link(self, name: str, tag: str) -> Path:
        return self.repo_dir(name) / "_manifests" / "tags" / tag / "current" / "link"

    def referrers_dir(self, name: str, alg: str, hexd: str) -> Path:
        return self.repo_dir(name) / "_referrers" / alg / hexd

    def uploads_dir(self, name: str) -> Path:
        return self.repo_dir(name) / "_uploads"

    # -- blobs ---------------------------------------------------------------------------------
    def blob_size(self, alg: str, hexd: str) -> int | None:
        try:
            return self.blob_path(alg, hexd).stat().st_size
        except FileNotFoundError:
            return None

    def commit_file(self, src: Path, alg: str, hexd: str) -> None:
        """Move an fsynced file into place as blob ``alg:hexd`` (kept as is if already there)."""
        dest = self.blob_path(alg, hexd)
        if dest.exists():
            src.unlink(missing_ok=True)
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)
        fsync_dir(dest.parent)

    def put_blob_bytes(self, alg: str, hexd: str, data: bytes) -> None:
        dest = self.blob_path(alg, hexd)
        if not dest.exists():
            atomic_write(dest, data)

    def repo_has_blob(self, name: str, alg: str, hexd: str) -> bool:
        return (self.layer_link(name, alg, hexd).exists()
                or self.revision_link(name, alg, hexd).exists())

    def link_blob(self, name: str, alg: str, hexd: str) -> None:
        link = self.layer_link(name, alg, hexd)
        if not link.exists():
            atomic_write(link, f"{alg}:{hexd}".encode(), fsync=False)

    def unlink_blob(self, name: str, alg: str, hexd: str) -> bool:
        link = self.layer_link(name, alg, hexd)
        try:
            link.unlink()
        except FileNotFoundError:
            return False
        shutil.rmtree(link.parent, ignore_errors=True)
        return True

    def find_blob_anywhere(self, alg: str, hexd: str) -> bool:
        return self.blob_path(alg, hexd).exists()

    # -- repositories ----------------------------------------------------------------------------
    def repo_exists(self, name: str) -> bool:
        d = self.repo_dir(name)
        return (d / "_manifests").is_dir() or (d / "_layers").is_dir()

    def repositories(self) -> list[str]:
        """Every repository name with manifests or blobs, in lexical order."""
        base = self.root / "repositories"
        out = []
        for dirpath, dirnames, _ in os.walk(base):
            if "_manifests" in dirnames or "_layers" in dirnames:
                out.append(Path(dirpath).relative_to(base).as_posix())
            dirnames[:] = [d for d in dirnames if not d.startswith("_")]
        return sorted(out)

    # -- manifests -------------------------------------------------------------------------------
    def put_manifest(self, name: str, alg: str, hexd: str, data: bytes, media_type: str,
                     tag: str | None = None) -> None:
        """Store the manifest bytes (fsynced) and link them, and the tag, into the repository.

        The links are renamed into place without an fsync of their own: after a crash a link is
        either absent, or present with its content (or, on a filesystem that loses it, empty, which
        readers treat as absent / unknown media type), and the blob it points to is durable."""
        self.put_blob_bytes(alg, hexd, data)
        atomic_write(self.revision_link(name, alg, hexd), media_type.encode(), fsync=False)
        if tag is not None:
            self.tag(name, tag, f"{alg}:{hexd}")

    def manifest_media_type(self, name: str, alg: str, hexd: str) -> str | None:
        try:
            return self.revision_link(name, alg, hexd).read_text()
        except FileNotFoundError:
            return None

    def tag(self, name: str, tag: str, digest: str) -> None:
        atomic_write(self.tag_link(name, tag), digest.encode(), fsync=False)

    def resolve_tag(self, name: str, tag: str) -> str | None:
        try:
            digest = self.tag_link(name, tag).read_text()
        except FileNotFoundError:
            return None
        return digest if ":" in digest else None  # empty after a crash: as if never tagged

    def tags(self, name: str) -> list[str]:
        d = self.repo_dir(name) / "_manifests" / "tags"
        try:
            return sorted(t for t in os.listdir(d) if (d / t / "current" / "link").exists())
        except FileNotFoundError:
            return []

    def untag(self, name: str, tag: str) -> bool:
        d = self.repo_dir(name) / "_manifests" / "tags" / tag
        if not (d / "current" / "link").exists():
            return False
        shutil.rmtree(d, ignore_errors=True)
        return True

    def delete_manifest(self, name: str, alg: str, hexd: str) -> bool:
        link = self.revision_link(name, alg, hexd)
        if not link.exists():
            return False
        digest = f"{alg}:{hexd}"
        for tag in self.tags(name):
            if self.resolve_tag(name, tag) == digest:
                self.untag(name, tag)
        link.unlink(missing_ok=True)
        shutil.rmtree(link.parent, ignore_errors=True)
        self.remove_referrer_everywhere(name, digest)
        return True

    # -- referrers ----------------------------------------------------------------------------------
    def add_referrer(self, name: str, subject: str, digest: str, descriptor: dict) -> None:
        s_alg, s_hex = subject.split(":", 1)
        alg, hexd = digest.split(":", 1)
        atomic_write(self.referrers_dir(name, s_alg, s_hex) / f"{alg}-{hexd}",
                     json.dumps(descriptor, sort_keys=True).encode())

    def referrers(self, name: str, subject: str) -> list[dict]:
        s_alg, s_hex = subject.split(":", 1)
        d = self.referrers_dir(name, s_alg, s_hex)
        out = []
        try:
            entries = sorted(os.listdir(d))
        except FileNotFoundError:
            return []
        for entry in entries:
            if entry.startswith(".tmp-"):
                continue
            try:
                out.append(json.loads((d / entry).read_bytes()))
            except (OSError, ValueError):
                continue
        return out

    def remove_referrer_everywhere(self, name: str, digest: str) -> None:
        alg, hexd = digest.split(":", 1)
        base = self.repo_dir(name) / "_referrers"
        if base.is_dir():
            for path in base.glob(f"*/*/{alg}-{hexd}"):
                path.unlink(missing_ok=True)


def walk_uploads(root: Path) -> Iterator[Path]:
    """Every upload session directory under ``root/repositories``."""
    base = root / "repositories"
    for dirpath, dirnames, _ in os.walk(base):
        if "_uploads" in dirnames:
            up = Path(dirpath) / "_uploads"
            for entry in os.listdir(up):
                yield up / entry
        dirnames[:] = [d for d in dirnames if not d.startswith("_")]


def purge_uploads(root: Path, ttl: float, now: float | None = None) -> int:
    """Remove upload sessions untouched for ``ttl`` seconds; how many were removed."""
    now = time.time() if now is None else now
    removed = 0
    for up in list(walk_uploads(root)):
        try:
            mtime = max((p.stat().st_mtime for p in up.iterdir()), default=up.stat().st_mtime)
        except FileNotFoundError:
            continue
        if now - mtime > ttl:
            shutil.rmtree(up, ignore_errors=True)
            removed += 1
    return removed
