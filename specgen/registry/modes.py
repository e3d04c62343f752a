"""The registry's modes, switched in the configuration (``registry.read_only``,
``registry.delete_enabled``), applied to a ``Registry`` backend by replacing the handler methods
they turn off with one that answers ``405 UNSUPPORTED`` in the errors envelope:

- read-only, as distribution's ``maintenance.readonly``: every write (push a manifest or a blob,
  any upload request, mount, delete) is refused; reads go on. For a backup or a migration.
- deletes off, as distribution with ``storage.delete.enabled: false`` (its default): deleting a
  manifest, a tag or a blob is refused with ``UNSUPPORTED``; pushes go on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from specgen.registry.handlers import Registry
from specgen.server.runtime import Request, Response

#: The answer: distribution's ``errcode.ErrorCodeUnsupported`` and its status.
CODE, STATUS = "UNSUPPORTED", 405
#: Handler methods that delete something the registry stores (distribution's ``delete.enabled``).
DELETES = ("delete_manifest", "delete_blob")
#: Handler methods that change the registry: every push, upload, mount and delete.
WRITES = DELETES + (
    "put_manifest",
    "initiate_monolithic_blob_upload",
    "initiate_resumable_blob_upload",
    "mount_blob",
    "anonymous_mount_blob",
    "stream_upload",
    "chunked_upload",
    "put_blob_upload",
    "delete_blob_upload",
)


def _refuse(message: str, off: frozenset[str]) -> Callable[[Request], Awaitable[Response]]:
    async def refused(request: Request) -> Response:
        # 405, UNSUPPORTED's registered status, whatever status the request declares the code
        # under (distribution answers so); Allow names the methods of this route still served
        allowed = [m for m, ops in request.route.methods.items() if any(op.handler not in off for op in ops)]
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.append("HEAD")
        headers = {"Allow": ", ".join(allowed)}
        if "100-continue" in request.headers.get("expect", "").lower() and not request.started:
            headers["Connection"] = "close"  # the client sent no body yet: do not ask for it
        else:
            await request.drain()  # an unread body would break the next request on the connection
        entry = {"code": CODE, "message": message, "detail": {"method": request.method, "route": request.route.name}}
        return Response.json({"errors": [entry]}, status=STATUS, headers=headers)

    return refused


def apply(backend: Registry, *, read_only: bool = False, delete_enabled: bool = True) -> list[str]:
    """Turn off what the modes forbid on ``backend`` (call before the app binds its handlers);
    the handler methods turned off."""
    if read_only:
        off, message = frozenset(WRITES), "the registry is in read-only mode"
    elif not delete_enabled:
        off, message = frozenset(DELETES), "deletes are disabled on this registry"
    else:
        return []
    refused = _refuse(message, off)
    for name in sorted(off):
        setattr(backend, name, refused)
    return sorted(off)
