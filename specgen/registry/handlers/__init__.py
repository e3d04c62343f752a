"""The registry's handlers, one module per entity, composed into ``Registry``, the backend the
generated server stub of a registry set calls.

Each route of a set is served by the entity registered for its route name
(``specgen.distribution.routenames``), as distribution's ``app.register(v2.RouteNameManifest, ...)``;
``Registry`` exposes their methods under the generated ``Handlers`` interface's names, and
``tests/test_registry_interface.py`` has mypy prove it matches each bundled set's interface.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from specgen.distribution import routenames
from specgen.errors import UserError
from specgen.model import DescriptorSet
from specgen.registry.handlers.base import Base
from specgen.registry.handlers.blobs import Blobs
from specgen.registry.handlers.catalog import Catalog
from specgen.registry.handlers.common import Context, Entity
from specgen.registry.handlers.manifests import Manifests
from specgen.registry.handlers.referrers import Referrers
from specgen.registry.handlers.tags import Tags
from specgen.registry.handlers.uploads import Uploads
from specgen.registry.storage import StorageDriver
from specgen.server.runtime import Route

__all__ = ["Registry"]


class Registry:
    """The backend: one instance of each entity on a shared context, their handler methods under
    the interface's names, and the periodic purge of abandoned upload sessions."""

    def __init__(
        self, driver: StorageDriver, dset: DescriptorSet, *, upload_ttl: float = 24 * 3600, purge_interval: float = 3600
    ):
        self.driver = driver
        self.dset = dset
        self.upload_ttl = upload_ttl
        self.purge_interval = purge_interval
        self._purger: asyncio.Task | None = None
        ctx = Context(driver, dset)
        base, tags, manifests = Base(ctx), Tags(ctx), Manifests(ctx)
        blobs, uploads, catalog, referrers = Blobs(ctx), Uploads(ctx), Catalog(ctx), Referrers(ctx)
        #: route name → the entity serving it (distribution's ``app.register``)
        self.routes: dict[str, Entity] = {
            routenames.BASE: base,
            routenames.TAGS: tags,
            routenames.MANIFEST: manifests,
            routenames.BLOB: blobs,
            routenames.BLOB_UPLOAD: uploads,
            routenames.BLOB_UPLOAD_CHUNK: uploads,
            routenames.CATALOG: catalog,
            routenames.REFERRERS: referrers,
        }
        # the handler interface, method by method (mypy checks these against each set's Handlers)
        self.get_base = base.get_base
        self.tags = tags.tags
        self.tags_paginated = tags.tags_paginated
        self.catalog_fetch = catalog.catalog_fetch
        self.catalog_fetch_paginated = catalog.catalog_fetch_paginated
        self.get_manifest = manifests.get_manifest
        self.check_manifest = manifests.check_manifest
        self.put_manifest = manifests.put_manifest
        self.delete_manifest = manifests.delete_manifest
        self.fetch_blob = blobs.fetch_blob
        self.fetch_blob_part = blobs.fetch_blob_part
        self.check_blob = blobs.check_blob
        self.delete_blob = blobs.delete_blob
        self.initiate_monolithic_blob_upload = uploads.initiate_monolithic_blob_upload
        self.initiate_resumable_blob_upload = uploads.initiate_resumable_blob_upload
        self.mount_blob = uploads.mount_blob
        self.anonymous_mount_blob = uploads.anonymous_mount_blob
        self.get_blob_upload = uploads.get_blob_upload
        self.stream_upload = uploads.stream_upload
        self.chunked_upload = uploads.chunked_upload
        self.put_blob_upload = uploads.put_blob_upload
        self.delete_blob_upload = uploads.delete_blob_upload
        self.list_referrers = referrers.list_referrers

    def check_routes(self, routes: Iterable[Route]) -> None:
        """Refuse a route table whose routes this backend does not serve, or whose handlers are
        not the methods of the entity registered for the route's name."""
        for route in routes:
            entity = self.routes.get(route.name)
            if entity is None:
                raise UserError(
                    f"set {self.dset.name!r}: no handlers for route {route.name!r} "
                    f"(the registry serves {', '.join(sorted(self.routes))})"
                )
            for ops in route.methods.values():
                for op in ops:
                    bound = getattr(self, op.handler, None)
                    if getattr(bound, "__self__", None) is not entity:
                        raise UserError(
                            f"set {self.dset.name!r}: handler {op.handler!r} of route "
                            f"{route.name!r} is not one of {type(entity).__name__}'s"
                        )

    # -- lifecycle --------------------------------------------------------------------------------
    async def startup(self) -> None:
        await self.driver.purge_uploads(self.upload_ttl)
        self._purger = asyncio.get_running_loop().create_task(self._purge_loop())

    async def shutdown(self) -> None:
        if self._purger is not None:
            self._purger.cancel()
        await self.driver.close()

    async def _purge_loop(self) -> None:
        while True:
            await asyncio.sleep(self.purge_interval)
            await self.driver.purge_uploads(self.upload_ttl)
