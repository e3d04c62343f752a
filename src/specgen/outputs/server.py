"""``build/<set>/__init__.py`` and ``build/<set>/server/``: the generated ASGI server stub,
importable as ``specgen._generated.<set>.server``."""

from __future__ import annotations

from typing import Iterator

from specgen.build import GENERATED_NOTE
from specgen.codegen.server import generate
from specgen.model import DescriptorSet


def outputs(dset: DescriptorSet) -> Iterator[tuple[str, bytes]]:
    yield "__init__.py", (f"# {GENERATED_NOTE}\n"
                          f'"""Generated code of the descriptor set ``{dset.name}``."""\n').encode()
    for name, source in sorted(generate(dset).items()):
        yield f"server/{name}", source.encode()
