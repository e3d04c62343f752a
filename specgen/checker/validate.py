"""Check one HTTP exchange against a descriptor set: which descriptor it exercises, and how it departs.

``validate(exchange, dset)`` finds the route (by path), the method, and the request descriptor that
best fits the exchange, then the response descriptor declared for the status, and yields
``Finding``s. The checks are small generators, one concern each, in the manner of jsonschema's
keyword functions; they know descriptors and HTTP, never a particular API. Header values are
checked against a small declarative table keyed on the header descriptor's name and format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

import jsonschema

from specgen import bodies
from specgen.distribution.digest import ALGORITHMS, digest_of
from specgen.distribution.router import Router
from specgen.model import (
    DescriptorSet,
    MethodDescriptor,
    ParameterDescriptor,
    RequestDescriptor,
    ResponseDescriptor,
    RouteDescriptor,
)


class Finding(NamedTuple):
    severity: str  # "error" | "warning"
    path: str  # descriptor path, e.g. "blob-upload/POST/Initiate Monolithic Blob Upload/201"
    message: str


class Exchange(NamedTuple):
    """One HTTP exchange as seen on the wire (header lookups are case-insensitive here)."""

    method: str
    url: str
    request_headers: Mapping[str, str]
    status: int
    response_headers: Mapping[str, str]
    body: bytes
    request_body: bytes | None = None


class Target(NamedTuple):
    """The descriptors an exchange exercises (``response`` is None when the status is undeclared)."""

    route: RouteDescriptor
    variables: dict[str, str]
    method: MethodDescriptor
    request: RequestDescriptor
    request_label: str
    response: ResponseDescriptor | None
    response_label: str
    ambiguous: bool = False  # several requests fit equally; ``request`` is their union


# ---------------------------------------------------------------------------------------------
# Descriptor paths: the names findings and coverage tables use.


def request_label(method: MethodDescriptor, index: int) -> str:
    req = (method.requests or ())[index]
    return req.name or (f"#{index}" if len(method.requests or ()) > 1 else "-")


def responses_of(request: RequestDescriptor) -> list[tuple[str, ResponseDescriptor, bool]]:
    """(label, response, is_success) for each response; labels unique within the request."""
    out: list[tuple[str, ResponseDescriptor, bool]] = []
    seen: dict[str, int] = {}
    for ok, group in ((True, request.successes or ()), (False, request.failures or ())):
        for resp in group:
            label = f"{resp.status_code} {resp.name}".strip()
            seen[label] = seen.get(label, 0) + 1
            if seen[label] > 1:
                label = f"{label} #{seen[label]}"
            out.append((label, resp, ok))
    return out


def descriptor_path(*parts: str) -> str:
    return "/".join(parts)


# ---------------------------------------------------------------------------------------------
# Routing.

_routers: dict[int, tuple[DescriptorSet, Router]] = {}


def _router(dset: DescriptorSet) -> Router:
    cached = _routers.get(id(dset))
    if cached is None or cached[0] is not dset:
        cached = _routers[id(dset)] = (dset, Router(dset))
    return cached[1]


def match_route(dset: DescriptorSet, path: str) -> tuple[RouteDescriptor, dict[str, str]] | None:
    """The route distribution's router would dispatch ``path`` (percent-decoded) to."""
    found = _router(dset).match(unquote(path))
    return (found.route, dict(found.variables)) if found else None


def check_redirect(exchange: Exchange, dset: DescriptorSet) -> Iterator[Finding] | None:
    """Findings for a path distribution's router redirects (unclean, or the other slash form of a
    routed path): the 301 with the router's ``Location`` is right; ``None`` when the path is routed
    as it is, so the descriptors judge the exchange."""
    if exchange.status != 301:  # only a redirect needs the router's own answer
        return None
    split = urlsplit(exchange.url)
    answer = _router(dset).resolve(unquote(split.path), split.query)
    if answer.status != 301:
        return None
    location = _Headers(exchange.response_headers).get("Location") or ""
    if unquote(urlsplit(location).path) == unquote(urlsplit(answer.location or "").path):
        return iter(())
    return iter([Finding("error", split.path, f"redirect to {location!r}, expected the router's {answer.location!r}")])


