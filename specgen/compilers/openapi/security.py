"""Security schemes, derived from the descriptors: a request that may send an ``Authorization``
header is an operation with security requirements, and the schemes are the ones its formats,
examples and the ``WWW-Authenticate`` challenges name.

``Authorization`` is not an operation parameter in OpenAPI (tools ignore a header parameter of that
name); the descriptor's header stays whole in ``x-requests``.

A format with a placeholder scheme (``<scheme> <token>``: any RFC 7235 scheme) adds ``basic`` to
the named ones, the scheme every HTTP client can send. A set may instead list its schemes in
``DescriptorSet.extensions["security_schemes"]`` (names of RFC 7235 HTTP schemes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from specgen.compilers.openapi.util import dedupe
from specgen.model import DescriptorSet, ParameterDescriptor, RequestDescriptor

AUTHORIZATION = "authorization"
CHALLENGE = "www-authenticate"
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?:\s|$)")
_PLACEHOLDER = re.compile(r"^\s*<[^>]*>")

DESCRIPTIONS = {
    "basic": "HTTP Basic authentication (RFC 7617): `Authorization: Basic <base64 user:password>`.",
    "bearer": "A bearer token (RFC 6750), as a token service hands it out after a `401` "
    "challenge: `Authorization: Bearer <token>`.",
}


def _named(params: Iterable[ParameterDescriptor]) -> tuple[list[str], bool]:
    names: list[str] = []
    placeholder = False
    for p in params:
        for text in (p.format, *(p.examples or ())):
            if _PLACEHOLDER.match(text):
                placeholder = True
                continue
            m = _SCHEME.match(text)
            if m:
                names.append(m.group(1).lower())
    return names, placeholder


def _headers(dset: DescriptorSet, name: str, responses: bool) -> list[ParameterDescriptor]:
    out: list[ParameterDescriptor] = []
    for route in dset.routes:
        for method in route.methods or ():
            for request in method.requests or ():
                if responses:
                    for r in (request.successes or ()) + (request.failures or ()):
                        out.extend(h for h in r.headers or () if h.name.lower() == name)
                else:
                    out.extend(h for h in request.headers or () if h.name.lower() == name)
    return out


def scheme_names(dset: DescriptorSet) -> list[str]:
    """The set's authentication schemes, lower-case, in a stable order; empty when no request
    sends ``Authorization``."""
    sent = _headers(dset, AUTHORIZATION, responses=False)
    if not sent:
        return []
    listed = dset.extensions.get("security_schemes")
    if listed:
        return dedupe(str(s).lower() for s in listed)
    named, placeholder = _named(sent)
    challenged, _ = _named(_headers(dset, CHALLENGE, responses=True))
    names = dedupe(["basic"] if placeholder else [])
    return dedupe([*names, *sorted(set(named) | set(challenged))])


def security_schemes(names: list[str]) -> dict[str, Any]:
    """``components/securitySchemes``: one HTTP scheme per name."""
    return {
        n: {"type": "http", "scheme": n, "description": DESCRIPTIONS.get(n, f"HTTP `{n}` authentication.")}
        for n in names
    }


def requirements(names: list[str], requests: tuple[RequestDescriptor, ...]) -> list[dict[str, list[str]]]:
    """An operation's ``security``: any of the schemes when a request sends ``Authorization``, with
    ``{}`` (anonymous) too unless every request requires it; ``[]`` when none sends it."""
    if not names:
        return []
    auth = [[h for h in q.headers or () if h.name.lower() == AUTHORIZATION] for q in requests]
    if not any(auth):
        return []
    out: list[dict[str, list[str]]] = [{n: []} for n in names]
    if not all(h and all(x.required for x in h) for h in auth):
        out.append({})
    return out
