"""Pushing a blob: one PUT for small ones, PATCH chunks for the rest, hashed on the way; a dropped
connection is resumed from the registry's upload status, and an upload the registry cannot resume
starts over when the source can be read again."""

from __future__ import annotations

import os

from specgen.client.blobs import Blobs
from specgen.client.connection import Connection, upload_id
from specgen.client.errors import APIError, ClientError
from specgen.client.runtime import Progress, TransportError
from specgen.client.sessions import UploadSessions
from specgen.client.source import Reader, Source
from specgen.client.streams import Payload, Streams, range_end  # noqa: F401  (range_end: API of old)
from specgen.distribution.digest import algorithm_of, digest_of, hasher

#: how often an upload the registry cannot resume is started over
RESTARTS = 3


class Restart(Exception):
    """The registry cannot continue this upload session; start a new one if the source allows."""


class Uploader:
    """Blob pushes to one registry: at most ``monolithic_threshold`` bytes in one PUT, larger blobs
    in PATCH chunks of ``chunk_size`` bytes."""

    def __init__(
        self,
        conn: Connection,
        blobs: Blobs,
        *,
        chunk_size: int,
        monolithic_threshold: int,
        wire_chunk_size: int | None = None,
        sessions: UploadSessions | None = None,
    ) -> None:
        self.conn = conn
        self.blobs = blobs
        self.chunk_size = chunk_size
        self.monolithic_threshold = monolithic_threshold
        #: PATCH size of the socket path for files and bytes (None: the whole body in one PATCH,
        #: which measured fastest; see docs/client.md)
        self.wire_chunk_size = wire_chunk_size
        self.streams = Streams(conn)
        #: where uploads of blobs with a known digest are recorded, to be continued by a later
        #: process (``specgen.client.sessions``); None: not recorded
        self.sessions = sessions

    def push(
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
        """Upload a blob and return its digest (see ``RegistryClient.push_blob``)."""
        chunk = chunk_size or self.chunk_size
        threshold = self.monolithic_threshold if monolithic_threshold is None else monolithic_threshold
        if digest is not None:
            algorithm = algorithm_of(digest)
        if self.conn.transport.wire is not None and not isinstance(source, (str, os.PathLike)):
            payload = Payload.of(source)
            if payload is not None and payload.size > threshold:
                return self._push_payload(name, payload, digest, algorithm, progress, chunk_size)
        elif self.conn.transport.wire is not None:
            with open(os.fspath(source), "rb") as f:  # type: ignore[arg-type]
                payload = Payload.of(f)
                if payload is not None and payload.size > threshold:
                    return self._push_payload(name, payload, digest, algorithm, progress, chunk_size)
        with Reader(source) as reader:
            total = reader.size
            if digest is not None and self.blobs.exists(name, digest) is not None:
                if progress is not None and total is not None:
                    progress(total, total)
                return digest
            for restart in range(RESTARTS):
                try:
                    return self._push_once(name, reader, digest, algorithm, chunk, threshold, total, progress)
                except Restart as exc:
                    if restart == RESTARTS - 1 or not reader.rewind():
                        raise ClientError(
                            f"upload to {name} broke and the registry cannot resume it ({exc}); "
                            "the source cannot be read again (pass a file, a path or bytes to "
                            "let the client start over)"
                        ) from exc.__cause__
            raise AssertionError("unreachable")

    def _push_payload(
        self,
        name: str,
        payload: Payload,
        digest: str | None,
        algorithm: str,
        progress: Progress | None,
        chunk_size: int | None,
    ) -> str:
        """A file or bytes of known size over the socket path (``specgen.client.streams``)."""
        if digest is not None and self.blobs.exists(name, digest) is not None:
            if progress is not None:
                progress(payload.size, payload.size)
            return digest
        pushed = self.streams.push(
            name,
            payload,
            digest=digest,
            algorithm=algorithm,
            progress=progress,
            chunk_size=chunk_size or self.wire_chunk_size,
            sessions=self.sessions,
        )
        if payload.file is not None:  # as if read: the file stands at its end, as the httpx path leaves it
            payload.file.seek(payload.offset + payload.size)
        return pushed

    def _push_once(
        self,
        name: str,
        reader: Reader,
        digest: str | None,
        algorithm: str,
        chunk: int,
        threshold: int,
        total: int | None,
        progress: Progress | None,
    ) -> str:
        api = self.conn.api
        head = reader.read(threshold + 1)
        location = self.conn.location(api.initiate_resumable_blob_upload(name))
        if len(head) <= threshold:
            final = digest or digest_of(head, algorithm)
            api.put_blob_upload_chunk(
                name,
                upload_id(location),
                digest=final,
                body=head,
                url=location,
                content_length=len(head),
                progress=(lambda n, _t: progress(n, len(head))) if progress else None,
            )
            return final  # the registry checked it; it may name it by another
        return self._push_chunks(name, location, reader, head, digest, algorithm, chunk, total, progress)

    def _push_chunks(
        self,
        name: str,
        location: str,
        reader: Reader,
        head: bytes,
        digest: str | None,
        algorithm: str,
        chunk: int,
        total: int | None,
        progress: Progress | None,
    ) -> str:
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
            self.conn.api.put_blob_upload_chunk(
                name, upload_id(location), digest=final, url=location, body=b"", content_length=0
            )
        except self.conn.module.BlobUploadUnknown:
            # a retried PUT whose first attempt completed the upload: the blob is there
            if self.blobs.exists(name, final) is None:
                raise
        return final

    def _send_chunk(self, name: str, location: str, piece: bytes, offset: int, attempts: int = 4) -> str:
        """PATCH ``piece`` at ``offset``; after a dropped connection, ask the registry how much it
        has (GET upload status) and send only the rest. Returns the next upload location."""
        api = self.conn.api
        start = 0
        for _ in range(attempts):
            data = piece[start:]
            first = offset + start
            try:
                res = api.chunked_upload(
                    name,
                    upload_id(location),
                    url=location,
                    body=data,
                    content_length=len(data),
                    content_range=f"{first}-{first + len(data) - 1}",
                )
                return self.conn.location(res, location)
            except TransportError as exc:
                error: Exception = exc
            try:
                status = api.get_blob_upload_chunk(name, upload_id(location), url=location)
            except (APIError, TransportError) as exc:
                # e.g. distribution: its upload state token is stale once a chunk was applied
                raise Restart(f"upload status: {exc}") from error
            location = self.conn.location(status, location)
            have = range_end(status.range)
            if have is None or not offset <= have <= offset + len(piece):
                raise Restart(f"the registry holds {have} bytes, we sent from {offset}") from error
            if have == offset + len(piece):
                return location
            start = have - offset
        raise ClientError(f"upload of {name}: chunk at {offset} failed {attempts} times") from error