class _Headers:
    """Case-insensitive view of a header mapping."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._h = {k.lower(): v for k, v in headers.items()}

    def get(self, name: str) -> str | None:
        return self._h.get(name.lower())

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._h


def _fit(
    request: RequestDescriptor, common_headers: set[str], query: set[str], headers: _Headers, has_body: bool
) -> tuple[int, int]:
    """How well an exchange fits a request descriptor, as (score, -absent): declared query
    parameters and distinguishing headers present score; undeclared parameters and absent declared
    ones cost, required ones most; on a tie the request missing fewest declared things wins."""
    score, absent = 0, 0
    for p in request.query_parameters or ():
        if p.name in query:
            score += 2
        else:
            score, absent = score - (3 if p.required else 1), absent + 1
    declared = {p.name for p in request.query_parameters or ()}
    score -= 2 * len(query - declared)
    for h in request.headers or ():
        if h.name.lower() in common_headers:
            continue
        if h.name in headers:
            score += 1
        else:
            score, absent = score - (3 if h.required else 0), absent + 1
    if request.body.content_type:
        if has_body:
            score += 1
        else:
            score, absent = score - 1, absent + 1
    return score, -absent


def _union(requests: list[RequestDescriptor]) -> RequestDescriptor:
    from dataclasses import replace

    succ = tuple(r for req in requests for r in req.successes or ())
    fail = tuple(r for req in requests for r in req.failures or ())
    return replace(requests[0], name=" | ".join(r.name for r in requests), successes=succ, failures=fail)


def locate(exchange: Exchange, dset: DescriptorSet) -> Target | Finding:
    """The descriptors an exchange exercises, or a Finding saying why none fits."""
    split = urlsplit(exchange.url)
    found = match_route(dset, split.path)
    if found is None:
        return Finding("error", split.path, f"no route of {dset.name} matches path {split.path}")
    route, variables = found
    verb = exchange.method.upper()
    methods = {m.method.upper(): m for m in route.methods or ()}
    method = methods.get(verb) or (methods.get("GET") if verb == "HEAD" else None)
    if method is None:
        return Finding(
            "error",
            route.name,
            f"method {verb} not declared for route {route.name} (declared: {', '.join(methods) or 'none'})",
        )
    requests = list(method.requests or ())
    if not requests:
        return Finding("error", descriptor_path(route.name, method.method), "method declares no request")
    query = {k for k, _ in parse_qsl(split.query, keep_blank_values=True)}
    headers = _Headers(exchange.request_headers)
    sets = [{h.name.lower() for h in r.headers or ()} for r in requests]
    common = set.intersection(*sets) if sets else set()
    scores = [_fit(r, common, query, headers, bool(exchange.request_body)) for r in requests]
    best = max(scores)
    winners = [i for i, s in enumerate(scores) if s == best]
    if len(winners) == 1:
        index = winners[0]
        request, label, ambiguous = requests[index], request_label(method, index), False
    else:
        request = _union([requests[i] for i in winners])
        label, ambiguous = request.name or "-", True
    response, rlabel = _pick_response(request, exchange)
    return Target(route, variables, method, request, label, response, rlabel, ambiguous)


def _error_codes_in(body: bytes) -> list[str] | None:
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("errors"), list):
        return None
    return [e.get("code") for e in doc["errors"] if isinstance(e, dict)]  # type: ignore[misc]


def _pick_response(request: RequestDescriptor, exchange: Exchange) -> tuple[ResponseDescriptor | None, str]:
    candidates = [(lbl, r) for lbl, r, _ in responses_of(request) if r.status_code == exchange.status]
    if not candidates:
        return None, str(exchange.status)
    codes = _error_codes_in(exchange.body) if exchange.body else None
    if codes:
        # the most specific response declaring every code (e.g. "Missing Layer(s)" over "Invalid Manifest")
        fitting = [
            (len(r.error_codes or ()), i)
            for i, (lbl, r) in enumerate(candidates)
            if r.error_codes and set(codes) <= {e.value for e in r.error_codes}
        ]
        if fitting:
            lbl, r = candidates[min(fitting)[1]]
            return r, lbl
        for lbl, r in candidates:  # partial fit: the response declaring most of the codes
            if {e.value for e in r.error_codes or ()} & set(codes):
                return r, lbl
    return candidates[0][1], candidates[0][0]


# ---------------------------------------------------------------------------------------------
# Header formats: a declarative table. A row applies when the header name matches and, if given,
# the descriptor's format matches; its check returns an error message or None.

DIGEST_RE = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+\Z")


class HeaderContext(NamedTuple):
    exchange: Exchange
    descriptor: ParameterDescriptor
    is_head: bool
    named_digest: str | None = None  # the digest the request named (path or query), if any


def named_digest(ex: Exchange, variables: Mapping[str, str]) -> str | None:
    """The digest a request names: a ``digest`` path variable, a ``reference`` that is a digest, or,
    on a successful POST/PUT, its ``digest`` or ``mount`` query parameter. A
    ``Docker-Content-Digest`` answering it must be that digest, in that algorithm."""
    for key in ("digest", "reference"):
        value = variables.get(key)
        if value and DIGEST_RE.match(value):
            return value
    if ex.method.upper() in ("PUT", "POST") and 200 <= ex.status < 300:
        query = dict(parse_qsl(urlsplit(ex.url).query, keep_blank_values=True))
        for key in ("digest", "mount"):
            if DIGEST_RE.match(query.get(key, "")):
                return query[key]
    return None


def _regex_check(pattern: str, what: str) -> Callable[[str, HeaderContext], str | None]:
    rx = re.compile(pattern + r"\Z")

    def check(value: str, ctx: HeaderContext) -> str | None:
        return None if rx.match(value) else f"{value!r} is not {what}"

    return check


def _content_length(value: str, ctx: HeaderContext) -> str | None:
    if not re.fullmatch(r"[0-9]+", value):
        return f"{value!r} is not a decimal length"
    if ctx.descriptor.format.isdigit() and value != ctx.descriptor.format:
        return f"is {value}, declared {ctx.descriptor.format}"
    if not ctx.is_head and int(value) != len(ctx.exchange.body):
        return f"is {value} but the body has {len(ctx.exchange.body)} bytes"
    return None


def _byte_range(value: str, ctx: HeaderContext) -> str | None:
    """``bytes <start>-<end>/<size>``, and the body holds exactly that range."""
    m = re.fullmatch(r"bytes ([0-9]+)-([0-9]+)/([0-9]+|\*)", value)
    if not m:
        return f"{value!r} is not a byte content-range (bytes <start>-<end>/<size>)"
    start, end = int(m.group(1)), int(m.group(2))
    if end < start or (m.group(3) != "*" and end >= int(m.group(3))):
        return f"{value!r} is not a satisfiable range"
    if not ctx.is_head and end - start + 1 != len(ctx.exchange.body):
        return f"{value!r} covers {end - start + 1} bytes but the body has {len(ctx.exchange.body)}"
    return None


def _location(value: str, ctx: HeaderContext) -> str | None:
    split = urlsplit(value)
    if split.scheme and split.scheme not in ("http", "https"):
        return f"{value!r} is not an http(s) URL"
    if split.scheme and not split.netloc:
        return f"{value!r} has no host"
    if not split.scheme and not split.path.startswith("/"):
        return f"{value!r} is neither an absolute URL nor an absolute path"
    return None


def _digest(value: str, ctx: HeaderContext) -> str | None:
    if not DIGEST_RE.match(value):
        return f"{value!r} does not match the digest grammar"
    ex = ctx.exchange
    algorithm, _, encoded = value.partition(":")
    named = ctx.named_digest
    if named and value != named:
        if named.partition(":")[0] != algorithm:
            return f"is {algorithm}, but the request named a {named.partition(':')[0]} digest ({named})"
        return f"is {value}, but the request named {named}"
    if ex.method.upper() == "GET" and 200 <= ex.status < 300 and ex.status != 206 and algorithm in ALGORITHMS:
        actual = digest_of(ex.body, algorithm).partition(":")[2]
        if actual != encoded:
            return f"{value!r} is not the digest of the body ({algorithm}:{actual})"
    return None


def _literal(value: str, ctx: HeaderContext) -> str | None:
    fmt = ctx.descriptor.format
    if "<" in fmt or not fmt:
        return None  # a placeholder we have no rule for: presence is all we check
    base = value.split(";")[0].strip().lower()
    return None if base == fmt.split(";")[0].strip().lower() else f"{value!r}, declared {fmt!r}"


#: (header name, format substring or None, check). First matching row wins.
HEADER_FORMATS: tuple[tuple[str, str | None, Callable[[str, HeaderContext], str | None]], ...] = (
    ("Content-Length", None, _content_length),
    ("Location", None, _location),
    ("Range", "0-<offset>", _regex_check(r"0-[0-9]+", "a range 0-<offset>")),
    ("Content-Range", "bytes ", _byte_range),
    ("Content-Range", None, _regex_check(r"[0-9]+-[0-9]+", "a range <start>-<end>")),
    ("Docker-Content-Digest", None, _digest),
    ("Docker-Upload-UUID", None, _regex_check(r"[A-Za-z0-9._=-]+", "an upload id")),
    ("Link", None, _regex_check(r'<[^>]+>;\s*rel="?next"?', 'a link <url>; rel="next"')),
    ("WWW-Authenticate", None, _regex_check(r"[A-Za-z][A-Za-z0-9_-]*(?:\s.*)?", "an auth challenge")),
    ("Content-Type", None, _literal),
)


#: Statuses with which HTTP forbids a Content-Length header (RFC 9110 8.6).
NO_CONTENT_LENGTH = frozenset({100, 101, 102, 103, 204})

#: Headers that are present only under a condition validate cannot see from one exchange.
CONDITIONAL_HEADERS = {
    "link": "legitimate on the last page of a paginated list",
    "oci-chunk-min-length": "a registry may send it",
    "oci-subject": "sent only when the registry processed a subject",
    "oci-filters-applied": "sent only when a filter was applied",
}
#: A header whose description says it is conditional is treated as the table's entries are.
_CONDITIONAL_DESCRIPTION = re.compile(r"^(?:Present|Sent|Set|Included)\s+(?:only\s+)?(?:when|if)\b", re.I)


def _header_check(descriptor: ParameterDescriptor) -> Callable[[str, HeaderContext], str | None] | None:
    for name, fmt, check in HEADER_FORMATS:
        if name.lower() == descriptor.name.lower() and (fmt is None or fmt in descriptor.format):
            return check
    return None


# ---------------------------------------------------------------------------------------------
# Checks: each takes (exchange, target, path) and yields Findings.


def check_headers(ex: Exchange, t: Target, path: str) -> Iterator[Finding]:
    if t.response is None:  # an undeclared status: reported by check_status
        return
    headers = _Headers(ex.response_headers)
    is_head = ex.method.upper() == "HEAD"
    named = named_digest(ex, t.variables)
    for desc in t.response.headers or ():
        value = headers.get(desc.name)
        if value is None:
            if desc.name.lower() == "content-length" and (is_head or ex.status in NO_CONTENT_LENGTH):
                continue  # RFC 9110 8.6: a server must not send Content-Length with 1xx/204
            why = CONDITIONAL_HEADERS.get(desc.name.lower())
            if why is None and _CONDITIONAL_DESCRIPTION.match(desc.description):
                why = "its description makes it conditional"
            if why:
                yield Finding("warning", path, f"declared header {desc.name} is absent ({why})")
                continue
            yield Finding("error", path, f"declared header {desc.name} is missing")
            continue
        check = _header_check(desc)
        problem = check(value, HeaderContext(ex, desc, is_head, named)) if check else None
        if problem:
            yield Finding("error", path, f"header {desc.name}: {problem}")
    # Undeclared but present Content-Length must still be honest.
    if not is_head and "Content-Length" not in {d.name for d in t.response.headers or ()}:
        value = headers.get("Content-Length")
        if value is not None and value.isdigit() and int(value) != len(ex.body):
            yield Finding("error", path, f"header Content-Length is {value} but the body has {len(ex.body)} bytes")


def _is_json(content_type: str) -> bool:
    base = content_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _body_schema(dset: DescriptorSet, t: Target, content_type: str) -> tuple[dict | None, str | None]:
    """The schema for a success body, chosen among the body descriptor's variants by the
    response's Content-Type; the second item is a problem with that Content-Type, if any."""
    if t.response is None:
        return None, None
    variants = bodies.body_variants(dset, t.response.body)
    typed = [v for v in variants if v.schema is not None]
    if not typed:
        return None, None
    base = bodies.base_media_type(content_type) if content_type else ""
    same = [v for v in typed if bodies.base_media_type(v.media_type) == base]
    if same:
        return same[0].schema, None
    if len(typed) > 1 and all(bodies.is_media_type(v.media_type) for v in typed):
        known = ", ".join(sorted({v.media_type for v in typed}))
        return None, f"Content-Type {content_type or '(none)'} is none of the body's media types ({known})"
    return bodies.response_schema(dset, t.route, t.method, t.request, t.response), None


