"""Descriptor sets, found by name on a search path, or loaded from a file or module of your own.

A set is a folder (a Python package) whose ``__init__.py`` defines ``DESCRIPTOR_SET``; it holds
data only. The bundled sets live in the top-level ``descriptors/`` folder (inside the wheel:
``specgen/_descriptors``). This package's ``__path__`` is the search path: the folders named by
``SPECGEN_PATH`` (``os.pathsep``-separated, searched first), then the bundled folder, so a set
``mine/`` in one of them is imported as ``specgen.descriptors.mine`` and may import a bundled set
as ``specgen.descriptors.registry_v2``.

``load_set`` accepts a set's name, a path to a set folder or a ``.py`` file defining
``DESCRIPTOR_SET``, a path to a JSON dump (``specgen dump``), or ``package.module[:ATTRIBUTE]``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

from specgen.layout import DESCRIPTORS
from specgen.model import DescriptorSet

#: The set every command uses when none is named: the API registries implement today.
DEFAULT_SET = "oci_v1_1"


def search_path() -> list[str]:
    """``SPECGEN_PATH`` entries first, then the bundled descriptors folder."""
    extra = [str(Path(p).resolve()) for p in os.environ.get("SPECGEN_PATH", "").split(os.pathsep) if p]
    return [*extra, str(DESCRIPTORS)]


__path__ = search_path()

#: The bundled sets, in build order (a set before the sets that build on it).
BUNDLED = tuple(
    sorted(
        (p.name for p in DESCRIPTORS.iterdir() if (p / "__init__.py").is_file()),
        key=lambda name: (name != "registry_v2", name),
    )
)


class SetNotFound(LookupError):
    pass


def available() -> list[str]:
    """The names of every set on the search path."""
    names: set[str] = set()
    for folder in search_path():
        root = Path(folder)
        if root.is_dir():
            names.update(p.name for p in root.iterdir() if (p / "__init__.py").is_file())
    return sorted(names)


def load_set(name: str) -> DescriptorSet:
    """The descriptor set ``name``: a set's name, a set folder or ``.py`` file, a ``.json`` dump,
    or ``module[:ATTR]``. Raises ``SetNotFound`` with a message a user can act on."""
    path = Path(name)
    if name.endswith(".json"):
        return _load_dump(path)
    if name.endswith(".py") or os.sep in name or "/" in name or (path.is_dir() and name not in available()):
        return _from_module(_import_file(path), name, "DESCRIPTOR_SET")
    module_name, _, attr = name.partition(":")
    if module_name in available():
        module_name = f"{__name__}.{module_name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            known = ", ".join(available())
            raise SetNotFound(
                f"unknown descriptor set {name!r} (known: {known}; or give a set folder, "
                f"a .py file, a .json dump or module:ATTRIBUTE)"
            ) from None
        raise
    return _from_module(module, name, attr or "DESCRIPTOR_SET")


def _load_dump(path: Path) -> DescriptorSet:
    from specgen.dump import load

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SetNotFound(f"cannot read descriptor dump {path}: {exc}") from None
    return load(data, name=path.stem)


def _import_file(path: Path) -> ModuleType:
    """Import a set folder (package) or a ``.py`` file as ``specgen.descriptors.<its name>``."""
    path = path.resolve()
    if path.is_dir():
        init, locations = path / "__init__.py", [str(path)]
    else:
        init, locations = path, None
    if not init.is_file():
        raise SetNotFound(f"{path} is not a descriptor set (no {init.name} defining DESCRIPTOR_SET)")
    module_name = f"{__name__}.{path.stem if path.is_file() else path.name}"
    if module_name in sys.modules and getattr(sys.modules[module_name], "__file__", None) == str(init):
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, init, submodule_search_locations=locations)
    if spec is None or spec.loader is None:
        raise SetNotFound(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _from_module(module: ModuleType, name: str, attr: str) -> DescriptorSet:
    dset = getattr(module, attr, None)
    if not isinstance(dset, DescriptorSet):
        raise SetNotFound(f"{name!r} does not provide a DescriptorSet ({attr})")
    return dset
