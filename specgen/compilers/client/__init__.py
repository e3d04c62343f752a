"""The client compiler: ``build/<set>/client/``, the generated Python client
(``specgen._generated.<set>.client``), running on ``specgen.client.runtime``."""

from __future__ import annotations

from collections.abc import Iterator

from specgen.compilers import jinja, package_init
from specgen.compilers.client.codegen import generate
from specgen.model import DescriptorSet

__all__ = ["generate", "outputs"]


def outputs(dset: DescriptorSet, template_dirs: jinja.TemplateDirs = ()) -> Iterator[tuple[str, bytes]]:
    yield "__init__.py", package_init(dset)
    for name, source in generate(dset, template_dirs):
        yield f"client/{name}", source.encode("utf-8")