def check_error_body(ex: Exchange, t: Target, path: str, dset: DescriptorSet) -> Iterator[Finding]:
    """A response declaring error codes carries the errors envelope with only those codes."""
    if t.response is None:  # an undeclared status: reported by check_status
        return
    declared = [e.value for e in t.response.error_codes or ()]
    if not declared or ex.method.upper() == "HEAD":
        return
    if not ex.body:
        if t.response.body.content_type:
            yield Finding("error", path, "error response has no body (expected the errors envelope)")
        return
    try:
        doc = json.loads(ex.body)
    except ValueError:
        yield Finding("error", path, "error body is not JSON (expected the errors envelope)")
        return
    for err in _schema_errors(bodies.errors_schema(()), doc):
        yield Finding("error", path, f"error body is not an errors envelope: {err}")
        return
    for entry in doc["errors"]:
        if entry.get("code") not in declared:
            yield Finding(
                "error",
                path,
                f"error code {entry.get('code')!r} not declared for this response (declared: {', '.join(declared)})",
            )
    for err in _schema_errors(bodies.errors_schema(declared), doc):
        if "is not one of" not in err:  # undeclared codes are reported above, once and clearly
            yield Finding("error", path, f"error body: {err}")


def check_content_type(ex: Exchange, t: Target, path: str) -> Iterator[Finding]:
    """A body comes with the Content-Type its descriptor names (when it names a concrete one)."""
    if t.response is None:  # an undeclared status: reported by check_status
        return
    declared = t.response.body.content_type
    if not ex.body or ex.method.upper() == "HEAD" or not bodies.is_media_type(bodies.base_media_type(declared)):
        return
    if any(h.name.lower() == "content-type" for h in t.response.headers or ()):
        return  # a declared Content-Type header is checked with the headers
    got = _Headers(ex.response_headers).get("Content-Type")
    if got is None or bodies.base_media_type(got) != bodies.base_media_type(declared):
        # an error envelope announced as something else is one clients cannot read as one
        severity = "error" if t.response.error_codes and ex.status >= 400 else "warning"
        sent = bodies.base_media_type(got) if got else "(none)"  # no "; ": it separates findings
        yield Finding(severity, path, f"body sent as Content-Type {sent}, declared {declared}")


