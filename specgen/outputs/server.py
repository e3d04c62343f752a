"""``build/<set>/__init__.py`` and ``build/<set>/server/``: the generated ASGI server stub,
importable as ``specgen._generated.<set>.server``."""

from __future__ import annotations

from typing import Iterator

from specgen.codegen.server import generate
from specgen.model import DescriptorSet
from specgen.outputs.client import package_init


def outputs(dset: DescriptorSet) -> Iterator[tuple[str, bytes]]:
    yield "__init__.py", package_init(dset)  # same bytes as the client output's
    for name, source in sorted(generate(dset).items()):
        yield f"server/{name}", source.encode()
