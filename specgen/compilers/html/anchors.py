"""The HTML reference's anchors, named in one place so other tools can link to them (the checker
links a failure to the response it broke).

    >>> anchor("manifest", "PUT", 201)
    'manifest-put-201'
    >>> anchor("blob-upload", "POST", "Initiate Monolithic Blob Upload")
    'blob-upload-post-initiate-monolithic-blob-upload'

Every anchor of the page is ``anchor(...)`` of its parts:

- a route: ``route-<route>``;
- a method: ``<route>-<method>``;
- a request: ``<route>-<method>-<request name>`` (``<route>-<method>-<n>`` for an unnamed one);
- a response: ``<route>-<method>-<status>`` for the first response of that status in the method;
  a later one with the same status (another request's, or another response) adds the request's
  name, then the response's name, then a counter until the anchor is new;
- a shared response (rendered once, linked from every request that has it):
  ``response-<status>-<name>``; a body schema: ``schema-<title>``; an error code: ``error-<CODE>``.

The numbered anchors of earlier pages (``<route>-<method>-<n>`` per request,
``<route>-<method>-<n>-success-<k>`` / ``-failure-<k>`` per response) stay as aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from specgen.model import DescriptorSet, ResponseDescriptor
from specgen.naming import slug


def anchor(*parts: object) -> str:
    """The anchor made of ``parts`` (each slugged, empty ones left out)."""
    return "-".join(s for s in (slug(p) for p in parts if p is not None and p != "") if s)


@dataclass
class ResponseAnchors:
    """A response's anchor and its aliases."""

    id: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class RequestAnchors:
    id: str
    aliases: list[str]
    #: (kind, index from 1) → the response's anchors; kind is "success" or "failure"
    responses: dict[tuple[str, int], ResponseAnchors]


def request_anchors(dset: DescriptorSet) -> dict[tuple[str, str, int], RequestAnchors]:
    """(route name, method, request index from 1) → the request's anchors and its responses'."""
    taken: set[str] = set()
    out: dict[tuple[str, str, int], RequestAnchors] = {}

    def claim(*candidates: str) -> str:
        for c in candidates:
            if c not in taken:
                taken.add(c)
                return c
        base, n = candidates[-1], 2
        while f"{base}-{n}" in taken:
            n += 1
        taken.add(f"{base}-{n}")
        return f"{base}-{n}"

    for route in dset.routes:
        taken.add(anchor("route", route.name))
        for method in route.methods or ():
            taken.add(anchor(route.name, method.method))
    for route in dset.routes:
        for method in route.methods or ():
            requests = method.requests or ()
            numbered = [anchor(route.name, method.method, n) for n in range(1, len(requests) + 1)]
            taken.update(numbered)
            for n, request in enumerate(requests, 1):
                rid = claim(anchor(route.name, method.method, request.name)) if request.name else numbered[n - 1]
                aliases = [numbered[n - 1]] if rid != numbered[n - 1] else []
                responses: dict[tuple[str, int], ResponseAnchors] = {}
                for kind, listed in (("success", request.successes), ("failure", request.failures)):
                    for k, r in enumerate(listed or (), 1):
                        base = anchor(route.name, method.method, r.status_code)
                        name = claim(
                            base,
                            anchor(base, request.name or f"request-{n}"),
                            anchor(base, request.name or f"request-{n}", r.name),
                        )
                        old = anchor(numbered[n - 1], kind, k)
                        taken.add(old)
                        responses[(kind, k)] = ResponseAnchors(name, [old])
                out[(route.name, method.method, n)] = RequestAnchors(rid, aliases, responses)
    return out


def shared_anchor(response: ResponseDescriptor) -> str:
    """The anchor of a response rendered once in the shared section."""
    return anchor("response", response.status_code, response.name or "response")


def schema_anchor(title: str) -> str:
    return anchor("schema", title)


def error_anchor(code: str) -> str:
    return f"error-{code}"
