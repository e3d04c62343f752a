"""Blobs already in a registry: existence, verified pulls (whole, streamed or a byte range),
cross-repository mount, delete. Pushing is ``specgen.client.uploads``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from specgen.client.connection import Connection, fallback_urls, upload_id
from specgen.client.errors import APIError, ClientError, DigestMismatch
from specgen.client.runtime import Progress
from specgen.distribution.digest import algorithm_of, hasher


class Blobs:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def exists(self, name: str, digest: str) -> int | None:
        """The blob's size when the repository has it, else ``None`` (a ``HEAD``)."""
        api = self.conn.api
        if hasattr(api, "check_blob"):  # a set that declares HEAD on blobs
            try:
                res = api.check_blob(name, digest)
            except APIError as exc:
                if exc.status == 404:
                    return None
                raise
            return res.content_length if res.content_length is not None else 0
        try:  # registry_v2 declares no HEAD, distribution answers it as the GET
            path = fallback_urls().blob(name, digest)
        except ValueError as exc:
            raise ClientError(f"blob {name}@{digest}: {exc}") from None
        resp = self.conn.transport.send("HEAD", path)
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            self.conn.raise_for(resp)
        return int(resp.headers.get("content-length", "0"))

    def iter(
        self,
        name: str,
        digest: str,
        *,
        progress: Progress | None = None,
        chunk_size: int = 1 << 20,
        verify: bool = True,
    ) -> Iterator[bytes]:
        """Stream a blob's bytes; the digest is checked at the end (``DigestMismatch``)."""
        h = hasher(algorithm_of(digest)) if verify else None
        res = self.conn.api.fetch_blob(name, digest, stream=True)
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

    def pull(
        self,
        name: str,
        digest: str,
        dest: IO[bytes] | None = None,
        *,
        range: tuple[int, int | None] | None = None,
        progress: Progress | None = None,
        verify: bool = True,
    ) -> bytes | int:
        """A blob's content (bytes), or written into ``dest`` (returns the byte count)."""
        if range is not None:
            data = self._part(name, digest, *range)
            if progress is not None:
                progress(len(data), len(data))
            if dest is None:
                return data
            dest.write(data)
            return len(data)
        if dest is not None and verify and self.conn.transport.wire is not None and hasattr(dest, "fileno"):
            from specgen.client.streams import Streams

            return Streams(self.conn).pull_into(name, digest, dest, progress=progress)
        pieces = self.iter(name, digest, progress=progress, verify=verify)
        if dest is None:
            return b"".join(pieces)
        count = 0
        for piece in pieces:
            dest.write(piece)
            count += len(piece)
        return count

    def _part(self, name: str, digest: str, start: int, end: int | None) -> bytes:
        """Bytes ``start``..``end`` (inclusive); a part cannot be checked against the digest, only
        its length."""
        spec = f"bytes={start}-{'' if end is None else end}"
        res = self.conn.api.fetch_blob_part(name, digest, range_=spec)
        data = res.content or b""
        if end is not None and len(data) != end - start + 1 and res.status == 206:
            raise ClientError(f"asked for {end - start + 1} bytes, got {len(data)}")
        if res.status == 200:  # the registry ignored Range: cut it ourselves
            data = data[start : None if end is None else end + 1]
        return data

    def mount(self, name: str, digest: str, from_repo: str | None = None) -> bool:
        """Mount a blob from another repository (from any, when ``from_repo`` is None and the set
        has anonymous mount); False when the registry would not (the upload it opened instead is
        cancelled)."""
        api = self.conn.api
        if from_repo is None:
            if not hasattr(api, "anonymous_mount_blob"):
                raise ClientError(f"the {self.conn.module.__name__} client has no anonymous mount")
            res = api.anonymous_mount_blob(name, mount=digest)
        else:
            res = api.mount_blob(name, mount=digest, from_=from_repo)
        if res.status == 201:
            return True
        loc = self.conn.location(res)
        try:
            api.delete_blob_upload_chunk(name, upload_id(loc), url=loc)
        except APIError:
            pass
        return False

    def delete(self, name: str, digest: str) -> None:
        self.conn.api.delete_blob(name, digest)
