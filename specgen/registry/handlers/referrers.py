"""The referrers route (OCI v1.1): the manifests whose ``subject`` is a digest, as an image index."""

from __future__ import annotations

from specgen.distribution.mediatypes import OCI_INDEX
from specgen.registry.handlers.common import Entity, checked_digest, repository
from specgen.registry.handlers.requests import ReferrersRequest
from specgen.server.runtime import Response


class Referrers(Entity):
    async def list_referrers(self, request: ReferrersRequest) -> Response:
        name = repository(request)
        subject = checked_digest(request.digest)
        items = await self.driver.referrers(name, subject)
        headers = {}
        artifact_type = request.artifacttype  # the artifactType query
        if artifact_type:
            items = [d for d in items if d.get("artifactType") == artifact_type]
            headers["OCI-Filters-Applied"] = "artifactType"
        body = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": items}
        return Response.json(body, headers=headers, content_type=OCI_INDEX)
