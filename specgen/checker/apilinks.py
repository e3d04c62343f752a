"""Links from a check's exchange to the response it exercised in the API reference
(``build/<set>/api.html``, made from templates/html).

One function, :func:`response_anchor`, spells the reference's anchors, so a change of anchor scheme
(e.g. to named anchors such as ``#manifest-put-201``) is a change here only."""

from __future__ import annotations

from pathlib import Path

from specgen.checker.validate import request_label, responses_of
from specgen.layout import BUILD
from specgen.model import DescriptorSet
from specgen.naming import slug


def response_anchor(dset: DescriptorSet, descriptor: str) -> str | None:
    """The api.html anchor (without ``#``) of ``descriptor``, a ``route/METHOD/request/response``
    path as exchanges record it: the response's, or its request's when the status is undeclared;
    None when the set has no such request. The template's scheme: ``<route>-<method>-<n>`` per
    request, ``-success-<n>`` / ``-failure-<n>`` per response."""
    parts = descriptor.split("/", 3)
    if len(parts) != 4:
        return None
    route_name, verb, request, response = parts
    try:
        route = dset.route(route_name)
    except KeyError:
        return None
    for method in route.methods or ():
        if method.method != verb:
            continue
        for i, req in enumerate(method.requests or ()):
            if request_label(method, i) != request:
                continue
            anchor = f"{slug(route.name)}-{slug(method.method)}-{i + 1}"
            kinds = {True: 0, False: 0}
            for label, _resp, ok in responses_of(req):
                kinds[ok] += 1
                if label == response:
                    return f"{anchor}-{'success' if ok else 'failure'}-{kinds[ok]}"
            return anchor  # a status the request does not declare: its request, which lists them
    return None


def reference_url(dset: DescriptorSet) -> str | None:
    """Where the set's API reference is: the bundled build's api.html, when there is one."""
    page = Path(BUILD) / dset.name / "api.html"
    return page.resolve().as_uri() if page.is_file() else None


def response_link(dset: DescriptorSet, descriptor: str, base: str | None = None) -> str | None:
    """``<reference page>#<anchor>`` for ``descriptor``, or None."""
    anchor = response_anchor(dset, descriptor)
    page = base if base is not None else reference_url(dset)
    return f"{page}#{anchor}" if anchor and page else None
