"""What the handlers read of a request: structural types every bundled set's generated request
classes satisfy (``build/<set>/server/handlers.py``), so one backend serves each set and mypy proves
it (``tests/test_registry_interface.py``).

Path and query parameters are read as the generated classes' typed attributes. A query parameter
one set declares and another does not (``digest-algorithm``) is read with ``optional``; headers a
set may not declare are read from ``headers`` (they are there either way).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

from specgen.distribution.registry_urls import RegistryURLBuilder
from specgen.server.runtime import Operation


class AnyRequest(Protocol):
    """The runtime's ``Request``, as far as handlers use it."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def head(self) -> bool: ...

    @property
    def operation(self) -> Operation: ...

    @property
    def scope(self) -> Mapping[str, Any]: ...

    @property
    def urls(self) -> RegistryURLBuilder: ...

    def query(self, name: str) -> str | None: ...

    #: Every query parameter as sent, in order, repeats included (``?tag=a&tag=b``).
    query_params: list[tuple[str, str]]

    def stream(self) -> AsyncIterator[bytes]: ...

    def raw_body(self) -> Any: ...

    async def read(self, limit: int | None = None) -> bytes: ...

    async def drain(self) -> None: ...


class RepositoryRequest(AnyRequest, Protocol):
    @property
    def name(self) -> str: ...


class BlobRequest(RepositoryRequest, Protocol):
    @property
    def digest(self) -> str: ...


class BlobPartRequest(BlobRequest, Protocol):
    @property
    def range(self) -> str | None: ...


class ReferrersRequest(BlobRequest, Protocol):
    @property
    def artifacttype(self) -> str | None: ...


class ManifestRequest(RepositoryRequest, Protocol):
    @property
    def reference(self) -> str: ...


class MonolithicUploadRequest(RepositoryRequest, Protocol):
    @property
    def digest(self) -> str | None: ...


class MountRequest(RepositoryRequest, Protocol):
    @property
    def mount(self) -> str | None: ...


class MountFromRequest(MountRequest, Protocol):
    @property
    def from_(self) -> str | None: ...


class UploadRequest(RepositoryRequest, Protocol):
    @property
    def uuid(self) -> str: ...


class ChunkRequest(UploadRequest, Protocol):
    @property
    def content_range(self) -> str | None: ...


class CloseUploadRequest(UploadRequest, Protocol):
    @property
    def digest(self) -> str | None: ...


class PageRequest(AnyRequest, Protocol):
    @property
    def n(self) -> int | None: ...

    @property
    def last(self) -> str | None: ...


class RepositoryPageRequest(RepositoryRequest, PageRequest, Protocol):
    pass


def optional(request: AnyRequest, attribute: str, query: str) -> str | None:
    """A query parameter only some sets declare: the typed attribute where the request class has
    one (the runtime sets each declared parameter), else the query as sent, so that every set is
    served alike."""
    if hasattr(request, attribute):
        value = getattr(request, attribute)
        return None if value is None else str(value)
    return request.query(query)
