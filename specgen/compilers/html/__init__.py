"""The HTML compiler: the API reference as one self-contained page, ``build/<set>/api.html``.

Same content as the Markdown reference (same template context), laid out by
``templates/html/`` with navigation and inline CSS.
"""

from __future__ import annotations

from collections.abc import Iterator

from specgen.compilers import jinja
from specgen.compilers.markdown import context
from specgen.compilers.note import GENERATED_NOTE
from specgen.model import DescriptorSet


def render_html(dset: DescriptorSet, template_dirs: jinja.TemplateDirs = (), note: str = "") -> str:
    """The reference as one HTML page (``note`` becomes a comment at its top)."""
    return jinja.render("html/api.html.jinja", context(dset, note), template_dirs)


def outputs(dset: DescriptorSet, template_dirs: jinja.TemplateDirs = ()) -> Iterator[tuple[str, bytes]]:
    """``api.html``, carrying the generated-file note."""
    yield "api.html", render_html(dset, template_dirs, note=GENERATED_NOTE).encode()
