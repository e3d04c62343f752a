"""Lists: tags and catalog page after page (following ``Link``), and the referrers of a manifest."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from specgen.client.connection import Connection, fallback_urls
from specgen.client.errors import ClientError
from specgen.distribution.mediatypes import OCI_INDEX

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


class Listings:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def tags(self, name: str, page_size: int | None = None) -> Iterator[str]:
        """Every tag of a repository, page after page following ``Link``."""
        return self.paged(lambda **kw: self.conn.api.tags_paginated(name, **kw), "tags", page_size)

    def catalog(self, page_size: int | None = None) -> Iterator[str]:
        """Every repository name, page after page following ``Link``."""
        return self.paged(self.conn.api.catalog_fetch_paginated, "repositories", page_size)

    def paged(self, call: Callable[..., Any], key: str, page_size: int | None) -> Iterator[str]:
        """The items under ``key`` of every page: ``call(n=page_size)``, then ``call(url=next)``."""
        kwargs: dict[str, Any] = {} if page_size is None else {"n": page_size}
        url: str | None = None
        seen: set[str] = set()
        while True:
            res = call(url=url, **({} if url else kwargs))
            body = res.body if isinstance(res.body, dict) else {}
            yield from body.get(key) or []
            m = _LINK.search(res.headers.get("link") or "")
            if not m:
                return
            url = self.conn.transport.url(m.group(1))
            if url in seen:
                raise ClientError(f"the registry's Link header loops back to {url}")
            seen.add(url)

    def referrers(self, name: str, digest: str, artifact_type: str | None = None) -> list[dict]:
        """Descriptors of the manifests whose ``subject`` is ``digest`` (OCI referrers API)."""
        api = self.conn.api
        if hasattr(api, "list_referrers"):  # a set with the referrers API
            res = api.list_referrers(name, digest, artifact_type=artifact_type, headers={"Accept": OCI_INDEX})
            body = res.body if isinstance(res.body, dict) else {}
        else:
            try:
                path = fallback_urls().referrers(name, digest)
            except ValueError as exc:
                raise ClientError(f"referrers of {name}@{digest}: {exc}") from None
            resp = self.conn.transport.send(
                "GET",
                path,
                headers={"Accept": OCI_INDEX},
                params=[("artifactType", artifact_type)] if artifact_type else [],
            )
            if resp.status_code != 200:
                self.conn.raise_for(resp)
            body = resp.json()
        return list(body.get("manifests") or [])
