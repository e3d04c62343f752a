"""Every Jinja filter of the bundled templates, registered once by ``specgen.compilers.jinja``.

The three helpers of distribution's Markdown generator:

>>> removenewlines("a\\n   b")
'a b'
>>> statustext(416)
'Requested Range Not Satisfiable'
>>> prettygorilla("/v2/{name:[a-z]+(?:/[a-z]+)*}/blobs/{digest:[a-z]{3}}")
'/v2/<name>/blobs/<digest>'

``slug``, ``md`` and ``mdinline`` serve the HTML page; ``pyrepr``, ``wrap`` and ``hang`` the
generated Python code.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from specgen.naming import slug

# Go's net/http StatusText. It keeps RFC 2616/7231 era phrases where Python's http.HTTPStatus has
# moved on (413, 414, 416, 418, 422 among others), and returns "" for an unknown code.
GO_STATUS_TEXT: dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    414: "Request URI Too Long",
    415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable",
    417: "Expectation Failed",
    418: "I'm a teapot",
    421: "Misdirected Request",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    425: "Too Early",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates",
    507: "Insufficient Storage",
    508: "Loop Detected",
    510: "Not Extended",
    511: "Network Authentication Required",
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


# CommonMark plus tables; raw HTML in descriptions is shown as text, never passed through.
_MD = MarkdownIt("commonmark", {"html": False}).enable("table")


def md(text: str) -> Markup:
    """A Markdown block (intro, descriptions) as HTML."""
    return Markup(_MD.render(text)) if text else Markup("")


def mdinline(text: str) -> Markup:
    """Markdown spans (code, emphasis, links) as HTML, for table cells."""
    return Markup(_MD.renderInline(text)) if text else Markup("")


def wrap(text: str, width: int = 92, indent: int = 8) -> str:
    """Paragraphs (blank-line separated) refilled to ``width`` at ``indent``, for docstrings."""
    pad = " " * indent
    return "\n\n".join(
        textwrap.fill(
            " ".join(p.split()),
            width=width,
            initial_indent=pad,
            subsequent_indent=pad,
            break_long_words=False,
            break_on_hyphens=False,
        )
        for p in text.split("\n\n")
    )


def hang(text: str, width: int = 96, indent: int = 12) -> str:
    """One docstring entry: first line at ``indent``, continuation lines 4 deeper."""
    return textwrap.fill(
        " ".join(text.split()),
        width=width,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + 4),
        break_long_words=False,
        break_on_hyphens=False,
    )


FILTERS: dict[str, Callable[..., Any]] = {
    "removenewlines": removenewlines,
    "statustext": statustext,
    "prettygorilla": prettygorilla,
    "slug": slug,
    "md": md,
    "mdinline": mdinline,
    "pyrepr": repr,
    "wrap": wrap,
    "hang": hang,
}
