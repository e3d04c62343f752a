"""``RegistryClient``: the calls people make against a registry, on top of a generated client.

    from specgen.client import RegistryClient
    with RegistryClient("http://127.0.0.1:5000") as reg:
        digest = reg.push_blob("library/demo", b"hello")
        assert reg.pull_blob("library/demo", digest) == b"hello"
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterator, Mapping
from urllib.parse import urlsplit

from specgen.distribution.digest import algorithm_of, digest_of, hasher
from specgen.client.errors import APIError, ClientError, DigestMismatch
from specgen.client.runtime import Progress, Transport, TransportError
from specgen.client.source import Reader, Source

#: generated client sets tried in order when none is named
DEFAULT_SETS = ("oci_v1_1", "registry_v2")

from specgen.distribution.mediatypes import (  # noqa: E402,F401  (part of this module's API)
    DOCKER_LIST, DOCKER_MANIFEST, MANIFEST_TYPES, OCI_INDEX, OCI_MANIFEST)

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


def generated_client(set_name: str | None = None):
    """The generated client module of ``set_name`` (default: the first of ``DEFAULT_SETS`` built)."""
    names = (set_name,) if set_name else DEFAULT_SETS
    for name in names:
        try:
            return importlib.import_module(f"specgen._generated.{name}.client")
        except ModuleNotFoundError:
            continue
    raise ClientError(f"no generated client for {' or '.join(names)}: run `specgen build`")


@dataclass(frozen=True)
class Manifest:
    media_type: str
    digest: str
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


class RegistryClient:
    """A registry at ``base_url``.

    ``username``/``password`` are used for HTTP basic or to fetch bearer tokens (anonymous tokens
    without them); ``verify=False`` turns TLS verification off (or pass a CA bundle path).
    Blobs up to ``monolithic_threshold`` bytes go in one PUT; larger ones in PATCH chunks of
    ``chunk_size`` bytes, resumed from the registry's upload status when a connection drops.
    """

    def __init__(self, base_url: str, *, username: str | None = None,
                 password: str | None = None, verify: bool | str = True,
                 timeout: float = 30.0, retries: int = 3, set: str | None = None,
                 chunk_size: int = 8 << 20, monolithic_threshold: int = 8 << 20,
                 transport: Transport | None = None, **transport_options: Any) -> None:
        self.module = generated_client(set)
        self.transport = transport or Transport(base_url, username=username, password=password,
                                                verify=verify, timeout=timeout, retries=retries,
                                                **transport_options)
        self.api = self.module.Client(transport=self.transport)
        self.chunk_size = chunk_size
        self.monolithic_threshold = monolithic_threshold

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> "RegistryClient":
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
        if hasattr(self.api, "check_blob"):          # a set that declares HEAD on blobs
            try:
                res = self.api.check_blob(name, digest)
            except APIError as exc:
                if exc.status == 404:
                    return None
                raise
            return res.content_length if res.content_length is not None else 0
        op = self.module.OPERATIONS["fetch_blob"]
        resp = self.transport.send("HEAD", op.path({"name": name, "digest": digest}))
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            from specgen.client.errors import raise_for
            raise_for(resp, self.api.ERRORS)
        return int(resp.headers.get("content-length", "0"))

    def push_blob(self, name: str, source: Source, *, digest: str | None = None,
                  algorithm: str = "sha256", progress: Progress | None = None,
                  chunk_size: int | None = None, monolithic_threshold: int | None = None) -> str:
        """Upload a blob and return its digest.

        ``source`` is bytes, a binary file, a path, or an iterable of bytes; it is read once, in
        pieces, and hashed on the way (``algorithm``: sha256, sha384 or sha512). With ``digest``
        given, a blob the repository already has is not sent again, and the registry checks the
        content against it (``DigestInvalid`` when it does not match).
        """
        chunk = chunk_size or self.chunk_size
        threshold = self.monolithic_threshold if monolithic_threshold is None else monolithic_threshold
        if digest is not None:
            algorithm = algorithm_of(digest)
        with Reader(source) as reader:
            total = reader.size
            if digest is not None and self.blob_exists(name, digest) is not None:
                if progress is not None and total is not None:
                    progress(total, total)
                return digest
            for restart in range(3):
                try:
                    return self._push_once(name, reader, digest, algorithm, chunk, threshold,
                                           total, progress)
                except _Restart as exc:
                    if restart == 2 or not reader.rewind():
                        raise ClientError(
                            f"upload to {name} broke and the registry cannot resume it ({exc}); "
                            "the source cannot be read again (pass a file, a path or bytes to "
                            "let the client start over)") from exc.__cause__
            raise AssertionError("unreachable")

    def _push_once(self, name: str, reader: Reader, digest: str | None, algorithm: str,
                   chunk: int, threshold: int, total: int | None,
                   progress: Progress | None) -> str:
        head = reader.read(threshold + 1)
        started = self.api.initiate_resumable_blob_upload(name)
        location = self._location(started)
        if len(head) <= threshold:
            final = digest or digest_of(head, algorithm)
            self.api.put_blob_upload_chunk(
                name, _uuid(location), digest=final, body=head, url=location,
                content_length=len(head),
                progress=(lambda n, _t: progress(n, len(head))) if progress else None)
            return final               # the registry checked it; it may name it by another
        return self._push_chunks(name, location, reader, head, digest, algorithm, chunk,
                                 total, progress)

    def _push_chunks(self, name: str, location: str, reader: Reader, head: bytes,
                     digest: str | None, algorithm: str, chunk: int, total: int | None,
                     progress: Progress | None) -> str:
        h = hasher(algorithm)
        offset = 0
        pending = head
        while True:
            while len(pending) < chunk:
                more = reader.read(chunk - len(pending))
                if not more:
                    break
                pending += more
            if not pending:
                break
            piece, pending = pending[:chunk], pending[chunk:]
            location = self._send_chunk(name, location, piece, offset)
            h.update(piece)
            offset += len(piece)
            if progress is not None:
                progress(offset, total)
        final = digest or f"{algorithm}:{h.hexdigest()}"
        try:
            self.api.put_blob_upload_chunk(name, _uuid(location), digest=final, url=location,
                                           body=b"", content_length=0)
        except self.module.BlobUploadUnknown:
            # a retried PUT whose first attempt completed the upload: the blob is there
            if self.blob_exists(name, final) is None:
                raise
        return final

    def _send_chunk(self, name: str, location: str, piece: bytes, offset: int,
                    attempts: int = 4) -> str:
        """PATCH ``piece`` at ``offset``; after a dropped connection, ask the registry how much it
        has (GET upload status) and send only the rest. Returns the next upload location."""
        start = 0
        for _ in range(attempts):
            data = piece[start:]
            first = offset + start
            try:
                res = self.api.chunked_upload(
                    name, _uuid(location), url=location, body=data, content_length=len(data),
                    content_range=f"{first}-{first + len(data) - 1}")
                return self._location(res, location)
            except TransportError as exc:
                error: Exception = exc
            try:
                status = self.api.get_blob_upload_chunk(name, _uuid(location), url=location)
            except (APIError, TransportError) as exc:
                # e.g. distribution: its upload state token is stale once a chunk was applied
                raise _Restart(f"upload status: {exc}") from error
            location = self._location(status, location)
            have = _range_end(status.range)
            if have is None or not offset <= have <= offset + len(piece):
                raise _Restart(f"the registry holds {have} bytes, we sent from {offset}") from error
            if have == offset + len(piece):
                return location
            start = have - offset
        raise ClientError(f"upload of {name}: chunk at {offset} failed {attempts} times") from error

    def _location(self, result: Any, fallback: str | None = None) -> str:
        loc = getattr(result, "location", None) or result.headers.get("location") or fallback
        if not loc:
            raise ClientError("the registry answered an upload request without a Location")
        return self.transport.url(loc) if not loc.startswith(("http://", "https://")) else loc

    def iter_blob(self, name: str, digest: str, *, progress: Progress | None = None,
                  chunk_size: int = 1 << 20, verify: bool = True) -> Iterator[bytes]:
        """Stream a blob's bytes; the digest is checked at the end (``DigestMismatch``)."""
        h = hasher(algorithm_of(digest)) if verify else None
        res = self.api.fetch_blob(name, digest, stream=True)
        total = res.content_length
        done = 0
        for piece in res.iter_bytes(chunk_size):
            if h is not None:
                h.update(piece)
            done += len(piece)
            if progress is not None:
                progress(done, total)
            yield piece
        if h is not None:
            got = f"{digest.partition(':')[0]}:{h.hexdigest()}"
            if got != digest:
                raise DigestMismatch(f"blob {name}@{digest}: the registry sent content of {got}")

    def pull_blob(self, name: str, digest: str, dest: IO[bytes] | None = None, *,
                  range: tuple[int, int | None] | None = None, progress: Progress | None = None,
                  verify: bool = True) -> bytes | int:
        """A blob's content (bytes), or written into ``dest`` (returns the byte count).

        ``range=(start, end)`` (inclusive, ``end`` may be ``None``) fetches part of it; a part
        cannot be checked against the digest, only its length.
        """
        if range is not None:
            start, end = range
            spec = f"bytes={start}-{'' if end is None else end}"
            res = self.api.fetch_blob_part(name, digest, range_=spec)
            data = res.content or b""
            if end is not None and len(data) != end - start + 1 and res.status == 206:
                raise ClientError(f"asked for {end - start + 1} bytes, got {len(data)}")
            if res.status == 200:          # the registry ignored Range: cut it ourselves
                data = data[start:None if end is None else end + 1]
            if progress is not None:
                progress(len(data), len(data))
            if dest is None:
                return data
            dest.write(data)
            return len(data)
        pieces = self.iter_blob(name, digest, progress=progress, verify=verify)
        if dest is None:
            return b"".join(pieces)
        count = 0
        for piece in pieces:
            dest.write(piece)
            count += len(piece)
        return count

    def mount_blob(self, name: str, digest: str, from_repo: str | None = None) -> bool:
        """Mount a blob from another repository (from any, when ``from_repo`` is None and the
        set has anonymous mount); False when the registry would not (the upload it opened
        instead is cancelled)."""
        if from_repo is None:
            if not hasattr(self.api, "anonymous_mount_blob"):
                raise ClientError(f"the {self.module.__name__} client has no anonymous mount")
            res = self.api.anonymous_mount_blob(name, mount=digest)
        else:
            res = self.api.mount_blob(name, mount=digest, from_=from_repo)
        if res.status == 201:
            return True
        loc = self._location(res)
        try:
            self.api.delete_blob_upload_chunk(name, _uuid(loc), url=loc)
        except APIError:
            pass
        return False

    def delete_blob(self, name: str, digest: str) -> None:
        self.api.delete_blob(name, digest)

    # -- manifests ------------------------------------------------------------------------------

    def push_manifest(self, name: str, reference: str, manifest: bytes | Mapping[str, Any],
                      media_type: str | None = None) -> str:
        """Store a manifest under a tag or digest; returns its digest.

        A mapping is serialised as JSON; ``media_type`` defaults to its ``mediaType`` field.
        """
        if isinstance(manifest, Mapping):
            media_type = media_type or manifest.get("mediaType")
            content = json.dumps(manifest, indent=3).encode()
        else:
            content = bytes(manifest)
            if media_type is None:
                try:
                    media_type = json.loads(content).get("mediaType")
                except (ValueError, AttributeError):
                    media_type = None
        if not media_type:
            raise ClientError("push_manifest needs a media type (no mediaType field to take it from)")
        res = self.api.put_manifest(name, reference, body=content, content_type=media_type,
                                    content_length=len(content))
        return res.docker_content_digest or digest_of(content)

    def get_manifest(self, name: str, reference: str,
                     accept: tuple[str, ...] | list[str] = MANIFEST_TYPES) -> Manifest:
        """Fetch a manifest, accepting ``accept`` media types; a digest reference is verified."""
        res = self.api.get_manifest(name, reference, headers={"Accept": ", ".join(accept)})
        content = res.content or b""
        media_type = res.headers.get("content-type", "").split(";")[0].strip()
        if ":" in reference:
            got = digest_of(content, algorithm_of(reference))
            if got != reference:
                raise DigestMismatch(f"manifest {name}@{reference}: the registry sent {got}")
            digest = reference
        else:
            digest = res.docker_content_digest or digest_of(content)
        return Manifest(media_type, digest, content)

    def delete_manifest(self, name: str, digest: str) -> None:
        self.api.delete_manifest(name, digest)

    # -- listings -------------------------------------------------------------------------------

    def tags(self, name: str, page_size: int | None = None) -> Iterator[str]:
        """Every tag of a repository, page after page following ``Link``."""
        return self._paged(lambda **kw: self.api.tags_paginated(name, **kw), "tags", page_size)

    def catalog(self, page_size: int | None = None) -> Iterator[str]:
        """Every repository name, page after page following ``Link``."""
        return self._paged(self.api.catalog_fetch_paginated, "repositories", page_size)

    def _paged(self, call: Callable[..., Any], key: str, page_size: int | None) -> Iterator[str]:
        kwargs: dict[str, Any] = {} if page_size is None else {"n": page_size}
        url: str | None = None
        seen: set[str] = set()
        while True:
            res = call(url=url, **({} if url else kwargs))
            body = res.body if isinstance(res.body, dict) else {}
            yield from body.get(key) or []
            link = res.headers.get("link")
            m = _LINK.search(link or "")
            if not m:
                return
            url = self.transport.url(m.group(1))
            if url in seen:
                raise ClientError(f"the registry's Link header loops back to {url}")
            seen.add(url)

    # -- extension: referrers --------------------------------------------------------------------

    def referrers(self, name: str, digest: str, artifact_type: str | None = None) -> list[dict]:
        """Descriptors of the manifests whose ``subject`` is ``digest`` (OCI referrers API)."""
        if hasattr(self.api, "list_referrers"):      # a set with the referrers API
            res = self.api.list_referrers(name, digest, artifact_type=artifact_type,
                                          headers={"Accept": OCI_INDEX})
            body = res.body if isinstance(res.body, dict) else {}
        else:
            path = self.module.OPERATIONS["fetch_blob"].path({"name": name, "digest": digest})
            resp = self.transport.send(
                "GET", path.replace("/blobs/", "/referrers/"), headers={"Accept": OCI_INDEX},
                params=[("artifactType", artifact_type)] if artifact_type else [])
            if resp.status_code != 200:
                from specgen.client.errors import raise_for
                raise_for(resp, self.api.ERRORS)
            body = resp.json()
        return list(body.get("manifests") or [])


class _Restart(Exception):
    """The registry cannot continue this upload session; start a new one if the source allows."""


def _uuid(location: str) -> str:
    """The upload id: the last segment of an upload Location path."""
    return urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]


def _range_end(value: str | None) -> int | None:
    """How many bytes a ``Range: 0-<last>`` upload status says the registry holds."""
    if not value:
        return 0
    m = re.fullmatch(r"\s*(?:bytes=)?0-(\d+)\s*", value)
    if not m:
        return None
    last = int(m.group(1))
    return last + 1 if last > 0 else 0
