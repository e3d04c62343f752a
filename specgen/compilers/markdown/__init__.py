"""The Markdown compiler: a descriptor set's API reference, ``build/<set>/api.md``.

The bundled templates (``templates/markdown/``) reproduce the layout of distribution's
``docs/spec/api.md`` detail section, so the reference of ``registry_v2`` matches upstream's
generated text byte for byte. Any template can be restyled without forking through the user's
template folders (``specgen.compilers.jinja``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from specgen.compilers import jinja
from specgen.compilers.note import html_comment
from specgen.errors import UserError
from specgen.model import DescriptorSet, ErrorDescriptor

#: ``DescriptorSet.extensions`` key: error values listed, in this order, in the reference's error
#: table. Without it the table lists every registered error, grouped as ``error_groups()`` does.
ERROR_TABLE_KEY = "markdown_error_codes"
#: ``DescriptorSet.extensions`` key: the template of the ``## Detail`` part (default
#: ``markdown/detail.md.jinja``, upstream's current layout; ``markdown/detail-classic.md.jinja`` is
#: upstream's template from v2.0.0 to v2.8.x).
DETAIL_TEMPLATE_KEY = "markdown_detail_template"
DETAIL_TEMPLATE = "markdown/detail.md.jinja"


def error_table(dset: DescriptorSet) -> list[ErrorDescriptor]:
    """The errors the reference's error table lists (see ``ERROR_TABLE_KEY``)."""
    values = dset.extensions.get(ERROR_TABLE_KEY)
    if values is None:
        return [err for _, group in dset.error_groups() for err in group]
    try:
        return [dset.error(v) for v in values]
    except KeyError as exc:
        raise UserError(
            f"{dset.name}: extensions[{ERROR_TABLE_KEY!r}] names unregistered error code {exc.args[0]!r}"
        ) from None


def context(dset: DescriptorSet, note: str = "") -> dict[str, Any]:
    """What the reference's templates (Markdown and HTML) see: the set, its routes, the error table
    (and its codes), and a note for the page's head (HTML only)."""
    errors = error_table(dset)
    return {
        "dset": dset,
        "routes": dset.routes,
        "errors": errors,
        "error_ids": frozenset(e.value for e in errors),
        "note": note,
        "detail_template": dset.extensions.get(DETAIL_TEMPLATE_KEY, DETAIL_TEMPLATE),
    }


def render_detail(dset: DescriptorSet, template_dirs: jinja.TemplateDirs = ()) -> str:
    """The generated part of the reference, from the ``## Detail`` heading to the end."""
    ctx = context(dset)
    return jinja.render(ctx["detail_template"], ctx, template_dirs)


def render(dset: DescriptorSet, template_dirs: jinja.TemplateDirs = ()) -> str:
    """The whole reference: the set's own introduction, then the generated detail."""
    return jinja.render("markdown/api.md.jinja", context(dset), template_dirs)


def outputs(dset: DescriptorSet, template_dirs: jinja.TemplateDirs = ()) -> Iterator[tuple[str, bytes]]:
    """``api.md``: the reference with the generated-file note on its first line."""
    yield "api.md", f"{html_comment()}\n\n{render(dset, template_dirs)}".encode()
