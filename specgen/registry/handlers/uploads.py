"""The blob upload routes: start an upload (resumable, monolithic, or a mount from another
repository), then report, append to, close or cancel the session."""

from __future__ import annotations

import contextlib
import re

from specgen.auth.caller import Caller
from specgen.auth.caller import caller as auth_caller
from specgen.distribution.digest import ALGORITHMS
from specgen.distribution.grammar import NAME_REGEXP
from specgen.registry.handlers.common import (
    NAME_MAX,
    Entity,
    blob_created,
    checked_digest,
    range_mismatch,
    repository,
    upload_errors,
    upload_headers,
)
from specgen.registry.handlers.requests import (
    ChunkRequest,
    CloseUploadRequest,
    MonolithicUploadRequest,
    MountFromRequest,
    MountRequest,
    RepositoryRequest,
    UploadRequest,
    optional,
)
from specgen.registry.storage import DigestMismatch, RangeMismatch
from specgen.server.runtime import APIError, Response

_CONTENT_RANGE = re.compile(r"^(?:bytes )?(\d+)-(\d+)(?:/(?:\d+|\*))?$")
_NAME = NAME_REGEXP.python


class Uploads(Entity):
    # -- starting -----------------------------------------------------------------------------------
    async def _new_upload(self, request: RepositoryRequest, name: str) -> Response:
        algorithm = optional(request, "digest_algorithm", "digest-algorithm") or "sha256"
        if algorithm not in ALGORITHMS:
            raise APIError("DIGEST_INVALID", message=f"unsupported digest algorithm {algorithm!r}")
        info = await self.driver.create_upload(name, algorithm)
        await request.drain()
        return Response(202, upload_headers(self.ctx, request, name, info.id, 0))

    async def initiate_resumable_blob_upload(self, request: RepositoryRequest) -> Response:
        return await self._new_upload(request, repository(request))

    async def initiate_monolithic_blob_upload(self, request: MonolithicUploadRequest) -> Response:
        name = repository(request)
        digest = checked_digest(request.digest)
        info = await self.driver.create_upload(name, digest.partition(":")[0])
        try:
            await self._close(request, name, info.id, digest)
        except BaseException:
            # no client knows this session's id: whatever failed, it must not outlive the request
            with contextlib.suppress(Exception):
                await self.driver.cancel_upload(name, info.id)
            raise
        return blob_created(self.ctx, request, name, digest, upload_id=info.id)

    async def _mount(self, request: MountRequest, source: str | None) -> Response:
        name = repository(request)
        digest = checked_digest(request.mount)
        who = auth_caller(request.scope)  # None: no access controller, everyone may pull everything
        if source:  # a name outside the grammar (say "../x") never reaches the storage
            found = (
                _NAME.fullmatch(source) is not None
                and len(source) <= NAME_MAX
                and (who is None or who.may_pull(source))  # only from a repository the caller may pull
                and await self.driver.repo_has_blob(source, digest)
            )
        elif who is None:  # anonymous mount: the blob may be linked anywhere in this registry
            found = await self.driver.blob_exists(digest)
        else:  # anonymous mount behind auth: only in the repositories the caller may pull
            found = await self._in_pullable_repository(who, digest)
        if not found or not await self.driver.blob_exists(digest):
            return await self._new_upload(request, name)  # clients with stale caches rely on this
        await request.drain()
        await self.driver.link_blob(name, digest)
        await self.driver.touch_blob(digest)  # new in this repository: young for garbage collection
        return blob_created(self.ctx, request, name, digest)

    async def _in_pullable_repository(self, who: Caller, digest: str) -> bool:
        last = None
        while True:
            names = await self.driver.repositories(last, 1000)
            for repo in names:
                if who.may_pull(repo) and await self.driver.repo_has_blob(repo, digest):
                    return True
            if len(names) < 1000:
                return False
            last = names[-1]

    async def mount_blob(self, request: MountFromRequest) -> Response:
        return await self._mount(request, request.from_)

    async def anonymous_mount_blob(self, request: MountRequest) -> Response:
        return await self._mount(request, None)

    # -- a session in progress ----------------------------------------------------------------------
    async def get_blob_upload(self, request: UploadRequest) -> Response:
        name = repository(request)
        with upload_errors(request.uuid):
            info = await self.driver.upload_status(name, request.uuid)
        return Response(204, upload_headers(self.ctx, request, name, info.id, info.offset))

    async def stream_upload(self, request: UploadRequest) -> Response:
        return await self._append(request, None)

    async def chunked_upload(self, request: ChunkRequest) -> Response:
        return await self._append(request, request.content_range)

    async def _append(self, request: UploadRequest, content_range: str | None) -> Response:
        name = repository(request)
        upload_id = request.uuid
        start = end = None
        if content_range:
            m = _CONTENT_RANGE.match(content_range.strip())
            if m is None:
                with upload_errors(upload_id):
                    info = await self.driver.upload_status(name, upload_id)
                raise APIError(
                    "RANGE_INVALID",
                    status=416,
                    message="malformed Content-Range",
                    headers=upload_headers(self.ctx, request, name, upload_id, info.offset),
                )
            start, end = int(m.group(1)), int(m.group(2))
        try:
            with upload_errors(upload_id):
                info = await self.driver.append_upload(name, upload_id, request, start, end)
        except RangeMismatch as exc:
            message = (
                "chunk length does not match its Content-Range"
                if start == exc.offset and end is not None and end >= start
                else "chunk does not start at the end of the upload"
            )
            raise range_mismatch(self.ctx, request, name, upload_id, exc, message) from None
        return Response(202, upload_headers(self.ctx, request, name, info.id, info.offset))

    async def _close(self, request: RepositoryRequest, name: str, upload_id: str, digest: str) -> int:
        """Commit the session with the request's body as its last chunk; the blob's size."""
        start = None
        content_range = request.headers.get("content-range")  # declared by oci_v1_1 only
        if content_range:
            m = _CONTENT_RANGE.match(content_range.strip())
            if m is None:
                raise APIError("RANGE_INVALID", status=416, message="malformed Content-Range")
            start = int(m.group(1))
        try:
            with upload_errors(upload_id):
                size = await self.driver.commit_upload(name, upload_id, request, digest, start)
            await self.driver.touch_blob(digest)  # an existing blob stored again is young again (gc)
            return size
        except RangeMismatch as exc:
            raise range_mismatch(
                self.ctx,
                request,
                name,
                upload_id,
                exc,
                "closing chunk does not start at the end of the upload",
                "RANGE_INVALID",
                "BLOB_UPLOAD_INVALID",
            ) from None
        except DigestMismatch:
            raise APIError(
                "DIGEST_INVALID", message="provided digest did not match uploaded content", detail=digest
            ) from None

    async def put_blob_upload(self, request: CloseUploadRequest) -> Response:
        name = repository(request)
        upload_id = request.uuid
        with upload_errors(upload_id):
            await self.driver.upload_status(name, upload_id)
        digest = checked_digest(request.digest)
        size = await self._close(request, name, upload_id, digest)
        return blob_created(self.ctx, request, name, digest, size=size)

    async def delete_blob_upload(self, request: UploadRequest) -> Response:
        name = repository(request)
        with upload_errors(request.uuid):
            await self.driver.cancel_upload(name, request.uuid)
        return Response(204, {"Content-Length": "0"})
