"""What the entity handlers share: their context (the storage driver and the set), repository-name
and digest checks, the storage failures as API errors, ``Location`` headers (from the request's URL
builder, ``request.urls``, which honours ``Forwarded`` / ``X-Forwarded-*``), and pagination.

A storage that fails (``StorageUnavailable``: disk full, I/O error, object store down) is answered
by every handler alike (``Entity`` wraps them): 503 ``UNAVAILABLE`` in the errors envelope, its
connection closed after the answer (a body may be left unread), with nothing of the driver's reason
(paths, hosts) for the client; the reason goes to the log with the request id."""

from __future__ import annotations

import functools
import inspect
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote

from specgen.distribution.digest import DigestError, parse_digest
from specgen.distribution.registry_urls import RegistryURLBuilder
from specgen.model import DescriptorSet
from specgen.registry.handlers.requests import AnyRequest, RepositoryRequest
from specgen.registry.storage import InvalidName, RangeMismatch, StorageDriver, UploadBusy, UploadUnknown
from specgen.registry.storage.driver import StorageUnavailable
from specgen.server.runtime import APIError, Response, request_id

log = logging.getLogger("specgen.registry")

#: distribution/reference's limit on a repository name.
NAME_MAX = 255


@dataclass
class Context:
    """Everything a handler needs besides its request."""

    driver: StorageDriver
    dset: DescriptorSet
    #: Paths of the set's routes, relative (``Link`` headers point into this server as requested).
    paths: RegistryURLBuilder = field(init=False)

    def __post_init__(self) -> None:
        self.paths = RegistryURLBuilder("/", relative=True, routes=self.dset)


class Entity:
    """Handlers of one entity (distribution's ``blobHandler``, ``manifestHandler``, ...). Every
    public coroutine method of a subclass (a handler) answers ``StorageUnavailable`` as
    ``storage_unavailable`` does."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.driver = ctx.driver

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name, fn in list(vars(cls).items()):
            if not name.startswith("_") and inspect.iscoroutinefunction(fn):
                setattr(cls, name, _answering_storage_failures(fn))


def storage_unavailable(request: AnyRequest, exc: StorageUnavailable) -> APIError:
    """The answer to a failed storage: 503 UNAVAILABLE, the reason only in the log."""
    scope = getattr(request, "scope", None)
    rid = request_id(scope) if isinstance(scope, dict) else "-"
    log.error("request %s: storage unavailable: %s", rid, exc.reason)
    return APIError(
        "UNAVAILABLE",
        status=503,
        message="the registry's storage cannot complete this request now; try again later",
        headers={"Connection": "close", "Retry-After": "30"},
    )


def _answering_storage_failures(fn):
    @functools.wraps(fn)
    async def handler(self, request, *args, **kwargs):
        try:
            return await fn(self, request, *args, **kwargs)
        except StorageUnavailable as exc:
            raise storage_unavailable(request, exc) from None

    return handler


def repository(request: RepositoryRequest) -> str:
    name = request.name
    if len(name) > NAME_MAX:
        raise APIError("NAME_INVALID", message="repository name too long", detail=name)
    return name


def checked_digest(text: str | None, *codes: str) -> str:
    """``text`` when it is a digest of a supported algorithm, else ``APIError`` with ``codes``."""
    try:
        parse_digest(text or "")
    except DigestError as exc:
        raise APIError(*(codes or ("DIGEST_INVALID",)), message=f"{exc}: {text!r}", detail=text) from None
    return text or ""


def upload_unknown(upload_id: str) -> APIError:
    return APIError("BLOB_UPLOAD_UNKNOWN", message="upload unknown", detail=upload_id)


@contextmanager
def upload_errors(upload_id: str) -> Iterator[None]:
    """A session the storage does not know, or one another request holds, as the API says it."""
    try:
        yield
    except (UploadUnknown, InvalidName):
        raise upload_unknown(upload_id) from None
    except UploadBusy:
        raise APIError("BLOB_UPLOAD_INVALID", message="upload is in use by another request") from None


def upload_headers(ctx: Context, request: AnyRequest, name: str, upload_id: str, offset: int) -> dict[str, str]:
    """Headers of an answer about a session in progress."""
    return {
        "Location": request.urls.blob_upload_chunk(name, upload_id),
        "Range": f"0-{max(offset - 1, 0)}",
        "Content-Length": "0",
        "Docker-Upload-UUID": upload_id,
        "OCI-Chunk-Min-Length": "1",  # any chunk size is fine here
    }


def range_mismatch(
    ctx: Context, request: AnyRequest, name: str, upload_id: str, exc: RangeMismatch, message: str, *codes: str
) -> APIError:
    return APIError(
        *(codes or ("RANGE_INVALID",)),
        status=416,
        message=message,
        headers=upload_headers(ctx, request, name, upload_id, exc.offset),
    )


def blob_created(
    ctx: Context, request: AnyRequest, name: str, digest: str, size: int | None = None, upload_id: str | None = None
) -> Response:
    headers = {
        "Location": request.urls.blob(name, digest),
        "Content-Length": "0",
        "Docker-Content-Digest": digest,
        # declared on every 201 of the upload route, even when no session was needed
        "Docker-Upload-UUID": upload_id or str(uuid.uuid4()),
    }
    if size is not None:
        headers["Content-Range"] = f"0-{max(size - 1, 0)}"
    return Response(201, headers)


# -- pagination -----------------------------------------------------------------------------------


def page_size(n: object) -> int | None:
    """The ``n`` of a listing (the runtime checked it is digits where the set says so)."""
    if n is None:
        return None
    if not isinstance(n, int) or isinstance(n, bool):
        raise APIError("PAGINATION_NUMBER_INVALID", message="n must be an integer")
    if n < 0:
        raise APIError("PAGINATION_NUMBER_INVALID", message="n must not be negative")
    return n


def page(items: list[str], n: int | None, url_path: str) -> tuple[list[str], dict[str, str]]:
    """The first ``n`` of ``items`` (fetched with one more, to know if there are more) and the
    ``Link`` to the next page, relative as distribution sends it."""
    headers = {}
    if n is not None and len(items) > n:
        items = items[:n]
        if items:
            headers["Link"] = f'<{url_path}?n={n}&last={quote(items[-1], safe="")}>; rel="next"'
    return items, headers
