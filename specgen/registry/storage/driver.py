"""The storage driver interface: what the registry's handlers may ask of a storage backend.

In the spirit of distribution's ``storagedriver.StorageDriver``, but one level up: a driver speaks
in the registry's own terms (blobs by digest, upload sessions, manifests, tags, repository links,
referrers), never in paths, file descriptors or locks, so that a filesystem and an object store
can both sit behind it. Handlers see only this module's names.

Contract every driver keeps (``tests/storage_suite.py`` checks it):

- Digests are ``"<algorithm>:<hex>"`` strings the caller has validated; repository names match the
  reference grammar; tags match the tag grammar. A driver still refuses names that would escape
  its namespace (``InvalidName``).
- A blob is acknowledged only once it is durable: after ``put_blob``/``put_manifest``/
  ``commit_upload`` return, its bytes survive a crash of the machine.
- An upload session lives in the storage, not in a process: any driver instance on the same
  storage (another worker process, another node) can report, continue, commit or cancel it.
  Concurrent requests on one session never interleave: the loser gets ``UploadBusy``.
- Listings (tags, repositories) are in lexical (code point) order and paginate with ``last``
  (exclusive) and ``limit``.
- Nothing depends on renaming a directory or on directory semantics: every key is a whole name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from specgen.server.runtime import Body

__all__ = [
    "BlobBody",
    "BlobUnknown",
    "DigestMismatch",
    "IncomingBody",
    "InvalidName",
    "RangeMismatch",
    "RawReader",
    "StorageDriver",
    "StorageError",
    "StorageUnavailable",
    "UploadBusy",
    "UploadInfo",
    "UploadUnknown",
]

#: What ``read_blob`` returns: a response body the server sends as it is (bytes, an async iterable
#: of bytes, or the runtime's ``FileBody``, which the server sends zero-copy).
BlobBody = Body


class StorageError(Exception):
    """Base of the failures a driver reports (anything else is a bug or an I/O error)."""


class StorageUnavailable(StorageError):
    """The storage cannot complete the operation now: disk full, an I/O error, an object store that
    does not answer. Nothing acknowledged before is lost, and the operation left nothing a client
    can see half done. The server answers it with a declared 5xx in the errors envelope, never with
    the driver's own message (which may name paths or hosts); ``reason`` is for the server's log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class InvalidName(StorageError, ValueError):
    """A repository name, tag or upload id the driver will not store (it would escape its place)."""


class BlobUnknown(StorageError, LookupError):
    """No blob with that digest."""


class UploadUnknown(StorageError, LookupError):
    """No such upload session (never created, finished, cancelled, expired, or its data lost)."""


class UploadBusy(StorageError):
    """Another request is appending to, committing or cancelling the same session right now."""


class RangeMismatch(StorageError, ValueError):
    """A chunk that does not start where the session ends, or whose length differs from its range.

    ``offset`` is the session's size, unchanged."""

    def __init__(self, offset: int):
        super().__init__(offset)
        self.offset = offset


class DigestMismatch(StorageError, ValueError):
    """The content does not hash to the digest it was committed as (the upload session is gone)."""

    def __init__(self, expected: str, size: int):
        super().__init__(f"content of {size} bytes does not match {expected}")
        self.expected, self.size = expected, size


@dataclass(frozen=True)
class UploadInfo:
    """What a caller may know of an upload session."""

    name: str
    id: str
    offset: int  # bytes received and acknowledged so far
    algorithm: str  # digest algorithm the data is hashed with while it streams
    created: float  # Unix times
    updated: float


class RawReader(Protocol):
    """A request body read straight from the socket in a worker thread (``uvicorn_zerocopy.RawBody``):
    ``prepare()`` on the event loop, then ``read_into`` from one thread until it returns 0, then
    ``finish()`` on the event loop."""

    def prepare(self) -> None: ...

    def read_into(self, view: memoryview) -> int: ...

    def finish(self) -> None: ...


