"""``build/<set>/client/``: the generated Python client (``specgen._generated.<set>.client``)."""

from __future__ import annotations

from typing import Iterator

from specgen.codegen.client import generate
from specgen.model import DescriptorSet


def package_init(dset: DescriptorSet) -> bytes:
    """``build/<set>/__init__.py``; the server output writes the very same bytes."""
    return f'"""Generated code for the {dset.name} descriptor set (specgen build)."""\n'.encode()


def outputs(dset: DescriptorSet) -> Iterator[tuple[str, bytes]]:
    yield "__init__.py", package_init(dset)
    for name, source in generate(dset):
        yield f"client/{name}", source.encode("utf-8")
