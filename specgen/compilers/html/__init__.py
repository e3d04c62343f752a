"""The HTML compiler: the API reference as one self-contained page, ``build/<set>/api.html``.

Same content as the Markdown reference, laid out by ``templates/html/`` with navigation, a filter
box (a small inline script; the page reads the same without it), body schemas as field tables,
the responses most methods share rendered once, and inline CSS (phone and dark-mode aware).
Anchors are named by ``specgen.compilers.html.anchors.anchor`` (``#manifest-put-201``).
"""

from __future__ import annotations

from collections.abc import Iterator

from specgen.compilers import jinja
from specgen.compilers.html.anchors import anchor
from specgen.compilers.html.page import page_context
from specgen.compilers.note import GENERATED_NOTE
from specgen.model import DescriptorSet

__all__ = ["anchor", "outputs", "render_html"]


def render_html(dset: DescriptorSet, template_dirs: jinja.TemplateDirs = (), note: str = "") -> str:
    """The reference as one HTML page (``note`` becomes a comment at its top)."""
    return jinja.render("html/api.html.jinja", page_context(dset, note), template_dirs)


def outputs(dset: DescriptorSet, template_dirs: jinja.TemplateDirs = ()) -> Iterator[tuple[str, bytes]]:
    """``api.html``, carrying the generated-file note."""
    yield "api.html", render_html(dset, template_dirs, note=GENERATED_NOTE).encode()
