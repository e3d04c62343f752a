"""The tags route: a repository's tags in lexical order, paginated with ``n`` and ``last``."""

from __future__ import annotations

from specgen.registry.handlers.common import Entity, page, page_size, repository
from specgen.registry.handlers.requests import RepositoryPageRequest, RepositoryRequest
from specgen.server.runtime import APIError, Response


class Tags(Entity):
    async def _list(self, request: RepositoryRequest, n: object, last: str | None) -> Response:
        name = repository(request)
        if not await self.driver.repository_exists(name):
            raise APIError("NAME_UNKNOWN", message="repository name not known to registry", detail={"name": name})
        size = page_size(n)
        found = await self.driver.tags(name, last or None, None if size is None else size + 1)
        tags, headers = page(found, size, self.ctx.paths.tags(name))
        return Response.json({"name": name, "tags": tags}, headers=headers)

    async def tags(self, request: RepositoryRequest) -> Response:
        return await self._list(request, None, None)

    async def tags_paginated(self, request: RepositoryPageRequest) -> Response:
        return await self._list(request, request.n, request.last)