class IncomingBody(Protocol):
    """A request body to store (the runtime's ``Request`` is one). A driver calls ``raw_body()``
    once, when it starts storing; if that gives None it iterates ``stream()`` instead."""

    def stream(self) -> AsyncIterator[bytes]: ...

    def raw_body(self) -> Any: ...


class StorageDriver(ABC):
    """A registry's storage. Subclasses register with ``specgen.registry.storage.factory``."""

    #: The name the factory knows the driver by.
    name: ClassVar[str] = ""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the driver holds (connections, threads)."""

    # -- blobs: content-addressed, registry-wide ------------------------------------------------
    @abstractmethod
    async def stat_blob(self, digest: str) -> int | None:
        """The blob's size, or None when there is none."""

    async def blob_exists(self, digest: str) -> bool:
        return await self.stat_blob(digest) is not None

    @abstractmethod
    async def read_blob(self, digest: str, offset: int = 0, count: int | None = None) -> BlobBody:
        """``count`` bytes (default: to the end) of the blob from ``offset``; ``BlobUnknown``."""

    async def blob_url(self, digest: str) -> str | None:
        """A URL the client may fetch the blob from itself (a presigned object-store URL; the
        server answers the GET with a 307 to it), or None to serve it (the default)."""
        return None

    @abstractmethod
    async def put_blob(self, digest: str, data: bytes) -> None:
        """Store small content (a manifest) as blob ``digest``, durably; ``DigestMismatch`` when
        ``data`` does not hash to it. Storing an existing blob again changes nothing."""

    @abstractmethod
    async def delete_blob(self, digest: str) -> bool:
        """Remove the blob's content from the registry; whether it existed. Links to it in
        repositories are the caller's business (as distribution's vacuum)."""

    # -- repository links -----------------------------------------------------------------------
    @abstractmethod
    async def link_blob(self, name: str, digest: str) -> None:
        """Make an existing blob part of repository ``name`` (a layer link)."""

    @abstractmethod
    async def unlink_blob(self, name: str, digest: str) -> bool:
        """Remove the layer link; whether there was one."""

    @abstractmethod
    async def repo_has_blob(self, name: str, digest: str) -> bool:
        """Whether ``name`` links the blob, as a layer or as a manifest revision."""

    @abstractmethod
    async def repository_exists(self, name: str) -> bool:
        """Whether ``name`` has a blob link or a manifest (ever pushed to)."""

    @abstractmethod
    async def repositories(self, last: str | None = None, limit: int | None = None) -> list[str]:
        """Repository names in lexical order, those after ``last`` only, at most ``limit``."""

    # -- manifests ------------------------------------------------------------------------------
    @abstractmethod
    async def put_manifest(
        self, name: str, digest: str, data: bytes, media_type: str, tags: Sequence[str] = ()
    ) -> None:
        """Store the manifest's bytes (durably, as ``put_blob``) and its revision in ``name``, then
        point each of ``tags`` at it (as ``set_tag``): one call, so a driver can do it in one trip."""

    @abstractmethod
    async def get_manifest(self, name: str, digest: str) -> tuple[bytes, str] | None:
        """(bytes, media type) of a revision of ``name``, or None."""

    @abstractmethod
    async def manifest_media_type(self, name: str, digest: str) -> str | None:
        """The media type of a revision of ``name``, or None when ``name`` has no such revision."""

    @abstractmethod
    async def delete_manifest(self, name: str, digest: str) -> bool:
        """Remove the revision from ``name`` (not its tags, not its blob); whether it existed."""

    @abstractmethod
    async def manifests(self, name: str) -> list[str]:
        """Digests of the revisions of ``name``, in lexical order."""

    # -- tags -------------------------------------------------------------------------------------
    @abstractmethod
    async def set_tag(self, name: str, tag: str, digest: str) -> None:
        """Point ``tag`` at a revision (replacing where it pointed)."""

    @abstractmethod
    async def get_tag(self, name: str, tag: str) -> str | None:
        """The digest ``tag`` points at, or None."""

    @abstractmethod
    async def delete_tag(self, name: str, tag: str) -> bool:
        """Remove the tag; whether it existed."""

    @abstractmethod
    async def tags(self, name: str, last: str | None = None, limit: int | None = None) -> list[str]:
        """Tags of ``name`` in lexical order, those after ``last`` only, at most ``limit``."""

    # -- referrers --------------------------------------------------------------------------------
    @abstractmethod
    async def add_referrer(self, name: str, subject: str, digest: str, descriptor: dict) -> None:
        """Record manifest ``digest`` (its OCI descriptor) as a referrer of ``subject``."""

    @abstractmethod
    async def referrers(self, name: str, subject: str) -> list[dict]:
        """Descriptors of the referrers of ``subject`` in ``name``, ordered by their digest."""

    @abstractmethod
    async def remove_referrer(self, name: str, digest: str) -> None:
        """Forget manifest ``digest`` as a referrer, of whichever subject."""

    # -- upload sessions --------------------------------------------------------------------------
    @abstractmethod
    async def create_upload(self, name: str, algorithm: str = "sha256") -> UploadInfo:
        """A new, empty session for repository ``name``."""

    @abstractmethod
    async def upload_status(self, name: str, upload_id: str) -> UploadInfo:
        """The session's state; ``UploadUnknown``."""

    @abstractmethod
    async def append_upload(
        self, name: str, upload_id: str, body: IncomingBody, start: int | None = None, end: int | None = None
    ) -> UploadInfo:
        """Add ``body`` at the end of the session. ``start`` (when given) must equal the session's
        offset and ``end - start + 1`` (when both are given) the body's length, else
        ``RangeMismatch`` and nothing is kept. ``UploadUnknown``, ``UploadBusy``."""

    @abstractmethod
    async def commit_upload(
        self, name: str, upload_id: str, body: IncomingBody, digest: str, start: int | None = None
    ) -> int:
        """Append the last ``body``, check the whole content hashes to ``digest``, store it as that
        blob (durably), link it into ``name`` and end the session; the blob's size. On a mismatch
        the session is removed and ``DigestMismatch`` raised. ``start`` as in ``append_upload``."""

    @abstractmethod
    async def cancel_upload(self, name: str, upload_id: str) -> None:
        """End the session and drop its data; ``UploadUnknown``, ``UploadBusy``."""

    @abstractmethod
    async def list_uploads(self) -> list[UploadInfo]:
        """Every session in the storage (any repository)."""

    @abstractmethod
    async def purge_uploads(self, older_than: float, now: float | None = None) -> int:
        """Remove sessions not touched for ``older_than`` seconds (before ``now``); how many."""

    # -- garbage collection (``specgen.registry.gc``) ------------------------------------------------
    # A driver that does not override these cannot be garbage collected (``specgen gc`` says so);
    # ``touch_blob``'s default keeps manifest pushes working on it.

    async def list_blobs(self) -> list[str]:
        """Every blob digest in the storage (any order)."""
        raise NotImplementedError(f"storage driver {self.name!r} cannot list its blobs")

    async def layers(self, name: str) -> list[str]:
        """Digests of the blobs linked into repository ``name`` as layers (``link_blob``), sorted."""
        raise NotImplementedError(f"storage driver {self.name!r} cannot list layer links")

    async def blob_modified(self, digest: str) -> float | None:
        """When the blob was last stored or touched (Unix time), or None when there is none."""
        raise NotImplementedError(f"storage driver {self.name!r} cannot tell when a blob was stored")

    async def touch_blob(self, digest: str) -> bool:
        """Mark the blob as used now (``blob_modified`` becomes now); whether it exists. A manifest
        push touches every blob it references before checking them, so a garbage collection
        running at the same time keeps them (``collect_blob``)."""
        return await self.blob_exists(digest)

    async def collect_blob(self, digest: str, older_than: float) -> int | None:
        """Delete the blob if it was last stored or touched before ``older_than`` (Unix time); the
        bytes freed, or None when it is kept or absent. Atomic with respect to ``touch_blob``: once
        a touch has returned True the blob is kept, and a touch after the deletion returns False."""
        raise NotImplementedError(f"storage driver {self.name!r} cannot collect blobs")
