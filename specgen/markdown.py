"""DescriptorSet + templates/markdown -> the API reference, as Markdown and as one HTML page.

The bundled templates reproduce the layout of distribution's ``docs/spec/api.md`` detail section, so
the reference of ``registry_v2`` matches upstream's generated text byte for byte. A user folder passed
as ``template_dir`` is searched first (a Jinja ``ChoiceLoader``), so any template can be restyled
without forking: copy the bundled file you want to change into your folder and edit it there.

The three helpers of upstream's generator are Jinja filters here:

>>> removenewlines("a\\n   b")
'a b'
>>> statustext(416)
'Requested Range Not Satisfiable'
>>> prettygorilla("/v2/{name:[a-z]+(?:/[a-z]+)*}/blobs/{digest:[a-z]{3}}")
'/v2/<name>/blobs/<digest>'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from specgen.layout import TEMPLATES
from specgen.errors import UserError
from specgen.model import DescriptorSet, ErrorDescriptor

#: Where the bundled templates live (inside the package, so they ship in the wheel).
BUNDLED_TEMPLATES = TEMPLATES / "markdown"

#: ``DescriptorSet.extensions`` key: error values listed, in this order, in the reference's error
#: table. Without it the table lists every registered error, grouped as ``error_groups()`` does.
ERROR_TABLE_KEY = "markdown_error_codes"

# Go's net/http StatusText. It keeps RFC 2616/7231 era phrases where Python's http.HTTPStatus has
# moved on (413, 414, 416, 418, 422 among others), and returns "" for an unknown code.
GO_STATUS_TEXT: dict[int, str] = {
    100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
    204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
    208: "Already Reported", 226: "IM Used",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
    304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
    411: "Length Required", 412: "Precondition Failed", 413: "Request Entity Too Large",
    414: "Request URI Too Long", 415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable", 417: "Expectation Failed", 418: "I'm a teapot",
    421: "Misdirected Request", 422: "Unprocessable Entity", 423: "Locked",
    424: "Failed Dependency", 425: "Too Early", 426: "Upgrade Required",
    428: "Precondition Required", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected",
    510: "Not Extended", 511: "Network Authentication Required",
}

# Go's regexp \s is ASCII only: [\t\n\f\r ] (no \v, no Unicode spaces, unlike Python's \s).
_NEWLINE_RUN = re.compile(r"\n[\t\n\f\r ]*")


def removenewlines(text: str) -> str:
    """Join a multi-line description into one table cell: each newline and the blanks after it
    become one space."""
    return _NEWLINE_RUN.sub(" ", text)


def statustext(code: int) -> str:
    """Go's ``http.StatusText``: the reason phrase, or ``""`` for an unknown code."""
    return GO_STATUS_TEXT.get(int(code), "")


def prettygorilla(path: str) -> str:
    """A gorilla/mux route path with each ``{name:regexp}`` (braces balanced) shown as ``<name>``.

    A variable without a pattern, ``{name}``, becomes ``<name>`` too; braces inside the pattern
    are counted so ``{digest:[a-f0-9]{64}}`` ends at its last brace.
    """
    out: list[str] = []
    i, n = 0, len(path)
    while i < n:
        if path[i] != "{":
            out.append(path[i])
            i += 1
            continue
        depth, i, label = 1, i + 1, []
        while i < n and path[i] not in ":}":  # the variable's name
            if path[i] == "{":
                depth += 1
            label.append(path[i])
            i += 1
        if i < n and path[i] == ":":
            i += 1
        elif i < n:  # "}" closing the name itself
            depth -= 1
            i += 1
        while i < n and depth:  # skip the pattern up to the balancing brace
            depth += {"{": 1, "}": -1}.get(path[i], 0)
            i += 1
        if label:
            out.append("<" + "".join(label) + ">")
    return "".join(out)


def error_table(dset: DescriptorSet) -> list[ErrorDescriptor]:
    """The errors the reference's error table lists (see ``ERROR_TABLE_KEY``)."""
    values = dset.extensions.get(ERROR_TABLE_KEY)
    if values is None:
        return [err for _, group in dset.error_groups() for err in group]
    try:
        return [dset.error(v) for v in values]
    except KeyError as exc:
        raise UserError(f"{dset.name}: extensions[{ERROR_TABLE_KEY!r}] names unregistered error "
                        f"code {exc.args[0]!r}") from None


_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """An anchor-safe form: lower case, runs of other characters as one dash."""
    return _SLUG_JUNK.sub("-", str(text).lower()).strip("-")


# CommonMark plus tables; raw HTML in descriptions is shown as text, never passed through.
_MD = MarkdownIt("commonmark", {"html": False}).enable("table")


def md(text: str) -> Markup:
    """A Markdown block (intro, descriptions) as HTML."""
    return Markup(_MD.render(text)) if text else Markup("")


def mdinline(text: str) -> Markup:
    """Markdown spans (code, emphasis, links) as HTML, for table cells."""
    return Markup(_MD.renderInline(text)) if text else Markup("")


FILTERS = {"removenewlines": removenewlines, "statustext": statustext,
           "prettygorilla": prettygorilla, "slug": slug, "md": md, "mdinline": mdinline}


def environment(template_dir: str | Path | None = None) -> jinja2.Environment:
    """A Jinja environment over the bundled templates, ``template_dir`` searched first.

    ``*.html.j2`` templates are autoescaped; Markdown templates are not.
    """
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        folder = Path(template_dir)
        if not folder.is_dir():
            raise UserError(f"template folder not found: {folder}")
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.FileSystemLoader(str(BUNDLED_TEMPLATES)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False,
                                            default_for_string=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(FILTERS)
    return env


def context(dset: DescriptorSet, note: str = "") -> dict:
    """What every template sees: the set, its routes, the error table (and its codes), a note."""
    errors = error_table(dset)
    return {"dset": dset, "routes": dset.routes, "errors": errors,
            "error_ids": frozenset(e.value for e in errors), "note": note}


def _render(env: jinja2.Environment, name: str, dset: DescriptorSet, note: str = "") -> str:
    try:
        return env.get_template(name).render(context(dset, note))
    except jinja2.TemplateNotFound as exc:
        raise UserError(f"template not found: {exc.name}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: "
                        f"{exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise UserError(f"template error: {exc.message}") from None


def render_detail(dset: DescriptorSet, template_dir: str | Path | None = None) -> str:
    """The generated part of the reference, from the ``## Detail`` heading to the end."""
    return _render(environment(template_dir), "detail.md.j2", dset)


def render(dset: DescriptorSet, template_dir: str | Path | None = None) -> str:
    """The whole reference: the set's own introduction, then the generated detail."""
    return _render(environment(template_dir), "api.md.j2", dset)


def render_html(dset: DescriptorSet, template_dir: str | Path | None = None, note: str = "") -> str:
    """The reference as one self-contained HTML page (``note`` becomes a comment at its top)."""
    return _render(environment(template_dir), "api.html.j2", dset, note)


def template_names(template_dir: str | Path | None = None) -> Iterable[str]:
    """Every template a render can use (bundled and overriding ones)."""
    return environment(template_dir).list_templates()
