"""What garbage collection (``specgen.registry.gc``) asks of the S3 driver: list blobs and layer
links, blob times, touch, and the conditional delete, safe with any number of nodes and collectors
on one bucket.

S3 has no rename and (on most stores) no conditional DELETE, so the filesystem driver's
"rename aside, look again, delete or move back" becomes a claim plus a touch marker:

- A blob's time is the later ``LastModified`` (the store's clock, so nodes' clocks do not matter)
  of its ``data`` and of its ``touched`` marker, rounded up to the next second (HTTP dates are
  truncated to whole seconds: a blob never looks older than it is).
- ``touch``: HEAD ``data`` (absent: False); PUT ``touched``; then, while a collector's claim
  ``gc`` exists, wait for it to end; then answer whether ``data`` still exists.
- ``collect``: look at the time (young: keep); create the claim ``gc`` with ``If-None-Match: *``
  (another collector holds it: leave the blob to it); look at the time again, *after* the claim
  exists (young now: keep); DELETE ``data`` and ``touched``; DELETE the claim.

Why a touch that returned True keeps the blob: the store orders the touch's PUT of ``touched``
against the collector's second look. Before it, the collector sees the new time and keeps the
blob. After it, the claim already existed when the touch wrote, so the touch's look for the claim
finds it (or finds it gone, and with it ``data``): it waits for the collector to finish and then
sees ``data`` gone, and answers False. A touch after the deletion finds no ``data``: False.

A collector that dies holding a claim: the claim carries an expiry (``LEASE`` seconds ahead); an
expired claim is taken over with ``If-Match`` on its ETag (one taker wins), by a collector or by a
waiting touch (which then deletes it). A collector that takes longer than half the lease between
creating its claim and deleting ``data`` gives up without deleting, so a claim is never taken
over from a collector that still deletes under it (as long as one DELETE takes less than half
the lease). Clocks of nodes and collectors are compared only through these expiries (the upload
session lease assumes the same).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

from specgen.registry.storage.s3.client import S3, is_missing, is_precondition, modified_at
from specgen.registry.storage.s3.keys import Keys

#: Seconds a collector's claim on a blob lasts; a claim older than this is taken over.
LEASE = 30.0


def _digest_of(key: str, base: str, leaf: str) -> str | None:
    """``<base><alg>/.../<hex>/<leaf>`` → ``alg:hex`` (None for any other key)."""
    parts = key[len(base) :].split("/")
    if len(parts) < 3 or parts[-1] != leaf:
        return None
    return f"{parts[0]}:{parts[-2]}"


async def list_blobs(s3: S3, keys: Keys) -> list[str]:
    out = []
    for key in await s3.keys(keys.blobs):
        digest = _digest_of(key, keys.blobs, "data")
        if digest is not None:
            out.append(digest)
    return out


async def layers(s3: S3, keys: Keys, name: str) -> list[str]:
    base = keys.layers(name)
    return sorted(d for d in (_digest_of(k, base, "link") for k in await s3.keys(base)) if d is not None)


async def state(s3: S3, keys: Keys, digest: str) -> tuple[int, float] | None:
    """(size, last stored or touched) of a blob, or None when it is absent."""
    data, touched = await asyncio.gather(s3.head(keys.blob(digest)), s3.head(keys.touched(digest)))
    if data is None:
        return None
    times = [t for t in (modified_at(data), modified_at(touched)) if t is not None]
    when = max(times) + 1.0 if times else time.time()  # no date from the store: young, kept
    return int(data["ContentLength"]), when


async def modified(s3: S3, keys: Keys, digest: str) -> float | None:
    found = await state(s3, keys, digest)
    return None if found is None else found[1]


async def touch(s3: S3, keys: Keys, digest: str) -> bool:
    data = keys.blob(digest)
    if not await s3.exists(data):
        return False
    await s3.put(keys.touched(digest), b"")
    held = await _wait_for_claim(s3, keys.claim(digest))
    try:
        return await s3.exists(data)
    finally:
        if held:
            await _quietly_delete(s3, keys.claim(digest))


async def collect(s3: S3, keys: Keys, digest: str, older_than: float) -> int | None:
    first = await state(s3, keys, digest)
    if first is None or first[1] >= older_than:
        return None
    claim = keys.claim(digest)
    started = time.monotonic()
    if not await _claim(s3, claim):
        return None  # another collector (or a touch) holds it
    try:
        again = await state(s3, keys, digest)
        if again is None or again[1] >= older_than:
            return None
        if time.monotonic() - started > LEASE / 2:
            return None  # too slow: the claim may be taken over before the DELETE lands
        await s3.delete(keys.blob(digest))
        await _quietly_delete(s3, keys.touched(digest))
        return again[0]
    finally:
        if time.monotonic() - started < LEASE:  # past the lease the claim may be someone else's
            await _quietly_delete(s3, claim)


def _lease() -> bytes:
    return json.dumps({"by": uuid.uuid4().hex, "expires": time.time() + LEASE}).encode()


async def _claim(s3: S3, key: str) -> bool:
    """Create the claim; or take it over when its holder's lease ran out. Whether we hold it."""
    from botocore.exceptions import ClientError

    try:
        await s3.put(key, _lease(), IfNoneMatch="*")
        return True
    except ClientError as exc:
        if not is_precondition(exc):
            raise
    return await _take_over(s3, key)


async def _take_over(s3: S3, key: str) -> bool:
    """Replace an expired claim (``If-Match`` its ETag: one taker wins); whether we hold it now.
    False when there is none (any more) or it is live."""
    from botocore.exceptions import ClientError

    try:
        resp = await s3.call("get_object", Key=key)
    except ClientError as exc:
        if is_missing(exc):
            return False
        raise
    held = await s3.read_body(resp, key)
    try:
        expires = float(json.loads(held)["expires"])
    except (ValueError, KeyError, TypeError):
        expires = 0.0
    if expires > time.time():
        return False
    try:
        await s3.put(key, _lease(), IfMatch=resp["ETag"])
        return True
    except ClientError as exc:
        if is_precondition(exc) or is_missing(exc):
            return False
        raise


async def _wait_for_claim(s3: S3, key: str) -> bool:
    """Return once no collector holds the blob's claim: True when we took an expired one over
    (the caller deletes it), False when there is none."""
    delay = 0.01
    while await s3.exists(key):
        if await _take_over(s3, key):
            return True
        await asyncio.sleep(delay)  # a collector finishing: a few requests
        delay = min(delay * 2, 0.2)
    return False


async def _quietly_delete(s3: S3, key: str) -> None:
    from botocore.exceptions import ClientError

    try:
        await s3.delete(key)
    except ClientError:
        pass
