"""The S3 connection of a driver: one aiobotocore client per event loop, and the one place that
turns transport failures into ``StorageUnavailable``.

aiobotocore (aio-libs' asyncio port of botocore, the AWS SDK's core) speaks the whole S3 API the
driver needs (multipart uploads, conditional writes, ListObjectsV2, presigning) on aiohttp, so
parts stream without a thread per request.
"""

from __future__ import annotations

import asyncio
from typing import Any

from specgen.registry.storage.driver import StorageUnavailable
from specgen.registry.storage.s3.config import S3Config, botocore_config, client_kwargs


def error_code(exc: BaseException) -> tuple[str, int | None]:
    """(S3 error code, HTTP status) of a botocore ``ClientError``; ("", None) for anything else."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return "", None
    return str(response.get("Error", {}).get("Code", "")), response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def is_missing(exc: BaseException) -> bool:
    code, status = error_code(exc)
    return status == 404 or code in ("NoSuchKey", "NotFound", "404")


def is_precondition(exc: BaseException) -> bool:
    code, status = error_code(exc)
    return status == 412 or code in ("PreconditionFailed", "ConditionalRequestConflict")


def _abandon(client: Any) -> None:
    """Close the sockets of a client whose event loop is gone (its async close cannot run there
    any more): the tests' ``asyncio.run`` per call, a driver reused by a new loop. Best effort on
    aiobotocore's internals; at worst aiohttp warns of an unclosed session."""
    if client is None:
        return
    try:
        for session in list(client._endpoint.http_session._sessions.values()):
            if session.connector is not None:
                session.connector._close()
                session._connector = None
    except (AttributeError, TypeError, RuntimeError):
        pass


class S3:
    """Calls on one bucket; ``await s3.call("put_object", Key=..., Body=...)``. Errors the caller
    expects (a missing key, a failed precondition) come back as botocore's ``ClientError``; an
    unreachable store, a timeout or a 5xx becomes ``StorageUnavailable``."""

    def __init__(self, cfg: S3Config):
        self.cfg = cfg
        self._client: Any = None
        self._context: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None

    async def client(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is loop:
            return self._client
        from aiobotocore.session import get_session

        if self._lock is None or self._loop is not loop:
            _abandon(self._client)  # a client of another (finished) loop cannot be used here
            self._lock = asyncio.Lock()
            self._loop = loop
            self._client = None
        async with self._lock:
            if self._client is None:
                self._context = get_session().create_client(
                    "s3", config=botocore_config(self.cfg), **client_kwargs(self.cfg)
                )
                self._client = await self._context.__aenter__()
        return self._client

    async def close(self) -> None:
        if self._context is not None and self._loop is asyncio.get_running_loop():
            await self._context.__aexit__(None, None, None)
        self._client = self._context = None

    async def call(self, operation: str, **params: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        client = await self.client()
        try:
            return await getattr(client, operation)(Bucket=self.cfg.bucket, **params)
        except ClientError as exc:
            code, status = error_code(exc)
            if status is not None and status >= 500 or code in ("SlowDown", "ServiceUnavailable", "InternalError"):
                raise StorageUnavailable(f"s3 {operation}: {code or status}") from exc
            if status in (401, 403):
                raise StorageUnavailable(f"s3 {operation}: access refused ({code or status})") from exc
            raise
        except (TimeoutError, BotoCoreError, OSError) as exc:
            raise StorageUnavailable(f"s3 {operation}: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("aiohttp"):
                raise StorageUnavailable(f"s3 {operation}: {type(exc).__name__}: {exc}") from exc
            raise

    async def get_bytes(self, key: str) -> bytes | None:
        """The whole object, or None when there is no such key."""
        from botocore.exceptions import ClientError

        try:
            resp = await self.call("get_object", Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        return await self.read_body(resp, key)

    async def read_body(self, resp: Any, what: str) -> bytes:
        try:
            async with resp["Body"] as stream:
                return await stream.read()
        except (TimeoutError, OSError) as exc:
            raise StorageUnavailable(f"s3 read {what}: {exc}") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("aiohttp"):
                raise StorageUnavailable(f"s3 read {what}: {type(exc).__name__}: {exc}") from exc
            raise

    async def head(self, key: str) -> dict | None:
        from botocore.exceptions import ClientError

        try:
            return await self.call("head_object", Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise

    async def put(self, key: str, body: bytes, **params: Any) -> dict:
        return await self.call("put_object", Key=key, Body=body, **params)

    async def delete(self, key: str) -> None:
        await self.call("delete_object", Key=key)

    async def exists(self, key: str) -> bool:
        return await self.head(key) is not None

    async def keys(
        self, prefix: str, start_after: str | None = None, limit: int | None = None, delimiter: str | None = None
    ) -> list[str]:
        """Keys (and, with ``delimiter``, common prefixes) under ``prefix`` in S3's order (UTF-8
        bytes, that is code points), after ``start_after``, at most ``limit``: ListObjectsV2 page
        by page."""
        out: list[str] = []
        params: dict[str, Any] = {"Prefix": prefix}
        if start_after:
            params["StartAfter"] = start_after
        if delimiter:
            params["Delimiter"] = delimiter
        while True:
            if limit is not None:
                params["MaxKeys"] = max(1, min(1000, limit - len(out)))
            page = await self.call("list_objects_v2", **params)
            found = [o["Key"] for o in page.get("Contents", ())]
            found += [p["Prefix"] for p in page.get("CommonPrefixes", ())]
            out += sorted(found) if delimiter else found
            if limit is not None and len(out) >= limit:
                return out[:limit]
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return out
            params.pop("StartAfter", None)
            params["ContinuationToken"] = token
