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
    """The registry app for ``set_name``, storing with storage driver ``driver`` built from
    ``driver_params``; ``root`` is the filesystem driver's ``root`` parameter, for short."""
    tune_malloc()
    if server is None:
        from specgen.server.serving import committed_stub

        server = committed_stub(set_name)
    dset = dset or load_set(set_name)
    params = dict(driver_params or {})
    if root is not None:
        params.setdefault("root", root)
    backend = Registry(factory.create(driver, **params), dset, upload_ttl=upload_ttl)
    routes = getattr(server, "ROUTES", None)
    if routes is not None:
        backend.check_routes(routes)
    return server.create_app(backend, default_headers=DEFAULT_HEADERS)