def check_body_schema(ex: Exchange, t: Target, path: str, dset: DescriptorSet) -> Iterator[Finding]:
    """A JSON success body matches the schema specgen.bodies gives for it."""
    if t.response is None:  # an undeclared status: reported by check_status
        return
    if t.response.error_codes or not ex.body or ex.method.upper() == "HEAD":
        return
    content_type = _Headers(ex.response_headers).get("Content-Type") or ""
    schema, problem = _body_schema(dset, t, content_type)
    if problem:
        yield Finding("warning", path, problem)
    if schema is None and not (_is_json(t.response.body.content_type) or _is_json(content_type)):
        return
    try:
        doc = json.loads(ex.body)
    except ValueError:
        yield Finding("error", path, f"body declared {t.response.body.content_type or content_type} is not JSON")
        return
    if schema is None:
        return
    for err in _schema_errors(schema, doc):
        yield Finding("error", path, f"body does not match its schema: {err}")


def _schema_errors(schema: dict, doc: Any) -> Iterator[str]:
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    for err in sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path)
        yield f"{where + ': ' if where else ''}{err.message}"


def validate(exchange: Exchange, dset: DescriptorSet) -> Iterator[Finding]:
    """Findings for one exchange; none means it conforms to the descriptor it exercises."""
    redirect = check_redirect(exchange, dset)
    if redirect is not None:
        yield from redirect
        return
    target = locate(exchange, dset)
    if isinstance(target, Finding):
        yield target
        return
    base = descriptor_path(target.route.name, target.method.method, target.request_label)
    if target.ambiguous:
        yield Finding(
            "warning", base, "several request descriptors fit this exchange equally; checked against their union"
        )
    if exchange.method.upper() == "HEAD" and target.method.method.upper() != "HEAD":
        pass  # HEAD is GET without a body (RFC 9110 9.3.2): checked against GET, body checks skipped
    if target.response is None:
        declared = sorted({r.status_code for _, r, _ in responses_of(target.request)})
        yield Finding(
            "error",
            descriptor_path(base, str(exchange.status)),
            f"status {exchange.status} not declared (declared: {', '.join(map(str, declared))})",
        )
        return
    path = descriptor_path(base, target.response_label)
    yield from check_headers(exchange, target, path)
    yield from check_content_type(exchange, target, path)
    yield from check_error_body(exchange, target, path, dset)
    yield from check_body_schema(exchange, target, path, dset)
