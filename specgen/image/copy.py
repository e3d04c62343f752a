"""Copy one image between two stores: plan (walk the manifests), move the blobs concurrently, then
write the manifests children first, the root last under its tag.

A blob the destination already has is skipped, so running a copy again after an interruption
moves only what is missing; a blob pulled into a layout continues from its ``.partial`` file.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from specgen.image.graph import Descriptor, children
from specgen.image.progress import ImageProgress
from specgen.image.stores import Store, move_blob

#: blobs in flight at once when the caller does not say
DEFAULT_JOBS = 4


@dataclass
class CopyResult:
    """What a copy did: the root manifest and how each blob got there."""

    digest: str
    media_type: str
    manifests: int = 0
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    mounted: list[str] = field(default_factory=list)
    bytes_moved: int = 0


@dataclass
class Plan:
    root: Descriptor
    #: (descriptor, content, is an index.json/root entry) in the order they must be written
    manifests: list[tuple[Descriptor, bytes, bool]]
    blobs: list[Descriptor]


def plan(src: Store, reference: str | None, *, referrers: bool = False) -> Plan:
    """Fetch every manifest under ``reference`` (and, with ``referrers``, every manifest that
    refers to one of them), and list the blobs they need, each once."""
    root, content = src.get_manifest(reference)
    manifests: list[tuple[Descriptor, bytes, bool]] = []
    blobs: dict[str, Descriptor] = {}
    seen: set[str] = set()

    def walk(desc: Descriptor, data: bytes, entry: bool) -> None:
        if desc.digest in seen:
            return
        seen.add(desc.digest)
        kids, layers = children(desc.media_type, data)
        for kid in kids:
            _, kid_data = src.get_manifest(kid.digest)
            walk(kid, kid_data, False)
        for b in layers:
            blobs.setdefault(b.digest, b)
        manifests.append((desc, data, entry))
        if referrers:
            for ref in src.referrers(desc.digest):
                ref_desc, ref_data = src.get_manifest(ref.digest)
                merged = Descriptor(ref.media_type or ref_desc.media_type, ref.digest, ref.size, ref.raw)
                walk(merged, ref_data, True)

    walk(root, content, True)
    return Plan(root, manifests, list(blobs.values()))


def copy_image(
    src: Store,
    reference: str | None,
    dst: Store,
    tag: str | None = None,
    *,
    jobs: int = DEFAULT_JOBS,
    referrers: bool = False,
    progress: ImageProgress | None = None,
) -> CopyResult:
    """Copy the image ``reference`` (tag or digest; ``None``: a layout's only image) of ``src``
    into ``dst`` under ``tag`` (default: ``reference`` when it is a tag). At most ``jobs`` blobs
    move at once; referrers come along with ``referrers=True``."""
    listener = progress or ImageProgress()
    p = plan(src, reference, referrers=referrers)
    if tag is None and reference is not None and ":" not in reference:
        tag = reference
    listener.planned(p.blobs, len(p.manifests))
    result = CopyResult(p.root.digest, p.root.media_type)
    lock = threading.Lock()

    def one(desc: Descriptor) -> None:
        listener.blob_started(desc)
        if dst.has_blob(desc):
            how = "skipped"
        else:
            how = move_blob(src, dst, desc, lambda done, total: listener.blob_bytes(desc, done, total))
        with lock:
            getattr(result, how).append(desc.digest)
            if how == "copied":
                result.bytes_moved += desc.size
        listener.blob_done(desc, how)

    if p.blobs:
        with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="specgen-blob") as pool:
            futures = [pool.submit(one, b) for b in p.blobs]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in done if f.exception() is not None]
            if failed:
                for f in futures:
                    f.cancel()
                raise failed[0].exception()  # type: ignore[misc]
    for desc, data, entry in p.manifests:
        is_root = desc.digest == p.root.digest
        reference_out = tag if is_root and tag else desc.digest
        dst.put_manifest(desc, data, reference_out, root=entry)
        result.manifests += 1
        listener.manifest_done(desc, reference_out)
    return result
