"""The reference registry as an ASGI app: the generated stub of a set in front of ``Registry``,
storing through a storage driver chosen by name (``specgen.registry.storage.factory``)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from specgen.descriptors import load_set
from specgen.model import DescriptorSet
from specgen.registry.handlers import Registry
from specgen.registry.storage import factory
from specgen.server.runtime import App, tune_malloc

#: Headers on every response, as distribution sends them.
DEFAULT_HEADERS = {"Docker-Distribution-API-Version": "registry/2.0"}
#: The storage driver when none is chosen.
DEFAULT_DRIVER = "filesystem"


def create_backend(
    dset: DescriptorSet,
    root: str | None = None,
    *,
    upload_ttl: float = 24 * 3600,
    driver: str = DEFAULT_DRIVER,
    driver_params: dict[str, Any] | None = None,
) -> Registry:
    """The registry backend for ``dset``, storing with storage driver ``driver`` built from
    ``driver_params``; ``root`` is the filesystem driver's ``root`` parameter, for short."""
    tune_malloc()
    params = dict(driver_params or {})
    if root is not None:
        params.setdefault("root", root)
    return Registry(factory.create(driver, **params), dset, upload_ttl=upload_ttl)


def create_app(
    set_name: str,
    root: str | None = None,
    *,
    dset: DescriptorSet | None = None,
    server: ModuleType | None = None,
    upload_ttl: float = 24 * 3600,
    driver: str = DEFAULT_DRIVER,
    driver_params: dict[str, Any] | None = None,
) -> App:
    """The registry app for ``set_name`` (its committed stub unless ``server`` is given), every
    route of which the registry serves; see ``create_backend`` for the storage."""
    if server is None:
        from specgen.server.serving import committed_stub

        server = committed_stub(set_name)
    backend = create_backend(
        dset or load_set(set_name), root, upload_ttl=upload_ttl, driver=driver, driver_params=driver_params
    )
    backend.check_routes(server.ROUTES)
    return server.create_app(backend, default_headers=DEFAULT_HEADERS)
