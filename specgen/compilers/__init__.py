"""The compilers, one package per output kind: ``markdown``, ``html``, ``openapi``, ``server``,
``client``.

A compiler is a package here whose ``outputs(dset, template_dirs=())`` yields ``(path, bytes)``
pairs, paths relative to ``build/<set>/``; ``specgen build`` finds every such package with
``discover()``, so a new output kind is a new package here (plus its templates in
``templates/<kind>/``). Shared pieces: ``jinja`` (the one template environment and the user's
template folders), ``filters``, ``note`` (the generated-file note).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from specgen.compilers.note import hash_comment
from specgen.model import DescriptorSet


def discover() -> list[ModuleType]:
    """Every compiler package, by name."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.ispkg:
            module = importlib.import_module(f"{__name__}.{info.name}")
            if callable(getattr(module, "outputs", None)):
                found.append(module)
    return found


def package_init(dset: DescriptorSet) -> bytes:
    """``build/<set>/__init__.py``, making the set's generated code a package. The server and the
    client compiler both write it, with the very same bytes (``specgen.build`` accepts identical
    duplicates), so either alone makes a package."""
    return (f'{hash_comment()}"""Generated code of the descriptor set ``{dset.name}``."""\n').encode()
