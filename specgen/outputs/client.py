"""``build/<set>/client/``: the generated Python client (``specgen._generated.<set>.client``)."""

from __future__ import annotations

from typing import Iterator

from specgen.build import GENERATED_NOTE
from specgen.codegen.client import generate
from specgen.model import DescriptorSet


def package_init(dset: DescriptorSet) -> bytes:
    """``build/<set>/__init__.py``. The server output writes it too, with the very same bytes
    (``specgen.build`` accepts identical duplicates), so either output alone makes a package."""
    return (f"# {GENERATED_NOTE}\n"
            f'"""Generated code of the descriptor set ``{dset.name}``."""\n').encode()


def outputs(dset: DescriptorSet) -> Iterator[tuple[str, bytes]]:
    yield "__init__.py", package_init(dset)
    for name, source in generate(dset):
        yield f"client/{name}", source.encode("utf-8")
