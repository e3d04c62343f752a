"""The S3 connection of a driver: one aiobotocore client per event loop, and the one place that
turns transport failures into ``StorageUnavailable``.

aiobotocore (aio-libs' asyncio port of botocore, the AWS SDK's core) speaks the whole S3 API the
driver needs (multipart uploads, conditional writes, ListObjectsV2, presigning) on aiohttp, so
parts stream without a thread per request.

The one-object requests of the hot paths (GET, HEAD, PUT, DELETE of a key: tags, links, manifests,
blob reads) skip botocore's request pipeline (endpoint rules, event hooks, XML models: about 0.8 ms
of CPU a call, measured) when the driver has an endpoint, path-style addressing and explicit keys:
they are signed with botocore's own SigV4 signer and sent on an aiohttp session, about 0.25 ms a
call. Their failures look the same to the callers (botocore's ``ClientError``).
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterator
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
        self._http: Any = None  # aiohttp session of the fast path, on ``self._loop``
        self._signer: Any = None
        self.fast = bool(cfg.endpoint and cfg.path_style and cfg.access_key and cfg.secret_key)
        self._base = f"{cfg.endpoint}/{urllib.parse.quote(cfg.bucket)}/" if cfg.endpoint else ""

    async def client(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is loop:
            return self._client
        from aiobotocore.session import get_session

        if self._lock is None or self._loop is not loop:
            _abandon(self._client)  # a client of another (finished) loop cannot be used here
            _abandon_http(self._http)
            self._lock = asyncio.Lock()
            self._loop = loop
            self._client = self._http = None
        async with self._lock:
            if self._client is None:
                self._context = get_session().create_client(
                    "s3", config=botocore_config(self.cfg), **client_kwargs(self.cfg)
                )
                self._client = await self._context.__aenter__()
        return self._client

    async def close(self) -> None:
        if self._loop is asyncio.get_running_loop():
            if self._context is not None:
                await self._context.__aexit__(None, None, None)
            if self._http is not None:
                await self._http.close()
        else:  # opened on a loop that is gone
            _abandon(self._client)
            _abandon_http(self._http)
        self._client = self._context = self._http = None

    # -- the fast path: one signed request on aiohttp ------------------------------------------------
    async def _session(self) -> Any:
        await self.client()  # same loop bookkeeping
        if self._http is None:
            import aiohttp
            from botocore.auth import S3SigV4Auth
            from botocore.credentials import Credentials

            self._signer = S3SigV4Auth(Credentials(self.cfg.access_key, self.cfg.secret_key), "s3", self.cfg.region)
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=30),
                timeout=aiohttp.ClientTimeout(sock_connect=5, sock_read=60),
                auto_decompress=False,
                read_bufsize=1 << 20,  # blob reads: fewer, larger pieces through the event loop
            )
        return self._http

    async def request(self, method: str, key: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Any:
        """A signed request for one key; the aiohttp response (the caller reads and releases it).
        A 4xx raises botocore's ``ClientError`` (as the botocore path would); a 5xx, a refused
        connection or a timeout is retried once, then ``StorageUnavailable``."""
        from botocore.awsrequest import AWSRequest
        from botocore.exceptions import ClientError

        session = await self._session()
        url = self._base + urllib.parse.quote(key, safe="/-_.~")
        for attempt in (1, 2):
            req = AWSRequest(
                method=method, url=url, headers={**(headers or {}), "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}
            )
            self._signer.add_auth(req)
            try:
                resp = await session.request(method, url, headers=dict(req.headers.items()), data=body or None)
            except (TimeoutError, OSError) as exc:
                if attempt == 2:
                    raise StorageUnavailable(f"s3 {method} {key}: {type(exc).__name__}: {exc}") from exc
                continue
            except Exception as exc:
                if attempt == 2 or not type(exc).__module__.startswith("aiohttp"):
                    if type(exc).__module__.startswith("aiohttp"):
                        raise StorageUnavailable(f"s3 {method} {key}: {type(exc).__name__}: {exc}") from exc
                    raise
                continue
            if resp.status < 300 or resp.status == 304:
                return resp
            detail = (await resp.read())[:2000].decode(errors="replace") if method != "HEAD" else ""
            resp.release()
            code = _xml_code(detail) or str(resp.status)
            if resp.status >= 500 and attempt == 1:
                continue
            if resp.status >= 500 or resp.status in (401, 403):
                raise StorageUnavailable(f"s3 {method} {key}: {code}")
            raise ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": resp.status}}, method)
        raise AssertionError("unreachable")

    async def stream(self, key: str, range_header: str | None = None) -> tuple[int, AsyncIterator[bytes]]:
        """(length, body pieces) of an object or a byte range of it."""
        if not self.fast:
            params = {"Range": range_header} if range_header else {}
            resp = await self.call("get_object", Key=key, **params)
            return int(resp["ContentLength"]), _botocore_pieces(resp["Body"], key)
        resp = await self.request("GET", key, {"Range": range_header} if range_header else None)
        return int(resp.headers.get("Content-Length", 0)), _aiohttp_pieces(resp, key)

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
            if self.fast:
                resp = await self.request("GET", key)
                try:
                    return await resp.read()
                except (TimeoutError, OSError) as exc:
                    raise StorageUnavailable(f"s3 read {key}: {exc}") from exc
                finally:
                    resp.release()
            found = await self.call("get_object", Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise
        return await self.read_body(found, key)

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
            if self.fast:
                resp = await self.request("HEAD", key)
                resp.release()
                return {
                    "ContentLength": int(resp.headers.get("Content-Length", 0)),
                    "ETag": resp.headers.get("ETag"),
                    "LastModified": _http_date(resp.headers.get("Last-Modified")),
                }
            return await self.call("head_object", Key=key)
        except ClientError as exc:
            if is_missing(exc):
                return None
            raise

    async def put(self, key: str, body: bytes, **params: Any) -> dict:
        if self.fast and set(params) <= {"IfMatch", "IfNoneMatch"}:
            headers = {"Content-Length": str(len(body))}
            if "IfMatch" in params:
                headers["If-Match"] = params["IfMatch"]
            if "IfNoneMatch" in params:
                headers["If-None-Match"] = params["IfNoneMatch"]
            resp = await self.request("PUT", key, headers, body)
            resp.release()
            return {"ETag": resp.headers.get("ETag")}
        return await self.call("put_object", Key=key, Body=body, **params)

    async def delete(self, key: str) -> None:
        if self.fast:
            (await self.request("DELETE", key)).release()
            return
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


def _http_date(value: str | None) -> Any:
    """A ``Last-Modified`` header as an aware datetime (as botocore gives it), or None."""
    import email.utils

    try:
        return email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def modified_at(head: dict | None) -> float | None:
    """The ``LastModified`` of a ``head`` answer as Unix time (the store's clock), or None."""
    when = (head or {}).get("LastModified")
    return None if when is None else float(when.timestamp())


def _xml_code(body: str) -> str:
    """The ``<Code>`` of an S3 error document, or ""."""
    start = body.find("<Code>")
    end = body.find("</Code>", start)
    return body[start + 6 : end] if start >= 0 and end > start else ""


def _abandon_http(session: Any) -> None:
    """As ``_abandon``, for the fast path's aiohttp session."""
    if session is None:
        return
    try:
        if session.connector is not None:
            session.connector._close()
            session._connector = None
    except (AttributeError, TypeError, RuntimeError):
        pass


#: Bytes of a piece of a blob read (one ASGI send each).
PIECE = 1 << 20
#: Pieces of a blob read ahead from the store while earlier ones are sent to the client.
READ_AHEAD = 4


async def _aiohttp_pieces(resp: Any, key: str) -> AsyncIterator[bytes]:
    """The body's pieces, read ahead by a task of its own (up to ``READ_AHEAD`` pieces), so that
    reading from the store and sending to the client overlap instead of taking turns."""
    queue: asyncio.Queue = asyncio.Queue(READ_AHEAD)

    async def read() -> None:
        try:
            async for piece in resp.content.iter_chunked(PIECE):
                await queue.put(piece)
            await queue.put(None)
        except BaseException as exc:
            await queue.put(exc)

    reader = asyncio.ensure_future(read())
    try:
        while True:
            piece = await queue.get()
            if piece is None:
                return
            if isinstance(piece, BaseException):
                if isinstance(piece, (OSError, TimeoutError)):
                    raise StorageUnavailable(f"s3 read {key}: {piece}") from piece
                raise piece
            yield piece
    finally:
        reader.cancel()
        try:
            await reader
        except BaseException:
            pass
        resp.release()


async def _botocore_pieces(body: Any, key: str) -> AsyncIterator[bytes]:
    try:
        async for piece in body.iter_chunks(1 << 20):
            yield piece
    except (TimeoutError, OSError) as exc:
        raise StorageUnavailable(f"s3 read {key}: {exc}") from exc
    finally:
        body.close()
