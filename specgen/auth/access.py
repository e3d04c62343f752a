"""What each registry request needs, as distribution's ``appendAccessRecords`` (registry/handlers/
app.go) says: reads need ``pull``, writes ``pull,push``, deletes ``delete``, the catalog
``registry:catalog:*``. A cross-repository mount also asks for ``pull`` on its ``from``
repository: listed in the challenge, so a client's token covers it, but checked by the mount
itself (without it the registry starts a plain upload instead of mounting)."""

from __future__ import annotations

from typing import NamedTuple

from specgen.auth.scopes import Access
from specgen.distribution import routenames
from specgen.distribution.grammar import NAME_REGEXP

_REPOSITORY_ROUTES = {
    routenames.MANIFEST,
    routenames.BLOB,
    routenames.BLOB_UPLOAD,
    routenames.BLOB_UPLOAD_CHUNK,
    routenames.TAGS,
    routenames.REFERRERS,
}
_UPLOADS = {routenames.BLOB_UPLOAD, routenames.BLOB_UPLOAD_CHUNK}
_NAME = NAME_REGEXP.python


class Needs(NamedTuple):
    #: every one must be granted for the request to go through
    required: tuple[Access, ...]
    #: asked for in a challenge too, checked by the handler (the mount's source)
    optional: tuple[Access, ...] = ()


def needs(route_name: str, method: str, variables: dict[str, str], query: dict[str, str]) -> Needs:
    """The accesses a request on ``route_name`` needs (``()`` for the base route: only a valid
    identity)."""
    if route_name == routenames.CATALOG:
        return Needs((Access("registry", "catalog", ("*",)),))
    name = variables.get("name")
    if route_name not in _REPOSITORY_ROUTES or not name:
        return Needs(())
    method = "GET" if method == "HEAD" else method
    if route_name in _UPLOADS:
        optional: tuple[Access, ...] = ()
        source = query.get("from")
        # only a name of the grammar goes into a challenge (the query is the client's: no CRLF)
        if method == "POST" and "mount" in query and source and source != name and _NAME.fullmatch(source):
            optional = (Access("repository", source, ("pull",)),)
        return Needs((Access("repository", name, ("pull", "push")),), optional)
    if method == "GET":
        return Needs((Access("repository", name, ("pull",)),))
    if method == "DELETE":
        return Needs((Access("repository", name, ("delete",)),))
    return Needs((Access("repository", name, ("pull", "push")),))
