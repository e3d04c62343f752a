"""The descriptor sets shipped with specgen, found by name.

A set is a module exposing ``DESCRIPTOR_SET``. Besides the bundled names, ``load_set`` accepts
``package.module`` or ``package.module:ATTRIBUTE`` for a set of your own, and a path to a JSON dump.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from specgen.model import DescriptorSet

#: Bundled sets in build order; the first is the default.
BUNDLED = ("registry_v2", "oci_v1_1")


class SetNotFound(LookupError):
    pass


def load_set(name: str) -> DescriptorSet:
    """The descriptor set called ``name`` (bundled name, ``module[:attr]``, or a ``.json`` dump)."""
    if name.endswith(".json"):
        from specgen.dump import load

        path = Path(name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SetNotFound(f"cannot read descriptor dump {name}: {exc}") from None
        return load(data, name=path.stem)
    module_name, _, attr = name.partition(":")
    if name in BUNDLED:
        module_name = f"specgen.descriptors.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            known = ", ".join(BUNDLED)
            raise SetNotFound(f"unknown descriptor set {name!r} (bundled: {known})") from None
        raise
    dset = getattr(module, attr or "DESCRIPTOR_SET", None)
    if not isinstance(dset, DescriptorSet):
        raise SetNotFound(f"{name!r} does not provide a DescriptorSet ({attr or 'DESCRIPTOR_SET'})")
    return dset
