"""Progress of an image transfer: a listener with one method per event; the default does nothing.

Methods are called from the worker threads that move blobs (one blob's calls come from one
thread, different blobs' from different threads): an implementation that draws must lock.
"""

from __future__ import annotations

from specgen.image.graph import Descriptor


class ImageProgress:
    """Subclass and override what you need."""

    def planned(self, blobs: list[Descriptor], manifests: int) -> None:
        """The blobs to move (deduplicated, before the skip check) and how many manifests."""

    def blob_started(self, blob: Descriptor) -> None:
        """A blob's transfer begins."""

    def blob_bytes(self, blob: Descriptor, done: int, total: int | None) -> None:
        """``done`` bytes of ``blob`` have moved so far."""

    def blob_done(self, blob: Descriptor, how: str) -> None:
        """A blob is at the destination: ``how`` is "copied", "mounted" or "skipped" (it was there)."""

    def manifest_done(self, manifest: Descriptor, reference: str) -> None:
        """A manifest was written under ``reference`` (a tag or its digest)."""
