"""The reference registry as an ASGI app: the generated stub of a set in front of ``Registry``."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from specgen.descriptors import load_set
from specgen.errors import UserError
from specgen.model import DescriptorSet
from specgen.registry.handlers import Registry
from specgen.server.runtime import App, tune_malloc

#: Headers on every response, as distribution sends them.
DEFAULT_HEADERS = {"Docker-Distribution-API-Version": "registry/2.0"}


def generated_server(set_name: str) -> ModuleType:
    """``specgen._generated.<set>.server``, with a clear error when it was never built."""
    try:
        return importlib.import_module(f"specgen._generated.{set_name}.server")
    except ModuleNotFoundError as exc:
        raise UserError(f"no generated server for set {set_name!r}: run `specgen build` ({exc})") from None


def create_app(set_name: str, root: str, *, dset: DescriptorSet | None = None,
               server: ModuleType | None = None, upload_ttl: float = 24 * 3600) -> App:
    """The registry app for ``set_name`` storing under ``root``."""
    tune_malloc()
    server = server or generated_server(set_name)
    dset = dset or load_set(set_name)
    backend = Registry(root, dset, upload_ttl=upload_ttl)
    return server.create_app(backend, default_headers=DEFAULT_HEADERS)


def create_app_from_env() -> App:
    """Factory for worker processes (``specgen serve --workers N``): settings come from the
    environment the parent set (SPECGEN_SET, SPECGEN_ROOT, SPECGEN_UPLOAD_TTL)."""
    return create_app(os.environ["SPECGEN_SET"], os.environ["SPECGEN_ROOT"],
                      upload_ttl=float(os.environ.get("SPECGEN_UPLOAD_TTL", 24 * 3600)))
