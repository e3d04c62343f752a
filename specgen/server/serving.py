"""What ``specgen serve`` runs for a descriptor set: which generated stub, in front of which backend.

- The stub: a bundled set's is committed under ``build/`` (``specgen._generated.<set>.server``);
  any other set's (a file or module of your own) is generated on the fly into a private folder
  and imported from there, so no ``specgen build`` is needed first.
- The backend is chosen by what the set declares, not by its name: a set with the registry's
  routes (``routenames.PUSH_PULL``) gets the filesystem registry backend, and whatever handler methods
  that backend lacks (routes a set adds) answer 501 ``UNSUPPORTED``; any other set gets
  ``Unsupported`` alone.

Worker processes (``--workers N``) rebuild the same app from the environment the parent sets
(``app_from_env``): ``SPECGEN_SET``, ``SPECGEN_ROOT``, ``SPECGEN_UPLOAD_TTL``, ``SPECGEN_STUB``,
``SPECGEN_DRIVER`` and ``SPECGEN_DRIVER_PARAMS`` (a JSON object of the driver's parameters).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from specgen.descriptors import BUNDLED, load_set
from specgen.distribution import routenames
from specgen.errors import UserError
from specgen.layout import DESCRIPTORS
from specgen.model import DescriptorSet
from specgen.registry.app import DEFAULT_DRIVER, DEFAULT_HEADERS, create_backend
from specgen.server import operate
from specgen.server.runtime import App
from specgen.server.unsupported import Unsupported

#: Environment variables a worker process reads its settings from.
ENV_SET, ENV_ROOT, ENV_TTL, ENV_STUB = "SPECGEN_SET", "SPECGEN_ROOT", "SPECGEN_UPLOAD_TTL", "SPECGEN_STUB"
ENV_DRIVER, ENV_DRIVER_PARAMS = "SPECGEN_DRIVER", "SPECGEN_DRIVER_PARAMS"


def is_registry(dset: DescriptorSet) -> bool:
    """Whether ``dset`` declares the registry routes the registry backend implements."""
    return routenames.speaks_registry(route.name for route in dset.routes)


def is_bundled(spec: str, dset: DescriptorSet) -> bool:
    """Whether ``spec`` named a bundled set (whose stub is committed under ``build/``), not a set of
    the same name found first on ``SPECGEN_PATH``."""
    if spec not in BUNDLED or dset.name != spec:
        return False
    module = sys.modules.get(f"specgen.descriptors.{spec}")
    source = getattr(module, "__file__", None)
    return (
        source is not None
        and Path(source).resolve().parent.parent == DESCRIPTORS.resolve()
        and getattr(module, "DESCRIPTOR_SET", None) is dset
    )


def committed_stub(set_name: str) -> ModuleType:
    """A bundled set's committed stub, ``specgen._generated.<set>.server``."""
    try:
        return importlib.import_module(f"specgen._generated.{set_name}.server")
    except ModuleNotFoundError as exc:
        raise UserError(
            f"no generated server for bundled set {set_name!r} in this installation: run `specgen build` ({exc})"
        ) from None


def write_stub(dset: DescriptorSet, folder: Path) -> Path:
    """Generate ``dset``'s server stub as a package inside ``folder``; returns the package's folder
    (named after a hash of the generated code, so two sets never share a module name)."""
    from specgen.compilers.server import outputs

    files = list(outputs(dset))
    digest = hashlib.sha256(b"".join(path.encode() + b"\0" + data for path, data in files)).hexdigest()
    package = folder / f"_specgen_stub_{digest[:16]}"
    for path, data in files:
        target = package / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return package


def import_stub(package: Path) -> ModuleType:
    """The ``server`` module of a stub package ``write_stub`` wrote."""
    name = package.name
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, package / "__init__.py", submodule_search_locations=[str(package)]
        )
        if spec is None or spec.loader is None:  # pragma: no cover - the file was just written
            raise ImportError(f"cannot import the generated stub in {package}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return importlib.import_module(f"{name}.server")


def create_app(
    dset: DescriptorSet,
    server: ModuleType,
    root: str | None,
    *,
    upload_ttl: float = 24 * 3600,
    driver: str = DEFAULT_DRIVER,
    driver_params: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
) -> App:
    """The app serving ``dset`` through the stub ``server``: for a registry set, the registry
    backend storing with ``driver`` (``root`` is the filesystem driver's root, for short), else
    every request answers 501 ``UNSUPPORTED``. ``settings`` (``specgen.config``) switch its modes."""
    if not is_registry(dset):
        return server.create_app(Unsupported(dset.name, server.HANDLER_METHODS))
    if root is None and not driver_params and driver == DEFAULT_DRIVER:  # others say what they lack
        raise ValueError(f"set {dset.name!r} is served by the registry backend, which needs storage")
    backend = create_backend(dset, root, upload_ttl=upload_ttl, driver=driver, driver_params=driver_params)
    # the routes the registry serves must be served by its entities; the rest answer 501 below
    backend.check_routes(route for route in server.ROUTES if route.name in backend.routes)
    if settings is not None:  # read-only, deletes off (specgen.registry.modes)
        operate.apply_modes(backend, settings)
    handlers = Unsupported(dset.name, server.HANDLER_METHODS, implemented=backend)
    return server.create_app(handlers if handlers.unsupported else backend, default_headers=DEFAULT_HEADERS)


def app_from_env() -> Any:
    """Factory for uvicorn (``specgen serve``, also in each worker process): the app behind the
    access controller (``specgen.auth``: auth and TLS settings from ``SPECGEN_SECURITY``), inside
    the outer layer of request ids, access log, metrics and health (``specgen.server.operate``),
    so that health probes and the access log see every request, authenticated or not."""
    from specgen.auth import settings as security_settings

    dset = load_set(os.environ[ENV_SET])
    stub = os.environ.get(ENV_STUB)
    server = import_stub(Path(stub)) if stub else committed_stub(dset.name)
    settings = operate.settings_from_env()
    app = create_app(
        dset,
        server,
        os.environ.get(ENV_ROOT) or None,
        upload_ttl=float(os.environ.get(ENV_TTL, 24 * 3600)),
        driver=os.environ.get(ENV_DRIVER) or DEFAULT_DRIVER,
        driver_params=driver_params_from_env(),
        settings=settings,
    )
    return operate.wrap(security_settings.from_env().wrap(app, dset), settings)


def driver_params_from_env() -> dict[str, Any]:
    """``SPECGEN_DRIVER_PARAMS``: a JSON object, else a ``UserError`` naming the variable."""
    try:
        params = json.loads(os.environ.get(ENV_DRIVER_PARAMS) or "{}")
    except ValueError as exc:
        raise UserError(f"{ENV_DRIVER_PARAMS} is not JSON: {exc}") from None
    if not isinstance(params, dict):
        raise UserError(f"{ENV_DRIVER_PARAMS} must be a JSON object")
    return params
