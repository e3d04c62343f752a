"""``specgen fsck``: check a filesystem driver's root, and repair what a crash can leave behind.

What is checked (the layout is ``storage.filesystem.files``):

- every blob's content hashes to its digest (``corrupt``: an error, never repaired: only hardware
  or a hand edit can cause it, since a blob is renamed into place only once complete and fsynced);
- every repository link (``_layers``) names its own digest and a blob that exists;
- every manifest revision link holds a media type and its manifest is stored and parses; an image
  manifest's config and layers are in the blob store; an index's children are revisions of the
  repository (a child deleted later is a warning, as the registry allows it);
- every tag names a manifest revision of its repository;
- every upload session has a readable state and at least the data it acknowledged;
- referrer descriptors parse.

Findings are ``error`` (an inconsistency: something a reader would trip on) or ``leftover``
(something no acknowledged write depends on: a temporary file, a half-written link, a session
broken by a crash, a blob no repository links, a symlink). ``repair`` removes the leftovers and the
links that point at nothing (they lead nowhere, so nothing acknowledged is lost with them). Run it
with the server stopped: a blob a running upload just moved into place is unlinked for an instant.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from specgen.distribution.mediatypes import INDEX_TYPES
from specgen.registry.hashing import Hasher

ERROR, LEFTOVER, WARNING = "error", "leftover", "warning"
_READ = 1 << 20


@dataclass
class Finding:
    severity: str  # ERROR, LEFTOVER or WARNING
    path: str  # relative to the root
    message: str
    #: what ``repair`` removes for it (None: nothing can be removed safely)
    remove: Path | None = None
    repaired: bool = False

    def __str__(self) -> str:
        done = " (removed)" if self.repaired else ""
        return f"{self.severity}: {self.path}: {self.message}{done}"


@dataclass
class Report:
    root: Path
    findings: list[Finding] = field(default_factory=list)
    blobs: int = 0
    repositories: int = 0
    manifests: int = 0
    tags: int = 0
    uploads: int = 0

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR and not f.repaired]

    def unrepaired(self) -> list[Finding]:
        return [f for f in self.findings if f.severity in (ERROR, LEFTOVER) and not f.repaired]

    @property
    def clean(self) -> bool:
        """Nothing but warnings left: consistent, and nothing to clean up."""
        return not self.unrepaired()

    def summary(self) -> str:
        count = {s: sum(f.severity == s and not f.repaired for f in self.findings) for s in (ERROR, LEFTOVER, WARNING)}
        removed = sum(f.repaired for f in self.findings)
        return (
            f"{self.root}: {self.blobs} blobs, {self.repositories} repositories, {self.manifests} manifests, "
            f"{self.tags} tags, {self.uploads} upload sessions; {count[ERROR]} error(s), "
            f"{count[LEFTOVER]} leftover(s), {count[WARNING]} warning(s)" + (f", {removed} removed" if removed else "")
        )


class _Checker:
    def __init__(self, root: Path):
        self.root = root
        self.report = Report(root)
        self.blob_sizes: dict[str, int] = {}  # digest → size, for blobs whose content is right
        self.referenced: set[str] = set()

    def add(self, severity: str, path: Path, message: str, remove: Path | None = None) -> None:
        self.report.findings.append(Finding(severity, self.rel(path), message, remove))

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    # -- walking without following symlinks ---------------------------------------------------------
    def entries(self, d: Path) -> Iterator[tuple[Path, os.stat_result]]:
        """``d``'s entries (lstat), temporary files and symlinks reported as leftovers."""
        try:
            names = sorted(os.listdir(d))
        except (FileNotFoundError, NotADirectoryError):
            return
        for name in names:
            p = d / name
            try:
                st = os.lstat(p)
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(st.st_mode):
                self.add(LEFTOVER, p, "symlink in the storage root (never followed)", p)
            elif name.startswith(".tmp-"):
                self.add(LEFTOVER, p, "half-written file (a write interrupted before its rename)", p)
            else:
                yield p, st

    def dirs(self, d: Path) -> Iterator[Path]:
        for p, st in self.entries(d):
            if stat.S_ISDIR(st.st_mode):
                yield p
            else:
                self.add(WARNING, p, "unexpected file")

    def read(self, path: Path) -> bytes | None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            return f.read(1 << 16)

    # -- blobs --------------------------------------------------------------------------------------
    def blobs(self) -> None:
        base = self.root / "blobs"
        for alg_dir in self.dirs(base):
            alg = alg_dir.name
            for prefix in self.dirs(alg_dir):
                for blob_dir in self.dirs(prefix):
                    self.blob(alg, prefix.name, blob_dir)

    def blob(self, alg: str, prefix: str, blob_dir: Path) -> None:
        hexd = blob_dir.name
        data = blob_dir / "data"
        found = {p.name: st for p, st in self.entries(blob_dir)}
        if "data" not in found:
            if not found:
                self.add(LEFTOVER, blob_dir, "empty blob folder", blob_dir)
            return
        if not stat.S_ISREG(found["data"].st_mode) or hexd[:2] != prefix:
            self.add(ERROR, data, "not a blob (wrong place or not a file)")
            return
        self.report.blobs += 1
        try:
            hasher = Hasher(alg)
        except ValueError:
            self.add(WARNING, data, f"blob of an unknown digest algorithm {alg!r}: not verified")
            self.blob_sizes[f"{alg}:{hexd}"] = found["data"].st_size
            return
        fd = os.open(data, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            while chunk := f.read(_READ):
                hasher.update(chunk)
        if hasher.hexdigest() != hexd:
            self.add(ERROR, data, f"content does not match its digest (it hashes to {alg}:{hasher.hexdigest()})")
            return
        self.blob_sizes[f"{alg}:{hexd}"] = found["data"].st_size

    # -- repositories -------------------------------------------------------------------------------
    def repositories(self) -> None:
        base = self.root / "repositories"
        stack = [base]
        while stack:
            d = stack.pop()
            subdirs = list(self.dirs(d))
            names = {p.name for p in subdirs}
            if names & {"_layers", "_manifests", "_uploads", "_referrers"}:
                self.report.repositories += 1
                self.repository(d)
            stack.extend(p for p in reversed(subdirs) if not p.name.startswith("_"))

    def links(self, base: Path) -> Iterator[tuple[str, Path]]:
        """(digest, link file) under ``base/<alg>/<hex>/link``; broken folders reported."""
        for alg_dir in self.dirs(base):
            for link_dir in self.dirs(alg_dir):
                found = {p.name for p, _ in self.entries(link_dir)}
                if "link" not in found:
                    self.add(LEFTOVER, link_dir, "folder without its link", link_dir)
                    continue
                yield f"{alg_dir.name}:{link_dir.name}", link_dir / "link"

    def repository(self, repo: Path) -> None:
        for digest, link in self.links(repo / "_layers"):
            content = self.read(link)
            if not content:
                self.add(LEFTOVER, link, "empty repository link (written by an interrupted request)", link.parent)
            elif content.decode("latin-1") != digest:
                self.add(ERROR, link, f"repository link names {content[:100]!r}, not {digest}")
            elif digest not in self.blob_sizes:
                self.add(LEFTOVER, link, "repository link to a blob that is not stored", link.parent)
            else:
                self.referenced.add(digest)
        revisions: dict[str, Path] = {}
        for digest, link in self.links(repo / "_manifests" / "revisions"):
            content = self.read(link)
            if not content:
                self.add(LEFTOVER, link, "empty manifest link (written by an interrupted request)", link.parent)
                continue
            if digest not in self.blob_sizes:
                self.add(LEFTOVER, link, "manifest revision whose manifest is not stored", link.parent)
                continue
            self.referenced.add(digest)
            revisions[digest] = link
        for digest, link in revisions.items():
            self.report.manifests += 1
            self.manifest(repo, digest, link, revisions)
        tags = repo / "_manifests" / "tags"
        for tag_dir in self.dirs(tags):
            link = tag_dir / "current" / "link"
            content = self.read(link)
            if content is None:
                self.add(LEFTOVER, tag_dir, "tag folder without its link", tag_dir)
                continue
            self.report.tags += 1
            target = content.decode("latin-1")
            if not target:
                self.add(LEFTOVER, link, "empty tag link (written by an interrupted request)", tag_dir)
            elif target not in revisions:
                self.add(LEFTOVER, link, f"tag points at {target[:100]}, not a manifest of the repository", tag_dir)
        for up in self.dirs(repo / "_uploads"):
            self.upload(up)
        for alg_dir in self.dirs(repo / "_referrers"):
            for subject in self.dirs(alg_dir):
                for p, _ in self.entries(subject):
                    try:
                        json.loads(self.read(p) or b"")
                    except ValueError:
                        self.add(LEFTOVER, p, "unreadable referrer descriptor", p)

    def manifest(self, repo: Path, digest: str, link: Path, revisions: dict[str, Path]) -> None:
        alg, _, hexd = digest.partition(":")
        try:
            doc = json.loads((self.root / "blobs" / alg / hexd[:2] / hexd / "data").read_bytes())
        except (OSError, ValueError):
            self.add(ERROR, link, f"manifest {digest} does not parse as JSON")
            return
        if not isinstance(doc, dict):
            self.add(ERROR, link, f"manifest {digest} is not a JSON object")
            return
        media_type = (self.read(link) or b"").decode("latin-1")
        if media_type in INDEX_TYPES or "manifests" in doc:
            for child in doc.get("manifests") or []:
                d = child.get("digest") if isinstance(child, dict) else None
                if isinstance(d, str):
                    self.referenced.add(d)  # the index depends on it, revision or not
                if isinstance(d, str) and d not in revisions:
                    self.add(WARNING, link, f"index child {d} is not a manifest of the repository")
            return
        wanted = [doc.get("config")] + list(doc.get("layers") or [])
        for desc in wanted:
            if not isinstance(desc, dict) or not isinstance(desc.get("digest"), str):
                continue
            d = desc["digest"]
            self.referenced.add(d)  # kept for the manifest even when unlinked from the repository
            if d not in self.blob_sizes and not desc.get("urls"):
                self.add(ERROR, link, f"manifest {digest} references blob {d}, which is not stored")

    def upload(self, up: Path) -> None:
        self.report.uploads += 1
        try:
            state = json.loads((up / "state.json").read_bytes())
            offset = int(state["offset"])
            size = os.lstat(up / "data").st_size
        except (OSError, ValueError, KeyError, TypeError):
            self.add(LEFTOVER, up, "upload session without a readable state or data (no client can resume it)", up)
            return
        if size < offset:
            self.add(LEFTOVER, up, f"upload session lost acknowledged data ({size} < {offset} bytes)", up)

    def orphans(self) -> None:
        for digest in sorted(set(self.blob_sizes) - self.referenced):
            alg, _, hexd = digest.partition(":")
            folder = self.root / "blobs" / alg / hexd[:2] / hexd
            self.add(LEFTOVER, folder / "data", "blob no repository links (orphan)", folder)


def check(root: str | os.PathLike[str]) -> Report:
    """The findings of a read-only check of ``root``."""
    checker = _Checker(Path(root))
    if not (checker.root / "blobs").is_dir() and not (checker.root / "repositories").is_dir():
        raise FileNotFoundError(f"{root} holds no registry storage (no blobs/ or repositories/)")
    checker.blobs()
    checker.repositories()
    checker.orphans()
    return checker.report


def repair(root: str | os.PathLike[str], max_rounds: int = 5) -> Report:
    """Check, remove what ``check`` found removable, and check again (a removed tag may make its
    manifest an orphan...) until nothing more is removed; the last report, removals marked."""
    removed: list[Finding] = []
    for _ in range(max_rounds):
        report = check(root)
        todo = [f for f in report.findings if f.remove is not None and f.severity != WARNING]
        if not todo:
            break
        for f in todo:
            assert f.remove is not None
            _remove(f.remove)
            f.repaired = True
            removed.append(f)
    report.findings = removed + [f for f in report.findings if not f.repaired]
    return report


def _remove(path: Path) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.unlink(path)
    try:
        fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
