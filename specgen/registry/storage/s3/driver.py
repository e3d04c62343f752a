"""``S3Driver``: the registry's storage in an S3 bucket (AWS, SeaweedFS, MinIO, ...), shared by any
number of ``specgen serve`` nodes. Settings: ``specgen.registry.storage.s3.config``; layout:
``keys``; upload sessions: ``uploads``; garbage collection (the claim protocol): ``collect``.

Consistency: every object is written whole (S3 PUTs are atomic), a blob before the revision link
that names it, a revision before the tags that point at it; so a reader on any node sees either
the old state or the new one. Two nodes writing one tag at once: the last PUT wins, whole.
Durability: a call returns only after the store acknowledged its writes (the store's durability
is the registry's).
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from specgen.errors import UserError
from specgen.registry.hashing import Hasher
from specgen.registry.storage.driver import (
    BlobBody,
    BlobUnknown,
    DigestMismatch,
    IncomingBody,
    StorageDriver,
    UploadInfo,
)
from specgen.registry.storage.s3 import collect
from specgen.registry.storage.s3.client import S3, is_missing
from specgen.registry.storage.s3.config import check_bucket, parse
from specgen.registry.storage.s3.keys import Keys, split_digest
from specgen.registry.storage.s3.uploads import Sessions

#: Bytes of manifest content a driver instance keeps in memory.
MANIFEST_CACHE = 16 << 20


class S3Driver(StorageDriver):
    """Parameters: see ``specgen.registry.storage.s3.config`` (``bucket``, ``regionendpoint``,
    ``accesskey``/``secretkey`` or their environment variables, ...)."""

    name = "s3"

    def __init__(self, **params: Any):
        self.config = parse(**params)
        try:
            import aiobotocore  # noqa: F401
        except ImportError:
            raise UserError("the s3 storage driver needs aiobotocore: pip install 'specgen[s3]'") from None
        if self.config.check:
            check_bucket(self.config)
        self.s3 = S3(self.config)
        self.keys = Keys(self.config.prefix)
        self.sessions = Sessions(self.s3, self.keys, self.config.part_size, self._link)
        self._marked: set[str] = set()  # repositories whose catalog marker this instance wrote
        self._manifests: OrderedDict[str, bytes] = OrderedDict()  # digest -> content, most recent last
        self._manifest_bytes = 0

    def __repr__(self) -> str:
        return f"S3Driver({self.config.where}, prefix={self.config.prefix!r})"

    async def close(self) -> None:
        await self.s3.close()

    # -- blobs ------------------------------------------------------------------------------------
    async def stat_blob(self, digest: str) -> int | None:
        head = await self.s3.head(self.keys.blob(digest))
        return None if head is None else int(head["ContentLength"])

    async def read_blob(self, digest: str, offset: int = 0, count: int | None = None) -> BlobBody:
        if count == 0:
            await self._need(digest)
            return b""
        rng = None
        if offset or count is not None:
            rng = f"bytes={offset}-" + (str(offset + count - 1) if count is not None else "")
        from botocore.exceptions import ClientError

        try:
            _, pieces = await self.s3.stream(self.keys.blob(digest), rng)
        except ClientError as exc:
            if is_missing(exc):
                raise BlobUnknown(digest) from None
            code = exc.response.get("Error", {}).get("Code")
            if code in ("InvalidRange", "416"):  # offset at the end: nothing to send
                await self._need(digest)
                return b""
            raise
        return pieces

    async def _need(self, digest: str) -> None:
        if not await self.s3.exists(self.keys.blob(digest)):
            raise BlobUnknown(digest)

    async def blob_url(self, digest: str, expires: int = 1200) -> str | None:  # noqa: D417
        """A presigned GET URL of the blob when the driver redirects pulls (``redirect=true``),
        else None (as distribution's ``storage.redirect``)."""
        if not self.config.redirect:
            return None
        client = await self.s3.client()
        return await client.generate_presigned_url(
            "get_object", Params={"Bucket": self.config.bucket, "Key": self.keys.blob(digest)}, ExpiresIn=expires
        )

    async def put_blob(self, digest: str, data: bytes) -> None:
        _check(digest, data)
        await self.s3.put(self.keys.blob(digest), data)

    async def delete_blob(self, digest: str) -> bool:
        if not await self._delete(self.keys.blob(digest)):
            return False
        await self._delete(self.keys.touched(digest))
        return True

    async def _delete(self, key: str) -> bool:
        if await self.s3.head(key) is None:
            return False
        await self.s3.delete(key)
        return True

    # -- repository links -------------------------------------------------------------------------
    async def _mark(self, name: str) -> None:
        """The repository's catalog entry (written once per instance; idempotent)."""
        if name not in self._marked:
            await self.s3.put(self.keys.marker(name), b"")
            self._marked.add(name)

    async def _link(self, name: str, digest: str) -> None:
        link = self.keys.layer_link(name, digest)  # refuse a bad name before any work
        await asyncio.gather(self._mark(name), self.s3.put(link, digest.encode()))

    async def link_blob(self, name: str, digest: str) -> None:
        await self._link(name, digest)

    async def unlink_blob(self, name: str, digest: str) -> bool:
        return await self._delete(self.keys.layer_link(name, digest))

    async def repo_has_blob(self, name: str, digest: str) -> bool:
        # the layer link first: what a manifest PUT and a blob GET mostly ask about (one request)
        if await self.s3.exists(self.keys.layer_link(name, digest)):
            return True
        return await self.s3.exists(self.keys.revision_link(name, digest))

    async def repository_exists(self, name: str) -> bool:
        return await self.s3.exists(self.keys.marker(name))

    async def repositories(self, last: str | None = None, limit: int | None = None) -> list[str]:
        # every marker, sorted here: names hold "/", and SeaweedFS lists a bucket folder by folder
        # (``a/x/c`` before ``a/x-y``) and skips all of ``a/x/...`` after StartAfter ``a/x``, so
        # neither its order nor its StartAfter is the API's lexical order (AWS S3's would be)
        base = self.keys.catalog
        names = sorted(k[len(base) :] for k in await self.s3.keys(base))  # code points: UTF-8 byte order
        if last:
            names = [n for n in names if n > last]
        return names if limit is None else names[:limit]

    # -- manifests --------------------------------------------------------------------------------
    async def put_manifest(
        self, name: str, digest: str, data: bytes, media_type: str, tags: Sequence[str] = ()
    ) -> None:
        revision = self.keys.revision_link(name, digest)  # refuse a bad name before any work
        tag_keys = [self.keys.tag(name, tag) for tag in tags]
        _check(digest, data)
        # the blob before the revision that names it, the revision before the tags pointing at it
        await asyncio.gather(self.s3.put(self.keys.blob(digest), data), self._mark(name))
        await self.s3.put(revision, media_type.encode())
        await asyncio.gather(*(self.s3.put(key, digest.encode()) for key in tag_keys))
        self._remember(digest, data)

    async def manifest_media_type(self, name: str, digest: str) -> str | None:
        raw = await self.s3.get_bytes(self.keys.revision_link(name, digest))
        return None if raw is None else raw.decode()

    async def get_manifest(self, name: str, digest: str) -> tuple[bytes, str] | None:
        cached = self._manifests.get(digest)
        if cached is not None:  # content by digest never changes; the revision is asked every time
            self._manifests.move_to_end(digest)
            media_type = await self.manifest_media_type(name, digest)
            return None if media_type is None else (cached, media_type)
        media_type, data = await asyncio.gather(
            self.manifest_media_type(name, digest), self.s3.get_bytes(self.keys.blob(digest))
        )
        if media_type is None or data is None:
            return None
        self._remember(digest, data)
        return data, media_type

    def _remember(self, digest: str, data: bytes) -> None:
        """Keep a manifest's bytes (a few MiB in all) so a GET costs one request less."""
        if len(data) > MANIFEST_CACHE // 16 or digest in self._manifests:
            return
        self._manifests[digest] = data
        self._manifest_bytes += len(data)
        while self._manifest_bytes > MANIFEST_CACHE:
            _, old = self._manifests.popitem(last=False)
            self._manifest_bytes -= len(old)

    async def delete_manifest(self, name: str, digest: str) -> bool:
        return await self._delete(self.keys.revision_link(name, digest))

    async def manifests(self, name: str) -> list[str]:
        base = self.keys.revisions(name)
        out = []
        for key in await self.s3.keys(base):
            alg, _, rest = key[len(base) :].partition("/")
            hexd, _, leaf = rest.partition("/")
            if leaf == "link":
                out.append(f"{alg}:{hexd}")
        return sorted(out)

    # -- tags -------------------------------------------------------------------------------------
    async def set_tag(self, name: str, tag: str, digest: str) -> None:
        await self.s3.put(self.keys.tag(name, tag), digest.encode())

    async def get_tag(self, name: str, tag: str) -> str | None:
        raw = await self.s3.get_bytes(self.keys.tag(name, tag))
        digest = None if raw is None else raw.decode()
        return digest if digest and ":" in digest else None

    async def delete_tag(self, name: str, tag: str) -> bool:
        return await self._delete(self.keys.tag(name, tag))

    async def tags(self, name: str, last: str | None = None, limit: int | None = None) -> list[str]:
        base = self.keys.tags(name)
        keys = await self.s3.keys(base, start_after=base + last if last else None, limit=limit)
        return [k[len(base) :] for k in keys]

    # -- referrers --------------------------------------------------------------------------------
    async def add_referrer(self, name: str, subject: str, digest: str, descriptor: dict) -> None:
        await self.s3.put(self.keys.referrer(name, subject, digest), json.dumps(descriptor, sort_keys=True).encode())

    async def referrers(self, name: str, subject: str) -> list[dict]:
        keys = await self.s3.keys(self.keys.referrers_of(name, subject))
        found = await asyncio.gather(*(self.s3.get_bytes(k) for k in sorted(keys)))
        out = []
        for raw in found:
            try:
                if raw is not None:
                    out.append(json.loads(raw))
            except ValueError:
                continue
        return out

    async def remove_referrer(self, name: str, digest: str) -> None:
        alg, hexd = split_digest(digest)
        leaf = f"/{alg}-{hexd}"
        for key in await self.s3.keys(self.keys.referrers(name)):
            if key.endswith(leaf):
                await self.s3.delete(key)

    # -- upload sessions --------------------------------------------------------------------------
    async def create_upload(self, name: str, algorithm: str = "sha256") -> UploadInfo:
        return await self.sessions.create(name, algorithm)

    async def upload_status(self, name: str, upload_id: str) -> UploadInfo:
        return await self.sessions.status(name, upload_id)

    async def append_upload(
        self, name: str, upload_id: str, body: IncomingBody, start: int | None = None, end: int | None = None
    ) -> UploadInfo:
        return await self.sessions.append(name, upload_id, body, start, end)

    async def commit_upload(
        self, name: str, upload_id: str, body: IncomingBody, digest: str, start: int | None = None
    ) -> int:
        split_digest(digest)
        self.keys.repo(name)
        return await self.sessions.finish(name, upload_id, body, digest, start)

    async def cancel_upload(self, name: str, upload_id: str) -> None:
        await self.sessions.cancel(name, upload_id)

    async def list_uploads(self) -> list[UploadInfo]:
        return await self.sessions.list()

    async def purge_uploads(self, older_than: float, now: float | None = None) -> int:
        return await self.sessions.purge(older_than, now)

    # -- garbage collection (the protocol: ``specgen.registry.storage.s3.collect``) ----------------------
    async def list_blobs(self) -> list[str]:
        return await collect.list_blobs(self.s3, self.keys)

    async def layers(self, name: str) -> list[str]:
        return await collect.layers(self.s3, self.keys, name)

    async def blob_modified(self, digest: str) -> float | None:
        return await collect.modified(self.s3, self.keys, digest)

    async def touch_blob(self, digest: str) -> bool:
        return await collect.touch(self.s3, self.keys, digest)

    async def collect_blob(self, digest: str, older_than: float) -> int | None:
        found = await collect.collect(self.s3, self.keys, digest, older_than)
        if found is not None:
            self._manifests.pop(digest, None)  # a collected manifest's bytes are not served again
        return found


def _check(digest: str, data: bytes) -> None:
    alg, hexd = split_digest(digest)
    hasher = Hasher(alg)
    hasher.update(data)
    if hasher.hexdigest() != hexd:
        raise DigestMismatch(digest, len(data))
