"""The reference registry as an ASGI app: the generated stub of a set in front of ``Registry``,
storing through a storage driver chosen by name (``specgen.registry.storage.factory``)."""

from __future__ import annotations

import importlib
import json
import os
from types import ModuleType
from typing import Any

from specgen.descriptors import load_set
from specgen.errors import UserError
from specgen.model import DescriptorSet
from specgen.registry.handlers import Registry
from specgen.registry.storage import factory
from specgen.server.runtime import App, tune_malloc

#: Headers on every response, as distribution sends them.
DEFAULT_HEADERS = {"Docker-Distribution-API-Version": "registry/2.0"}
#: The storage driver when none is chosen.
DEFAULT_DRIVER = "filesystem"


def generated_server(set_name: str) -> ModuleType:
    """``specgen._generated.<set>.server``, with a clear error when it was never built."""
    try:
        return importlib.import_module(f"specgen._generated.{set_name}.server")
    except ModuleNotFoundError as exc:
        raise UserError(f"no generated server for set {set_name!r}: run `specgen build` ({exc})") from None


def create_app(set_name: str, root: str | None = None, *, dset: DescriptorSet | None = None,
               server: ModuleType | None = None, upload_ttl: float = 24 * 3600,
               driver: str = DEFAULT_DRIVER, driver_params: dict[str, Any] | None = None) -> App:
    """The registry app for ``set_name``, storing with storage driver ``driver`` built from
    ``driver_params``; ``root`` is the filesystem driver's ``root`` parameter, for short."""
    tune_malloc()
    server = server or generated_server(set_name)
    dset = dset or load_set(set_name)
    params = dict(driver_params or {})
    if root is not None:
        params.setdefault("root", root)
    backend = Registry(factory.create(driver, **params), dset, upload_ttl=upload_ttl)
    routes = getattr(server, "ROUTES", None)
    if routes is not None:
        backend.check_routes(routes)
    return server.create_app(backend, default_headers=DEFAULT_HEADERS)


def create_app_from_env() -> App:
    """Factory for worker processes (``specgen serve --workers N``): settings come from the
    environment the parent set (SPECGEN_SET, SPECGEN_ROOT, SPECGEN_UPLOAD_TTL, and optionally
    SPECGEN_DRIVER and SPECGEN_DRIVER_PARAMS, a JSON object)."""
    try:
        params = json.loads(os.environ.get("SPECGEN_DRIVER_PARAMS") or "{}")
    except ValueError as exc:
        raise UserError(f"SPECGEN_DRIVER_PARAMS is not JSON: {exc}") from None
    if not isinstance(params, dict):
        raise UserError("SPECGEN_DRIVER_PARAMS must be a JSON object")
    return create_app(os.environ["SPECGEN_SET"], os.environ.get("SPECGEN_ROOT"),
                      upload_ttl=float(os.environ.get("SPECGEN_UPLOAD_TTL", 24 * 3600)),
                      driver=os.environ.get("SPECGEN_DRIVER") or DEFAULT_DRIVER, driver_params=params)
