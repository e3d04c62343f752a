"""The base route (``GET /v2/``): the API version check."""

from __future__ import annotations

from specgen.registry.handlers.common import Entity
from specgen.registry.handlers.requests import AnyRequest
from specgen.server.runtime import Response


class Base(Entity):
    async def get_base(self, request: AnyRequest) -> Response:
        return Response.json({})
