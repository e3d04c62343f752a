"""Header values checked against the truth the step knows (what it pushed, where it is in an
upload), where one exchange alone cannot tell: a HEAD's ``Content-Length`` and
``Docker-Content-Digest``, the ``Range`` after a PATCH, where a ``Location`` leads.

Each function raises StepFailed with a message naming the header, the value and the truth."""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

from specgen.checker.context import StepFailed
from specgen.checker.validate import Exchange, match_route
from specgen.model import DescriptorSet


def header(ex: Exchange, name: str) -> str | None:
    """A response header, whatever its case."""
    wanted = name.lower()
    return next((v for k, v in ex.response_headers.items() if k.lower() == wanted), None)


def expect_value(ex: Exchange, name: str, want: str, *, required: bool = True) -> None:
    """``name`` is ``want`` (when present; and present, when ``required``)."""
    got = header(ex, name)
    if got is None:
        if required:
            raise StepFailed(f"{ex.method} answered {ex.status} without {name} (expected {want})")
        return
    if got.strip() != want:
        raise StepFailed(f"{ex.method} answered {name}: {got}, expected {want}")


def expect_length(ex: Exchange, size: int) -> None:
    """``Content-Length`` is the size of the content (a HEAD's too: the size a GET would send)."""
    got = header(ex, "Content-Length")
    if got is not None and got.strip() != str(size):
        raise StepFailed(f"{ex.method} answered Content-Length: {got}, the content has {size} bytes")


def expect_range(ex: Exchange, end: int) -> None:
    """An upload's ``Range`` is ``0-<end>``, the last byte received (``end`` -1, nothing yet, is
    ``0-0``, as distribution sends)."""
    want = f"0-{max(end, 0)}"
    got = header(ex, "Range")
    if got is None:
        raise StepFailed(f"{ex.method} answered {ex.status} without Range (expected {want})")
    if got.strip() != want:
        raise StepFailed(f"{ex.method} answered Range: {got}, expected {want} after {end + 1} bytes")


def location_route(ex: Exchange, dset: DescriptorSet, route: str, **variables: str) -> str:
    """The absolute URL of the answer's ``Location``, which must be a path of ``route`` with these
    variables (e.g. an upload of the same repository): else StepFailed."""
    loc = header(ex, "Location")
    if not loc:
        raise StepFailed(f"{ex.method} answered {ex.status} without a Location")
    url = urljoin(ex.url, loc)
    if urlsplit(url)[:2] != urlsplit(ex.url)[:2]:
        raise StepFailed(f"Location {loc!r} leads to another server than the one asked ({urlsplit(ex.url).netloc})")
    found = match_route(dset, urlsplit(url).path)
    if found is None or found[0].name != route:
        raise StepFailed(f"Location {loc!r} is not a {route} URL")
    for key, want in variables.items():
        if unquote(found[1].get(key, "")) != want:
            raise StepFailed(f"Location {loc!r} names {key} {found[1].get(key)!r}, expected {want!r}")
    upload_id = header(ex, "Docker-Upload-UUID")
    if "uuid" in found[1] and upload_id is not None and upload_id.strip() != unquote(found[1]["uuid"]):
        raise StepFailed(f"Docker-Upload-UUID: {upload_id} is not the upload its Location names ({found[1]['uuid']})")
    return url


__all__ = ["expect_length", "expect_range", "expect_value", "header", "location_route"]
