"""The blob route: fetch (whole, or a byte range), check and delete a blob of a repository."""

from __future__ import annotations

import re

from specgen.registry.handlers.common import Entity, checked_digest, repository
from specgen.registry.handlers.requests import BlobPartRequest, BlobRequest
from specgen.server.runtime import APIError, Response

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Blobs(Entity):
    async def _find(self, request: BlobRequest) -> tuple[str, str, int]:
        """(repository, digest, size) of a blob the repository links, else ``APIError``."""
        name = repository(request)
        digest = checked_digest(request.digest)
        size = await self.driver.stat_blob(digest)
        if size is None or not await self.driver.repo_has_blob(name, digest):
            raise APIError("BLOB_UNKNOWN", "NAME_UNKNOWN", message="blob unknown to registry", detail=digest)
        return name, digest, size

    async def fetch_blob(self, request: BlobRequest) -> Response:
        _, digest, size = await self._find(request)
        headers = {
            "Content-Type": "application/octet-stream",
            "Docker-Content-Digest": digest,
            "Accept-Ranges": "bytes",
            "Etag": f'"{digest}"',
            "Cache-Control": "max-age=31536000",
        }
        if request.head:
            return Response(200, {**headers, "Content-Length": str(size)})
        url = await self.driver.blob_url(digest)  # a driver that redirects pulls to its store
        if url is not None:
            return Response(307, {"Location": url, "Docker-Content-Digest": digest, "Content-Length": "0"})
        return Response(200, {**headers, "Content-Length": str(size)}, await self.driver.read_blob(digest, 0, size))

    async def check_blob(self, request: BlobRequest) -> Response:
        """HEAD, where the set declares it (``request.head`` is set)."""
        return await self.fetch_blob(request)

    async def fetch_blob_part(self, request: BlobPartRequest) -> Response:
        _, digest, size = await self._find(request)
        m = _RANGE.match((request.range or "").strip())
        start = end = None
        if m is not None and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else size - 1
            else:  # suffix range: the last N bytes
                n = int(m.group(2))
                start, end = max(size - n, 0), size - 1
                if n == 0:
                    start = size
            end = min(end, size - 1)
        if start is None or end is None or start > end or start >= size:
            raise APIError(
                "RANGE_INVALID",
                status=416,
                message="requested range not satisfiable",
                headers={"Content-Range": f"bytes */{size}"},
            )
        headers = {
            "Content-Type": "application/octet-stream",
            "Docker-Content-Digest": digest,
            "Content-Range": f"bytes {start}-{end}/{size}",
            "Accept-Ranges": "bytes",
        }
        count = end - start + 1
        if request.head:
            return Response(206, {**headers, "Content-Length": str(count)})
        return Response(
            206, {**headers, "Content-Length": str(count)}, await self.driver.read_blob(digest, start, count)
        )

    async def delete_blob(self, request: BlobRequest) -> Response:
        name = repository(request)
        digest = checked_digest(request.digest)
        if not await self.driver.unlink_blob(name, digest):
            raise APIError("BLOB_UNKNOWN", "NAME_UNKNOWN", message="blob unknown to registry", detail=digest)
        return Response(202, {"Content-Length": "0", "Docker-Content-Digest": digest})
