"""The catalog route: every repository in lexical order, paginated with ``n`` and ``last``."""

from __future__ import annotations

from specgen.registry.handlers.common import Entity, page, page_size
from specgen.registry.handlers.requests import AnyRequest, PageRequest
from specgen.server.runtime import Response


class Catalog(Entity):
    async def _list(self, n: object, last: str | None) -> Response:
        size = page_size(n)
        found = await self.driver.repositories(last or None, None if size is None else size + 1)
        repos, headers = page(found, size, self.ctx.paths.catalog())
        return Response.json({"repositories": repos}, headers=headers)

    async def catalog_fetch(self, request: AnyRequest) -> Response:
        return await self._list(None, None)

    async def catalog_fetch_paginated(self, request: PageRequest) -> Response:
        return await self._list(request.n, request.last)
