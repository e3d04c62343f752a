"""The OpenAPI compiler: ``build/<set>/openapi.json`` and ``openapi.yaml`` (OpenAPI 3.1) and
``openapi-3.0.json`` (3.0.3), lossless through the ``x-`` extensions of docs/openapi.md.

One path item per route, one operation per method; a method's requests become one operation whose
parameters are their union and whose responses are merged by status, ``x-requests`` keeping each
request whole. The pieces: ``context`` (set-wide facts), ``document`` (the whole document and its
3.0 form), ``operations``, ``parameters``, ``content`` (bodies and examples), ``responses``,
``schemas`` (components), ``links`` (opaque locations), ``regex`` (Go → ECMA patterns),
``schema30``, ``serialize``.

    >>> from synthetic import SYNTHETIC_SET                     # doctest: +SKIP
    >>> doc = compile_openapi(SYNTHETIC_SET)                    # doctest: +SKIP
    >>> sorted(doc["paths"])                                    # doctest: +SKIP
    ['/api/{shelf}/widgets', '/api/{shelf}/widgets/{id}']
"""

from __future__ import annotations

from collections.abc import Iterator

from specgen.compilers.jinja import TemplateDirs
from specgen.compilers.openapi.document import VERSIONS, compile_openapi
from specgen.compilers.openapi.serialize import FORMATS, render
from specgen.model import DescriptorSet

__all__ = ["FORMATS", "VERSIONS", "compile_openapi", "outputs", "render"]


def outputs(dset: DescriptorSet, template_dirs: TemplateDirs = ()) -> Iterator[tuple[str, bytes]]:
    """The three documents (OpenAPI uses no templates: ``template_dirs`` is accepted and unused)."""
    doc = compile_openapi(dset, "3.1")
    yield "openapi.json", render(doc, "json")
    yield "openapi.yaml", render(doc, "yaml")
    yield "openapi-3.0.json", render(compile_openapi(dset, "3.0"), "json")
