"""Build URLs for a descriptor set's routes (or any (route name, gorilla path) pairs) the way distribution's ``URLBuilder`` does (gorilla's
``Route.URL``, then resolution against a root URL, then ``url.Values.Encode`` for the query), and
find the root URL a request was addressed to behind proxies (``NewURLBuilderFromRequest``).

    >>> from specgen.model import DescriptorSet, RouteDescriptor
    >>> dset = DescriptorSet("x", "X", (RouteDescriptor(name="item", path="/api/{id:[0-9]+}"),))
    >>> URLBuilder(dset, "https://example.com/root/").build("item", {"id": "7"}, {"b": "2", "a": "x y"})
    'https://example.com/root/api/7?a=x+y&b=2'
    >>> URLBuilder(dset, "https://example.com/root/", relative=True).build("item", {"id": "7"})
    '/api/7'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Union
from urllib.parse import quote_plus, urlsplit

from specgen.distribution.router import escape_path
from specgen.model import DescriptorSet
from specgen.paths import CompiledPath, compile_path

#: Query values: pairs in order, or a mapping of a key to one value or to several.
Query = Union[Iterable[tuple[str, str]], Mapping[str, Union[str, Sequence[str]]], None]
#: Request headers: a mapping (one value each) or pairs (repeated names allowed).
Headers = Union[Mapping[str, str], Iterable[tuple[str, str]]]
#: The routes URLs are built for: a descriptor set, or (route name, gorilla path template) pairs.
Routes = Union[DescriptorSet, Iterable[tuple[str, str]]]


def route_paths(routes: Routes) -> tuple[tuple[str, str], ...]:
    """(route name, gorilla path) of each route, in order."""
    if isinstance(routes, DescriptorSet):
        return tuple((r.name, r.path) for r in routes.routes)
    return tuple(routes)


@lru_cache(maxsize=64)
def _compiled(paths: tuple[tuple[str, str], ...]) -> dict[str, CompiledPath]:
    # distribution builds from its router, which has StrictSlash(true); compiled once per table,
    # since a server makes a builder per request
    return {name: compile_path(path, strict_slash=True) for name, path in paths}


class URLBuilder:
    def __init__(self, routes: Routes, base_url: str, relative: bool = False) -> None:
        self.name = routes.name if isinstance(routes, DescriptorSet) else "the route table"
        self.paths = route_paths(routes)
        self.base_url = base_url
        self.relative = relative
        self._root = urlsplit(base_url)
        self._paths = _compiled(self.paths)

    def build(self, route_name: str, variables: dict[str, str] | None = None, query: Query = None) -> str:
        """The URL of ``route_name`` with its path variables filled in and ``query`` appended.

        Raises ``KeyError`` for an unknown route and ``ValueError`` (gorilla's message) for a
        missing variable or a value its pattern rejects. The query is encoded as Go's
        ``url.Values.Encode`` does: keys sorted, each key's values in the order given.
        """
        try:
            compiled = self._paths[route_name]
        except KeyError:
            raise KeyError(f"no route named {route_name!r} in {self.name}") from None
        path = escape_path(compiled.expand(variables or {}))
        if self.relative:
            url = path
        else:
            root = self._root
            resolved = resolve_path(root.path, path[1:])
            url = f"{root.scheme}://{root.netloc}{resolved}" if root.netloc or root.scheme else resolved
        encoded = encode_query(query)
        return f"{url}?{encoded}" if encoded else url


def encode_query(query: Query) -> str:
    """Go's ``url.Values.Encode``: ``QueryEscape``d pairs, sorted by key (stable per key)."""
    if not query:
        return ""
    pairs: list[tuple[str, str]] = []
    items = query.items() if isinstance(query, Mapping) else query
    for key, value in items:
        if isinstance(value, str):
            pairs.append((key, value))
        else:
            pairs.extend((key, v) for v in value)
    pairs.sort(key=lambda kv: kv[0])
    return "&".join(f"{quote_plus(k, safe='')}={quote_plus(v, safe='')}" for k, v in pairs)


def resolve_path(base: str, ref: str) -> str:
    """Go's ``url.resolvePath`` (RFC 3986 5.2: merge, then remove dot segments)."""
    if ref == "":
        full = base
    elif not ref.startswith("/"):
        full = base[: base.rfind("/") + 1] + ref
    else:
        full = ref
    if full == "":
        return ""
    dst, first, remaining, found, elem = "/", True, full, True, ""
    while found:
        elem, sep, remaining = remaining.partition("/")
        found = bool(sep)
        if elem == ".":
            first = False
            continue
        if elem == "..":
            written = dst[1:]
            index = written.rfind("/")
            dst = "/"
            if index == -1:
                first = True
            else:
                dst += written[:index]
        else:
            if not first:
                dst += "/"
            dst += elem
            first = False
    if elem in (".", ".."):
        dst += "/"
    return dst[1:] if len(dst) > 1 and dst[1] == "/" else dst


def _header_values(headers: Headers, name: str) -> list[str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    wanted = name.lower()
    return [v for k, v in items if k.lower() == wanted]


def _first(headers: Headers, name: str) -> str:
    values = _header_values(headers, name)
    return values[0] if values else ""


def root_from_request(url: str, host: str, headers: Headers = (), tls: bool = False, base_path: str = "/v2/") -> str:
    """The root URL a request was addressed to (distribution's ``NewURLBuilderFromRequest``).

    ``url`` is the request URL as the server sees it (``http://host/prefix/v2/...`` or just the
    path), ``host`` the Host header. A ``Forwarded`` header (its first value, first element) wins
    when it parses: its ``proto`` and ``host`` replace the defaults and ``X-Forwarded-*`` are
    ignored. Otherwise ``X-Forwarded-Proto`` and the first of ``X-Forwarded-Host`` apply.
    ``X-Forwarded-Port`` is never used. A path prefix before ``base_path`` is kept.
    """
    parts = urlsplit(url)
    scheme = "https" if tls else (parts.scheme or "http")
    forwarded = _first(headers, "Forwarded")
    if forwarded:
        try:
            pairs, _ = parse_forwarded_header(forwarded)
        except ValueError:
            pairs = {}
        if pairs.get("proto"):
            scheme = pairs["proto"]
        if pairs.get("host"):
            host = pairs["host"]
    else:
        scheme = _first(headers, "X-Forwarded-Proto") or scheme
        forwarded_host = _first(headers, "X-Forwarded-Host")
        if forwarded_host:
            host = forwarded_host.split(",", 1)[0].strip(" \t\n\v\f\r")
    index = parts.path.find(base_path)
    path = parts.path[: index + 1] if index > 0 else ""
    return f"{scheme}://{host}{path}"


_TOKEN = re.compile(r'[^"(),/:;<=>?@\[\]{}\t\n\v\f\r \x00-\x1f\x7f]+')
_QUOTED = re.compile(r'[^\\"]+')
_ESCAPED = re.compile(r"[\t !-~]")


def _go_space(ch: str) -> bool:
    # Go's unicode.IsSpace; Python's str.isspace also counts U+001C..U+001F
    return ch.isspace() and not "\x1c" <= ch <= "\x1f"


def parse_forwarded_header(forwarded: str) -> tuple[dict[str, str], str]:
    """distribution's ``parseForwardedHeader``: the first element of an RFC 7239 ``Forwarded``
    header as lower-cased keys and values, and the unparsed rest after its ``,``.

    Raises ``ValueError`` with the Go function's message (positions in UTF-8 bytes).
    """
    total = len(forwarded.encode("utf-8"))

    def pos(rest: str, back: int = 0) -> int:
        return total - len(rest.encode("utf-8")) - back

    element, parameter, kv_delim, value_state, quoted, escaped, pair_end = range(7)
    state, parse, parameter_name, value = element, forwarded, "", ""
    result: dict[str, str] = {}
    while True:
        if state not in (quoted, escaped):
            i = 0
            while i < len(parse) and _go_space(parse[i]):
                i += 1
            parse = parse[i:]
        if not parse:
            if state not in (element, pair_end, parameter):
                raise ValueError("unexpected end of input")
            break
        if state == element:
            if parse[0] == ",":
                parse = parse[1:]
                break
            state = parameter
        elif state == parameter:
            m = _TOKEN.match(parse)
            if m is None:
                raise ValueError(f"failed to parse token at position {pos(parse)}")
            parameter_name = m.group(0).lower()
            parse = parse[m.end() :]
            state = kv_delim
        elif state == kv_delim:
            if parse[0] != "=":
                raise ValueError(f"expected '=', not '{parse[0]}' at position {pos(parse)}")
            parse = parse[1:]
            state = value_state
        elif state == value_state:
            if parse[0] == '"':
                parse = parse[1:]
                state = quoted
            else:
                m = _TOKEN.match(parse)
                if m is None:
                    raise ValueError(f"failed to parse value at position {pos(parse)}")
                if parameter_name in result:
                    raise ValueError(f'duplicate parameter "{parameter_name}" at position {pos(parse)}')
                result[parameter_name] = m.group(0)
                parse = parse[m.end() :]
                value = ""
                state = pair_end
        elif state == quoted:
            m = _QUOTED.match(parse)
            if m:
                value += m.group(0)
                parse = parse[m.end() :]
            if not parse:
                raise ValueError("unterminated quoted string")
            if parse[0] == '"':
                result[parameter_name] = value
                value = ""
                parse = parse[1:]
                state = pair_end
            elif parse[0] == "\\":
                parse = parse[1:]
                state = escaped
        elif state == escaped:
            m = _ESCAPED.match(parse)
            if m is None:
                raise ValueError(f"invalid escape sequence at position {pos(parse, 1)}")
            value += m.group(0)
            parse = parse[1:]
            state = quoted
        elif state == pair_end:
            if parse[0] == ";":
                parse = parse[1:]
                state = parameter
            elif parse[0] == ",":
                state = element
            else:
                raise ValueError(f"expected ',' or ';', not {parse[0]} at position {pos(parse)}")
    return result, parse
