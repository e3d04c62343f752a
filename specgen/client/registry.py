"""``RegistryClient``: the calls people make against a registry, on top of a generated client.

    from specgen.client import RegistryClient
    with RegistryClient("http://127.0.0.1:5000") as reg:
        digest = reg.push_blob("library/demo", b"hello")
        assert reg.pull_blob("library/demo", digest) == b"hello"

It is a facade: each concern has its own module (``uploads`` pushes blobs, ``blobs`` reads, mounts
and deletes them, ``manifests``, ``listings`` for paginated lists and referrers, ``auth`` and
``runtime`` under all of them), sharing one ``Connection``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import IO, Any

from specgen.client.blobs import Blobs
from specgen.client.connection import DEFAULT_SETS, Connection, generated_client
from specgen.client.listings import Listings
from specgen.client.manifests import Manifest, Manifests
from specgen.client.runtime import Progress, Transport
from specgen.client.sessions import UploadSessions
from specgen.client.source import Source
from specgen.client.uploads import Uploader
from specgen.distribution.mediatypes import (  # noqa: F401  (part of this module's API)
    DOCKER_LIST,
    DOCKER_MANIFEST,
    MANIFEST_TYPES,
    OCI_INDEX,
    OCI_MANIFEST,
)

__all__ = ["DEFAULT_SETS", "Manifest", "RegistryClient", "generated_client"]

#: PATCH size for sources read as a stream (iterables); files and bytes go in one PATCH unless
#: ``chunk_size`` is given
DEFAULT_CHUNK = 8 << 20


class RegistryClient:
    """A registry at ``base_url``.

    ``username``/``password`` are used for HTTP basic or to fetch bearer tokens (anonymous tokens
    without them); ``verify=False`` turns TLS verification off (or pass a CA bundle path).
    Blobs up to ``monolithic_threshold`` bytes go in one PUT. Larger files and bytes go over a lean
    socket path (``specgen.client.streams``): one PUT when the digest is known, else one PATCH
    hashed on the way, or PATCHes of ``chunk_size`` bytes when it is given; larger iterables in
    PATCH chunks of ``chunk_size`` (default 8 MiB). A broken PATCH is resumed from the registry's
    upload status. With ``upload_sessions`` (a file), uploads of blobs whose digest is known are
    recorded there, and a push of the same blob by a later process continues where the registry
    stopped.
    """

    def __init__(
        self,
        base_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        verify: bool | str = True,
        timeout: float = 30.0,
        retries: int = 3,
        set: str | None = None,
        chunk_size: int | None = None,
        monolithic_threshold: int = 8 << 20,
        transport: Transport | None = None,
        upload_sessions: str | os.PathLike[str] | UploadSessions | None = None,
        **transport_options: Any,
    ) -> None:
        module = generated_client(set)
        transport = transport or Transport(
            base_url,
            username=username,
            password=password,
            verify=verify,
            timeout=timeout,
            retries=retries,
            **transport_options,
        )
        self.connection = Connection(module, module.Client(transport=transport), transport)
        self.blobs = Blobs(self.connection)
        self.uploads = Uploader(
            self.connection,
            self.blobs,
            chunk_size=chunk_size or DEFAULT_CHUNK,
            monolithic_threshold=monolithic_threshold,
            wire_chunk_size=chunk_size,
            sessions=upload_sessions
            if isinstance(upload_sessions, UploadSessions) or upload_sessions is None
            else UploadSessions(upload_sessions),
        )
        self.manifests = Manifests(self.connection)
        self.listings = Listings(self.connection)

    # the generated client module, its Client instance and the transport, as attributes of old
    @property
    def module(self) -> Any:
        return self.connection.module

    @property
    def api(self) -> Any:
        return self.connection.api

    @property
    def transport(self) -> Transport:
        return self.connection.transport

    @property
    def chunk_size(self) -> int:
        return self.uploads.chunk_size

    @chunk_size.setter
    def chunk_size(self, value: int) -> None:
        self.uploads.chunk_size = value

    @property
    def monolithic_threshold(self) -> int:
        return self.uploads.monolithic_threshold

    @monolithic_threshold.setter
    def monolithic_threshold(self, value: int) -> None:
        self.uploads.monolithic_threshold = value

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- base ----------------------------------------------------------------------------------

    def ping(self) -> bool:
        """True when the registry implements the V2 API and lets us in."""
        self.api.get_base()
        return True

    # -- blobs ---------------------------------------------------------------------------------

    def blob_exists(self, name: str, digest: str) -> int | None:
        """The blob's size when the repository has it, else ``None`` (a ``HEAD``)."""
        return self.blobs.exists(name, digest)

    def push_blob(
        self,
        name: str,
        source: Source,
        *,
        digest: str | None = None,
        algorithm: str = "sha256",
        progress: Progress | None = None,
        chunk_size: int | None = None,
        monolithic_threshold: int | None = None,
    ) -> str:
        """Upload a blob and return its digest.

        ``source`` is bytes, a binary file, a path, or an iterable of bytes; it is read once, in
        pieces, and hashed on the way (``algorithm``: sha256, sha384 or sha512). With ``digest``
        given, a blob the repository already has is not sent again, and the registry checks the
        content against it (``DigestInvalid`` when it does not match).
        """
        return self.uploads.push(
            name,
            source,
            digest=digest,
            algorithm=algorithm,
            progress=progress,
            chunk_size=chunk_size,
            monolithic_threshold=monolithic_threshold,
        )

    def iter_blob(
        self,
        name: str,
        digest: str,
        *,
        progress: Progress | None = None,
        chunk_size: int = 1 << 20,
        verify: bool = True,
    ) -> Iterator[bytes]:
        """Stream a blob's bytes; the digest is checked at the end (``DigestMismatch``)."""
        return self.blobs.iter(name, digest, progress=progress, chunk_size=chunk_size, verify=verify)

    def pull_blob(
        self,
        name: str,
        digest: str,
        dest: IO[bytes] | None = None,
        *,
        range: tuple[int, int | None] | None = None,
        progress: Progress | None = None,
        verify: bool = True,
    ) -> bytes | int:
        """A blob's content (bytes), or written into ``dest`` (returns the byte count).

        ``range=(start, end)`` (inclusive, ``end`` may be ``None``) fetches part of it; a part
        cannot be checked against the digest, only its length.
        """
        return self.blobs.pull(name, digest, dest, range=range, progress=progress, verify=verify)

    def pull_blob_to(
        self,
        name: str,
        digest: str,
        path: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        resume: bool = True,
    ) -> int:
        """Download a blob into the file ``path``; returns its size.

        Bytes land in ``<path>.partial`` and the file appears at ``path`` only once verified
        against ``digest``; a download that broke is continued from the partial file (``Range``),
        in this call or a later one (``resume=False`` starts over).
        """
        from specgen.client.streams import Streams

        if self.transport.wire is None:  # a transport of the caller's: through it, same contract
            return _pull_via_http(self, name, digest, path, progress)
        return Streams(self.connection).pull_to_path(name, digest, path, progress=progress, resume=resume)

    def mount_blob(self, name: str, digest: str, from_repo: str | None = None) -> bool:
        """Mount a blob from another repository (from any, when ``from_repo`` is None and the
        set has anonymous mount); False when the registry would not (the upload it opened
        instead is cancelled)."""
        return self.blobs.mount(name, digest, from_repo)

    def delete_blob(self, name: str, digest: str) -> None:
        self.blobs.delete(name, digest)

    # -- manifests ------------------------------------------------------------------------------

    def push_manifest(
        self, name: str, reference: str, manifest: bytes | Mapping[str, Any], media_type: str | None = None
    ) -> str:
        """Store a manifest under a tag or digest; returns its digest.

        A mapping is serialised as JSON; ``media_type`` defaults to its ``mediaType`` field.
        """
        return self.manifests.push(name, reference, manifest, media_type)

    def get_manifest(self, name: str, reference: str, accept: tuple[str, ...] | list[str] = MANIFEST_TYPES) -> Manifest:
        """Fetch a manifest, accepting ``accept`` media types; a digest reference is verified."""
        return self.manifests.get(name, reference, accept)

    def delete_manifest(self, name: str, digest: str) -> None:
        self.manifests.delete(name, digest)

    # -- listings -------------------------------------------------------------------------------

    def tags(self, name: str, page_size: int | None = None) -> Iterator[str]:
        """Every tag of a repository, page after page following ``Link``."""
        return self.listings.tags(name, page_size)

    def catalog(self, page_size: int | None = None) -> Iterator[str]:
        """Every repository name, page after page following ``Link``."""
        return self.listings.catalog(page_size)

    def referrers(self, name: str, digest: str, artifact_type: str | None = None) -> list[dict]:
        """Descriptors of the manifests whose ``subject`` is ``digest`` (OCI referrers API)."""
        return self.listings.referrers(name, digest, artifact_type)


def _pull_via_http(
    reg: RegistryClient, name: str, digest: str, path: str | os.PathLike[str], progress: Progress | None
) -> int:
    """``pull_blob_to`` over the generated client: a temporary file renamed once verified."""
    partial = f"{os.fspath(path)}.partial"
    try:
        with open(partial, "wb") as out:
            count = reg.blobs.pull(name, digest, out, progress=progress)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    os.replace(partial, path)
    return int(count)
