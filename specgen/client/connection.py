"""What every part of ``RegistryClient`` shares: the generated client of a set, its transport, and
the few helpers they all need (Location of an answer, error of a raw response, URL of a route)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx

from specgen.client.errors import ClientError, raise_for
from specgen.client.runtime import Transport
from specgen.distribution.registry_urls import RegistryURLBuilder

#: generated client sets tried in order when none is named
DEFAULT_SETS = ("oci_v1_1", "registry_v2")


def generated_client(set_name: str | None = None) -> ModuleType:
    """The generated client module of ``set_name`` (default: the first of ``DEFAULT_SETS`` built)."""
    names = (set_name,) if set_name else DEFAULT_SETS
    for name in names:
        try:
            return importlib.import_module(f"specgen._generated.{name}.client")
        except ModuleNotFoundError:
            continue
    raise ClientError(f"no generated client for {' or '.join(names)}: run `specgen build`")


@dataclass
class Connection:
    """The generated client module, its ``Client`` instance (``api``) and the transport under it."""

    module: ModuleType
    api: Any
    transport: Transport

    def location(self, result: Any, fallback: str | None = None) -> str:
        """The absolute Location an answer points to (an upload session, a blob)."""
        loc = getattr(result, "location", None) or result.headers.get("location") or fallback
        if not loc:
            raise ClientError("the registry answered an upload request without a Location")
        return self.transport.url(loc) if not loc.startswith(("http://", "https://")) else loc

    def raise_for(self, response: httpx.Response) -> None:
        """Raise the generated exception class of an error answer to a raw request."""
        raise_for(response, self.api.ERRORS)


@cache
def fallback_urls() -> RegistryURLBuilder:
    """Paths (relative to the registry's base URL) of the routes of the default set, for requests a
    generated client's own set does not declare (``HEAD`` on a blob, the referrers API)."""
    from specgen.descriptors import DEFAULT_SET, load_set

    return RegistryURLBuilder("/", relative=True, routes=load_set(DEFAULT_SET))


def upload_id(location: str) -> str:
    """The upload id: the last segment of an upload Location path."""
    return urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
