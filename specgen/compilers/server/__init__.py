"""The server compiler: ``build/<set>/__init__.py`` and ``build/<set>/server/``, the generated ASGI
server stub, importable as ``specgen._generated.<set>.server``.

``outputs(dset)`` also serves a set that was never built: write its files anywhere and import them.
"""

from __future__ import annotations

from collections.abc import Iterator

from specgen.compilers import jinja, package_init
from specgen.compilers.server.codegen import generate, path_regex, server_model
from specgen.model import DescriptorSet

__all__ = ["generate", "outputs", "path_regex", "server_model"]


def outputs(dset: DescriptorSet, template_dirs: jinja.TemplateDirs = ()) -> Iterator[tuple[str, bytes]]:
    yield "__init__.py", package_init(dset)  # the client compiler writes the same bytes
    for name, source in sorted(generate(dset, template_dirs).items()):
        yield f"server/{name}", source.encode()
