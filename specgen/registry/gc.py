"""Online garbage collection: mark and sweep while the registry serves and clients push.

Mark: in every repository, the roots are the tagged manifests (every manifest, unless untagged
ones are collected too), plus, when they are, every manifest whose blob was stored or touched
within the grace period. From each kept manifest: its config and layers, its index children and
the referrers of it (the OCI referrers API), transitively. Sweep: untagged manifests not kept (only
with ``delete_untagged``), then every blob no kept manifest references and nobody stored or
touched within the grace period, then the layer links to blobs that are gone, then upload
sessions untouched for ``upload_ttl``.

Why a push running meanwhile loses nothing (the protocol with the manifest handler):

1. A manifest ``PUT`` touches (``StorageDriver.touch_blob``) every blob and child manifest it
   references, and its own blob, *before* it checks that they exist and writes the manifest.
2. Everything here is judged against ``cutoff = start - grace``, fixed when the run starts: a blob
   or manifest touched after ``cutoff`` is kept. A blob is removed with ``collect_blob``, which is
   atomic with respect to a touch: once a push's touch succeeded, the blob stays; a touch after the
   removal fails, and the push is answered ``MANIFEST_BLOB_UNKNOWN`` (it never stores a manifest
   whose blobs are gone).
3. A push that the mark did not see wrote its manifest after the run started; its touches came
   less than the push's own duration before that. So a blob it references can only be collected
   if the push took longer than the grace period between its touches and its write (the default
   grace is an hour; that part of a push takes milliseconds).
4. An untagged manifest is removed, then looked at again: if meanwhile a tag points at it or a push
   touched it, it is put back (and what it references is marked) before any blob is swept.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from specgen.errors import UserError
from specgen.registry.storage.driver import StorageDriver

#: Default grace period (seconds): what is younger is never collected.
DEFAULT_GRACE = 3600.0

_GC_METHODS = ("list_blobs", "layers", "blob_modified", "touch_blob", "collect_blob")


@dataclass
class Report:
    """What a run found and freed (``dry_run``: would free)."""

    dry_run: bool
    delete_untagged: bool
    grace: float
    started: float = 0.0
    duration: float = 0.0
    repositories: int = 0
    manifests_kept: int = 0
    blobs_total: int = 0
    blobs_kept: int = 0
    blobs_young: int = 0  # unreferenced, but stored or touched within the grace period
    manifests_deleted: list[str] = field(default_factory=list)  # "<repo>@<digest>"
    blobs_deleted: list[str] = field(default_factory=list)
    bytes_freed: int = 0
    layer_links_removed: int = 0
    uploads_purged: int = 0

    def summary(self) -> str:
        verb = "would free" if self.dry_run else "freed"
        return (
            f"gc{' (dry run)' if self.dry_run else ''}: {self.repositories} repositories, "
            f"{self.manifests_kept} manifests kept, {len(self.manifests_deleted)} untagged manifests "
            f"{'to delete' if self.dry_run else 'deleted'}; {self.blobs_total} blobs: {self.blobs_kept} referenced, "
            f"{self.blobs_young} younger than the grace period ({self.grace:g} s), "
            f"{len(self.blobs_deleted)} {'to delete' if self.dry_run else 'deleted'}; {verb} {self.bytes_freed} bytes; "
            f"{self.layer_links_removed} layer links and {self.uploads_purged} upload sessions removed "
            f"in {self.duration:.3f} s"
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def supports_gc(driver: StorageDriver) -> bool:
    """Whether the driver implements what garbage collection needs."""
    return all(getattr(type(driver), m) is not getattr(StorageDriver, m) for m in _GC_METHODS)


def references(data: bytes) -> tuple[list[str], list[str]]:
    """(blobs, child manifests) a stored manifest references: config and layers, or an index's
    manifests. Lenient: it was validated when pushed."""
    try:
        doc = json.loads(data)
    except ValueError:
        return [], []
    if not isinstance(doc, dict):
        return [], []

    def digests(items: object) -> list[str]:
        out = []
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, dict) and isinstance(item.get("digest"), str):
                out.append(item["digest"])
        return out

    blobs = digests(doc.get("config")) if doc.get("config") is not None else []
    blobs += digests(doc.get("layers") or [])
    blobs += digests(doc.get("blobs") or [])  # the draft OCI artifact manifest
    return blobs, digests(doc.get("manifests") or [])


async def _all_repositories(driver: StorageDriver) -> list[str]:
    out: list[str] = []
    last = None
    while True:
        page = await driver.repositories(last=last, limit=1000)
        out += page
        if len(page) < 1000:
            return out
        last = page[-1]


class _Marker:
    """The marked blobs (a manifest's own digest included) and the kept manifests of each repository."""

    def __init__(self, driver: StorageDriver):
        self.driver = driver
        self.blobs: set[str] = set()
        self.kept: dict[str, set[str]] = {}

    async def keep(self, repo: str, roots: Iterable[str], revisions: set[str]) -> None:
        kept = self.kept.setdefault(repo, set())
        queue = [d for d in roots if d in revisions]
        while queue:
            digest = queue.pop()
            if digest in kept:
                continue
            kept.add(digest)
            self.blobs.add(digest)
            found = await self.driver.get_manifest(repo, digest)
            if found is not None:
                blobs, children = references(found[0])
                self.blobs.update(blobs)
                queue += [c for c in children if c in revisions and c not in kept]
            for desc in await self.driver.referrers(repo, digest):
                ref = desc.get("digest")
                if isinstance(ref, str) and ref in revisions and ref not in kept:
                    queue.append(ref)


async def collect(
    driver: StorageDriver,
    *,
    grace: float = DEFAULT_GRACE,
    delete_untagged: bool = False,
    dry_run: bool = False,
    upload_ttl: float | None = None,
) -> Report:
    """One garbage collection run over ``driver``'s storage; safe while a server uses it."""
    if not supports_gc(driver):
        raise UserError(
            f"storage driver {driver.name!r} cannot be garbage collected "
            f"(it does not implement {', '.join(_GC_METHODS)})"
        )
    if grace < 0:
        raise UserError(f"the grace period must not be negative (got {grace})")
    report = Report(dry_run=dry_run, delete_untagged=delete_untagged, grace=grace)
    report.started = start = time.time()
    cutoff = start - grace
    marker = _Marker(driver)

    async def fresh(digest: str) -> bool:
        modified = await driver.blob_modified(digest)
        return modified is not None and modified >= cutoff

    # -- mark -------------------------------------------------------------------------------------
    repos = await _all_repositories(driver)
    report.repositories = len(repos)
    candidates: list[tuple[str, str]] = []  # untagged manifests not kept
    for repo in repos:
        revisions = set(await driver.manifests(repo))
        tagged = set()
        for tag in await driver.tags(repo):
            target = await driver.get_tag(repo, tag)
            if target is not None:
                tagged.add(target)
        roots = set(revisions) if not delete_untagged else tagged | {d for d in revisions if await fresh(d)}
        await marker.keep(repo, roots, revisions)
        candidates += [(repo, d) for d in sorted(revisions - marker.kept[repo])]

    # -- untagged manifests -----------------------------------------------------------------------
    for repo, digest in candidates:
        if dry_run:
            report.manifests_deleted.append(f"{repo}@{digest}")
            continue
        found = await driver.get_manifest(repo, digest)
        if found is None:
            continue
        await driver.delete_manifest(repo, digest)
        # looked at again after the removal: a tag set or a push touching it meanwhile wins
        retagged = False
        for tag in await driver.tags(repo):
            if await driver.get_tag(repo, tag) == digest:
                retagged = True
                break
        if retagged or await fresh(digest):
            await driver.put_manifest(repo, digest, found[0], found[1])
            await marker.keep(repo, [digest], set(await driver.manifests(repo)))
            continue
        await driver.remove_referrer(repo, digest)
        report.manifests_deleted.append(f"{repo}@{digest}")
    report.manifests_kept = sum(len(k) for k in marker.kept.values())

    # -- blobs --------------------------------------------------------------------------------------
    blobs = await driver.list_blobs()
    report.blobs_total = len(blobs)
    deleted: set[str] = set()
    for digest in sorted(blobs):
        if digest in marker.blobs:
            report.blobs_kept += 1
            continue
        if dry_run:
            modified = await driver.blob_modified(digest)
            if modified is None:
                continue
            if modified >= cutoff:
                report.blobs_young += 1
                continue
            report.blobs_deleted.append(digest)
            report.bytes_freed += await driver.stat_blob(digest) or 0
            continue
        freed = await driver.collect_blob(digest, cutoff)
        if freed is None:
            if await driver.blob_exists(digest):
                report.blobs_young += 1
            continue
        deleted.add(digest)
        report.blobs_deleted.append(digest)
        report.bytes_freed += freed

    # -- layer links to blobs that are gone -------------------------------------------------------------
    doomed = set(report.blobs_deleted)
    for repo in repos:
        for digest in await driver.layers(repo):
            if digest not in doomed and await driver.stat_blob(digest) is not None:
                continue
            if dry_run:
                report.layer_links_removed += 1
            elif await driver.stat_blob(digest) is None and await driver.unlink_blob(repo, digest):
                report.layer_links_removed += 1

    # -- upload sessions ------------------------------------------------------------------------------------
    if upload_ttl is not None and not dry_run:
        report.uploads_purged = await driver.purge_uploads(upload_ttl)
    report.duration = time.time() - start
    return report
